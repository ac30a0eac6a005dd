"""What the issue asks every interface to show: trigger, inputs, upstream run and condition outcome,
through the CLI (its typer app against a live server) and MCP (the SDK's client over HTTP)."""

from __future__ import annotations

import json
from typing import Any

from tests.acceptance.conftest import Cli, Live, hmac_signature
from tests.acceptance.test_conditions import mcp_client, tool_data


def test_the_cli_runs_with_inputs_chains_backfills_and_manages_hooks(live: Live, cli: Cli) -> None:
    up = cli.json("task", "create", "--cron", "0 0 1 1 *", "--name", "fetch", "--instructions", "Fetch.")
    assert up["name"] == "fetch"
    down = cli.json(
        "task",
        "create",
        "--cron",
        "0 0 1 1 *",
        "--name",
        "report",
        "--instructions",
        "Report.",
        "--after",
        str(up["id"]),
    )
    assert down["after"]["tasks"][0]["task_id"] == up["id"]
    live.stub.push_text("prices: 41")
    live.stub.push_text("report done")
    ran = cli("task", "run", str(up["id"]), "--input", "region=EU", "--idempotency-key", "k1", "--wait")
    assert ran.exit_code == 0, ran.output
    assert "prices: 41" in ran.stdout and "succeeded" in ran.stdout
    with live.http() as http:
        first = http.get(f"/api/tasks/{up['id']}/executions").json()["items"][0]
        dependent = live.wait_for(
            lambda: http.get(f"/api/tasks/{down['id']}/executions").json()["items"], what="report"
        )
        live.wait_run(http, dependent[0]["id"])
    shown = cli.json("runs", "show", str(first["id"]))
    assert (shown["trigger"], shown["inputs"]) == ("manual", {"region": "EU"})
    dep = cli.json("runs", "show", str(dependent[0]["id"]))
    assert dep["trigger"] == "dependency" and dep["upstream_execution_id"] == first["id"]
    assert dep["inputs"]["upstream"]["output"] == "prices: 41"
    text = cli("runs", "show", str(dependent[0]["id"]))
    assert text.exit_code == 0 and "dependency" in text.stdout and str(first["id"]) in text.stdout
    # The same key again answers the first run.
    again = cli.json("task", "run", str(up["id"]), "--idempotency-key", "k1")
    assert again["id"] == first["id"]
    # Deleting the upstream needs --force.
    refused = cli("task", "delete", str(up["id"]), "--yes")
    assert refused.exit_code != 0 and "report" in refused.output

    # Backfill, dry run then for real, times without an offset in the task's zone.
    daily = cli.json(
        "task", "create", "--cron", "0 9 * * *", "--tz", "Europe/Berlin", "--name", "daily", "--instructions", "D."
    )
    dry = cli.json(
        "task", "backfill", str(daily["id"]), "--start", "2026-10-24T00:00", "--end", "2026-10-26T23:00", "--dry-run"
    )
    assert [f["status"] for f in dry["fires"]] == ["new"] * 3
    assert [f["scheduled_for"][11:16] for f in dry["fires"]] == ["09:00"] * 3
    listed = cli(
        "task", "backfill", str(daily["id"]), "--start", "2026-10-24T00:00", "--end", "2026-10-26T23:00", "--dry-run"
    )
    assert listed.exit_code == 0 and "3 fire(s)" in listed.stdout
    bad = cli("task", "backfill", str(daily["id"]), "--start", "yesterday", "--end", "2026-10-26T23:00")
    assert bad.exit_code != 0 and "ISO" in bad.output
    too_many = cli("task", "backfill", str(daily["id"]), "--start", "2020-01-01T00:00", "--end", "2026-10-26T23:00")
    assert too_many.exit_code != 0 and "1000" in too_many.output.replace(",", "")

    # Hooks: create, deliver with the token, show deliveries, rotate, disable.
    created = cli.json("task", "hook", str(daily["id"]), "--rate", "5")
    assert created["rate_per_minute"] == 5 and created["secret"]
    ts = str(int(__import__("time").time()))
    body = b'{"alert": "disk full"}'
    with live.http() as http:
        delivered = http.post(
            created["url"],
            content=body,
            headers={
                "Authorization": "",
                "X-Taskrunner-Timestamp": ts,
                "X-Taskrunner-Signature": hmac_signature(created["secret"], ts, body),
            },
        )
        assert delivered.status_code == 202, delivered.text
        refused_delivery = http.post(created["url"], content=b"{}", headers={"X-Taskrunner-Token": "wrong"})
        assert refused_delivery.status_code == 401
    listing = cli("task", "hook", str(daily["id"]), "--show")
    assert listing.exit_code == 0, listing.output
    assert f"run {delivered.json()['execution_id']}" in listing.stdout and "bad token" in listing.stdout
    event_run = cli.json("runs", "show", str(delivered.json()["execution_id"]))
    assert (event_run["trigger"], event_run["inputs"]) == ("event", {"alert": "disk full"})
    rotated = cli.json("task", "hook", str(daily["id"]), "--grace", "60")
    assert rotated["secret"] != created["secret"] and rotated["previous_secret_valid_until"]
    assert cli("task", "hook", str(daily["id"]), "--disable").exit_code == 0
    gone = cli("task", "hook", str(daily["id"]), "--show")
    assert gone.exit_code != 0


async def test_mcp_runs_with_inputs_and_shows_trigger_and_upstream(live: Live) -> None:
    live.stub.push_text("fetched")
    live.stub.push_text("reported")
    async with mcp_client(live.url) as mcp:
        up = tool_data(
            await mcp.call_tool(
                "ScheduleTask",
                {
                    "name": "fetch",
                    "instructions": "Fetch.",
                    "schedule": {"kind": "cron", "cron": "0 0 1 1 *"},
                    "tools": [],
                },
            )
        )
        up_id = up["task"]["task_id"]
        down = tool_data(
            await mcp.call_tool(
                "ScheduleTask",
                {
                    "name": "report",
                    "instructions": "Report.",
                    "schedule": {"kind": "cron", "cron": "0 0 1 1 *"},
                    "tools": [],
                    "after": {"task_id": up_id},
                },
            )
        )
        down_id = down["task"]["task_id"]
        assert up_id and down_id, (up, down)
        started = await mcp.call_tool(
            "RunTaskNow", {"task_id": up_id, "inputs": {"ticket": "INC-1"}, "idempotency_key": "mcp-1"}
        )
        assert not started.is_error, started.content
        run = tool_data(started)
        assert run["execution"]["inputs"] == {"ticket": "INC-1"} and run["execution"]["trigger"] == "manual"
        run_id = run["execution"]["execution_id"]
        again = tool_data(await mcp.call_tool("RunTaskNow", {"task_id": up_id, "idempotency_key": "mcp-1"}))
        assert again["execution"]["execution_id"] == run_id
        with live.http() as http:
            live.wait_run(http, run_id)
            downs = live.wait_for(lambda: http.get(f"/api/tasks/{down_id}/executions").json()["items"], what="report")
            live.wait_run(http, downs[0]["id"])
        got = tool_data(await mcp.call_tool("GetRun", {"execution_id": run_id}))
        text = json.dumps(got)
        assert "INC-1" in text and "manual" in text
        dep_data = tool_data(await mcp.call_tool("GetRun", {"execution_id": downs[0]["id"]}))
        dep_run = dep_data["run"]
        assert dep_run["trigger"] == "dependency" and dep_run["upstream_execution_id"] == run_id
        assert dep_run["inputs"]["upstream"]["output"] == "fetched"
        explained = json.dumps(tool_data(await mcp.call_tool("ExplainRun", {"task_id": down_id})))
        assert "fetch" in explained  # what it runs after
        bad_inputs: list[Any] = [[1, 2], "text", {"blob": "x" * 70_000}, {"a": "\u0000"}]
        for inputs in bad_inputs:
            refused = await mcp.call_tool("RunTaskNow", {"task_id": up_id, "inputs": inputs})
            assert refused.is_error, inputs
            error = tool_data(refused)["error"]
            assert error["code"] and error["message"]
