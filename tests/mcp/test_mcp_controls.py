"""The per-task controls, pause notes, concurrency keys and prices over MCP (the SDK's client, over HTTP)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, get_args

import httpx

from app.db.repositories import FireRow
from app.services.inputs import NULLABLE_CONTROLS
from app.tools import args as A
from tests.mcp.test_mcp_http import client, data, server
from tests.support.records import insert_runs

__all__ = ["server"]

AUTH = {"Authorization": "Bearer full-secret"}
CONTROLS = {
    "overlap_policy": "buffer_one",
    "concurrency_key": "slack",
    "jitter_seconds": 300,
    "max_cost_usd_per_run": 0.5,
    "max_tokens_per_run": 20_000,
    "max_cost_usd_per_day": 2.0,
    "max_cost_usd_per_month": 30.0,
    "pause_on_budget": True,
    "pause_after_failures": 3,
    "max_delay_seconds": 60,
    "max_duration_seconds": 600,
}
EXPLICIT = {"schedule": {"kind": "cron", "cron": "0 9 * * *", "timezone": "Europe/Berlin"}, "instructions": "digest"}


async def rest_task(url: str, task_id: int) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=url, headers=AUTH) as rest:
        answer: dict[str, Any] = (await rest.get(f"/api/tasks/{task_id}")).json()
        return answer


def test_update_task_clears_exactly_the_controls_that_can_be_off() -> None:
    assert set(get_args(A.NullableControl)) == set(NULLABLE_CONTROLS)


async def test_controls_are_set_shown_changed_and_cleared(server: str) -> None:
    async with client(server, "full-secret") as mcp:
        created = data(await mcp.call_tool("ScheduleTask", {**EXPLICIT, **CONTROLS}))
        task_id = created["task"]["task_id"]
        assert created["task"]["controls"] == CONTROLS
        stored = await rest_task(server, task_id)
        assert {k: stored[k] for k in CONTROLS} == CONTROLS  # the same fields the API reads and writes

        shown = data(await mcp.call_tool("GetTask", {"task_id": task_id}))
        assert shown["task"]["controls"] == CONTROLS
        assert shown["spend"] == {
            "today_usd": 0.0,
            "max_cost_usd_per_day": 2.0,
            "this_month_usd": 0.0,
            "max_cost_usd_per_month": 30.0,
        }
        # Jitter moves each fire's start: nominal and due times, as the API lists them.
        fires = [(f["scheduled_for"], f["due_at"]) for f in shown["task"]["next_fires"]]
        rest_fires = [(f["scheduled_for"], f["due_at"]) for f in stored["next_fires"]]
        assert [(datetime.fromisoformat(a), datetime.fromisoformat(b)) for a, b in fires] == [
            (datetime.fromisoformat(a), datetime.fromisoformat(b)) for a, b in rest_fires
        ]
        assert all(
            timedelta(0) <= datetime.fromisoformat(b) - datetime.fromisoformat(a) < timedelta(seconds=300)
            for a, b in fires
        )
        assert any(a != b for a, b in fires)

        changed = data(
            await mcp.call_tool(
                "UpdateTask",
                {
                    "task_id": task_id,
                    "overlap_policy": "allow",
                    "jitter_seconds": 0,
                    "clear": ["concurrency_key", "max_cost_usd_per_day", "max_delay_seconds"],
                },
            )
        )
        expected = {
            **CONTROLS,
            "overlap_policy": "allow",
            "jitter_seconds": 0,
            "concurrency_key": None,
            "max_cost_usd_per_day": None,
            "max_delay_seconds": None,
        }
        assert changed["task"]["controls"] == expected
        assert set(changed["changed"]) == {
            "overlap_policy",
            "jitter_seconds",
            "concurrency_key",
            "max_cost_usd_per_day",
            "max_delay_seconds",
        }
        stored = await rest_task(server, task_id)
        assert {k: stored[k] for k in CONTROLS} == expected
        assert "next_fires" not in data(await mcp.call_tool("GetTask", {"task_id": task_id}))["task"]


async def test_bad_controls_are_refused_and_change_nothing(server: str) -> None:
    async with client(server, "full-secret") as mcp:
        task_id = data(await mcp.call_tool("ScheduleTask", {**EXPLICIT, "concurrency_key": "slack"}))["task"]["task_id"]
        before = await rest_task(server, task_id)
        for arguments in (
            {"jitter_seconds": -1},
            {"jitter_seconds": 86_401},
            {"overlap_policy": "sometimes"},
            {"concurrency_key": "no spaces allowed"},
            {"max_cost_usd_per_day": -0.01},
            {"pause_after_failures": 0},
            {"max_duration_seconds": 0},
            {"pause_on_budget": "perhaps"},
            {"clear": ["overlap_policy"]},  # it always has a value: choose one instead
            {"concurrency_key": "other", "clear": ["concurrency_key"]},
            {"name": "renamed", "max_tokens_per_run": 0},
        ):
            refused = await mcp.call_tool("UpdateTask", {"task_id": task_id, **arguments})
            assert refused.is_error and data(refused)["error"]["code"] == "invalid_arguments", arguments
        bad_create = await mcp.call_tool("ScheduleTask", {**EXPLICIT, "max_delay_seconds": -5})
        assert bad_create.is_error and data(bad_create)["error"]["code"] == "invalid_arguments"
        assert await rest_task(server, task_id) == before
        assert data(await mcp.call_tool("ListSchedules", {}))["total"] == 1


async def test_pause_with_a_note_then_resume(server: str) -> None:
    async with client(server, "full-secret") as mcp:
        hints = {t.name: t.annotations for t in (await mcp.list_tools()).tools}
        pause = hints["PauseTask"]
        assert pause is not None and not pause.read_only_hint and not pause.destructive_hint and pause.idempotent_hint
        task_id = data(await mcp.call_tool("ScheduleTask", EXPLICIT))["task"]["task_id"]
        too_long = await mcp.call_tool("PauseTask", {"task_id": task_id, "note": "x" * 501})
        assert too_long.is_error and data(too_long)["error"]["code"] == "invalid_arguments"
        assert (await rest_task(server, task_id))["state"] == "active"

        paused = data(await mcp.call_tool("PauseTask", {"task_id": task_id, "note": "vendor <outage>"}))
        assert paused["task"]["state"] == "paused" and paused["task"]["pause_note"] == "vendor <outage>"
        assert data(await mcp.call_tool("GetTask", {"task_id": task_id}))["task"]["pause_note"] == "vendor <outage>"
        assert (await rest_task(server, task_id))["pause_note"] == "vendor <outage>"
        listed = data(await mcp.call_tool("ListSchedules", {"state": "paused"}))["tasks"]
        assert [t.get("pause_note") for t in listed] == ["vendor <outage>"]

        resumed = data(await mcp.call_tool("ResumeTask", {"task_id": task_id, "note": "vendor is back"}))
        assert resumed["task"]["state"] == "active" and "pause_note" not in resumed["task"]
        assert (await rest_task(server, task_id))["pause_note"] is None
        missing = await mcp.call_tool("PauseTask", {"task_id": 999_999, "note": "x"})
        assert missing.is_error and data(missing)["error"]["code"] == "not_found"


async def test_concurrency_keys_and_model_prices(server: str) -> None:
    async with client(server, "full-secret") as mcp:
        hints = {t.name: t.annotations for t in (await mcp.list_tools()).tools if t.annotations is not None}
        for name in ("ListConcurrencyKeys", "ListModelPrices"):
            assert hints[name].read_only_hint, name
        for name in ("RemoveConcurrencyKey", "RemoveModelPrice"):
            assert hints[name].destructive_hint and not hints[name].read_only_hint, name
        for name in ("SetConcurrencyKey", "SetModelPrice"):
            assert not hints[name].read_only_hint and hints[name].idempotent_hint, name

        await mcp.call_tool("ScheduleTask", {**EXPLICIT, "concurrency_key": "slack"})
        made = data(await mcp.call_tool("SetConcurrencyKey", {"key": "slack", "max_running": 2}))
        assert made["key"] == {**made["key"], "key": "slack", "max_running": 2, "running": 0, "queued": 0, "tasks": 1}
        data(await mcp.call_tool("SetConcurrencyKey", {"key": "slack", "max_running": 1}))
        listed = data(await mcp.call_tool("ListConcurrencyKeys", {}))
        assert listed["total"] == 1 and listed["keys"][0]["max_running"] == 1
        async with httpx.AsyncClient(base_url=server, headers=AUTH) as rest:
            assert (await rest.get("/api/concurrency-keys/slack")).json()["max_running"] == 1
        for arguments, code in (
            ({"key": "no spaces", "max_running": 1}, "validation_error"),
            ({"key": "slack", "max_running": -1}, "invalid_arguments"),
            ({"key": "slack"}, "invalid_arguments"),
        ):
            refused = await mcp.call_tool("SetConcurrencyKey", arguments)
            assert refused.is_error and data(refused)["error"]["code"] == code, arguments
        assert data(await mcp.call_tool("RemoveConcurrencyKey", {"key": "slack"}))["status"] == "removed"
        again = await mcp.call_tool("RemoveConcurrencyKey", {"key": "slack"})
        assert again.is_error and data(again)["error"]["code"] == "not_found"

        price = data(
            await mcp.call_tool(
                "SetModelPrice", {"model": "ollama/llama3", "input_per_million": 0.1, "output_per_million": 0.2}
            )
        )["price"]
        assert (price["model"], price["input_per_million"], price["output_per_million"]) == ("ollama/llama3", 0.1, 0.2)
        negative = await mcp.call_tool(
            "SetModelPrice", {"model": "ollama/llama3", "input_per_million": -1, "output_per_million": 0.2}
        )
        assert negative.is_error and data(negative)["error"]["code"] == "invalid_arguments"
        prices = data(await mcp.call_tool("ListModelPrices", {}))
        assert prices["total"] == 1 and prices["prices"][0]["input_per_million"] == 0.1
        async with httpx.AsyncClient(base_url=server, headers=AUTH) as rest:
            assert (await rest.get("/api/model-prices")).json()["items"][0]["model"] == "ollama/llama3"
        data(await mcp.call_tool("RemoveModelPrice", {"model": "ollama/llama3"}))
        assert data(await mcp.call_tool("ListModelPrices", {}))["total"] == 0


async def test_runs_show_trigger_inputs_due_time_sla_breach_and_retries(server: str, db_url: str) -> None:
    async with client(server, "full-secret") as mcp:
        task_id = data(await mcp.call_tool("ScheduleTask", EXPLICIT))["task"]["task_id"]
        at = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
        (first,) = await insert_runs(
            db_url,
            [
                (
                    FireRow(
                        task_id=task_id,
                        scheduled_for=at,
                        trigger="schedule",
                        status="interrupted",
                        slot=None,
                        due_at=at + timedelta(seconds=42),
                    ),
                    {"sla_breach": "started 95s late (max_delay_seconds=60)", "trigger_delay_ms": 95_000},
                )
            ],
            now=at,
        )
        again = FireRow(
            task_id=task_id, scheduled_for=at + timedelta(minutes=5), trigger="retry", status="failed", slot=None
        )
        (retry,) = await insert_runs(db_url, [(again, {"attempt": 2, "retry_of": first})], now=at)
        queued = data(
            await mcp.call_tool(
                "RunTaskNow", {"task_id": task_id, "inputs": {"ticket": "INC-42"}, "idempotency_key": "k1"}
            )
        )["execution"]
        runs = {r["execution_id"]: r for r in data(await mcp.call_tool("ListRuns", {"task_id": task_id}))["runs"]}
        assert set(runs) == {first, retry, queued["execution_id"]}
        late = runs[first]
        assert late["trigger"] == "schedule" and late["sla_breach"] == "started 95s late (max_delay_seconds=60)"
        assert datetime.fromisoformat(late["due_at"]) - datetime.fromisoformat(late["scheduled_for"]) == timedelta(
            seconds=42
        )
        assert late["trigger_delay_ms"] == 95_000 and late["retry_of"] is None and late["attempt"] == 1
        assert runs[retry]["trigger"] == "retry" and runs[retry]["attempt"] == 2 and runs[retry]["retry_of"] == first
        assert runs[queued["execution_id"]]["inputs"] == {"ticket": "INC-42"}
        assert (
            runs[queued["execution_id"]]["trigger"] == "manual" and runs[queued["execution_id"]]["sla_breach"] is None
        )
        shown = data(await mcp.call_tool("GetRun", {"execution_id": retry}))["run"]
        assert shown["retry_of"] == first and shown["attempt"] == 2
        detail = data(await mcp.call_tool("GetRun", {"execution_id": first}))["run"]
        assert detail["sla_breach"] == late["sla_breach"] and detail["due_at"] == late["due_at"]
        waiting = data(await mcp.call_tool("ListRuns", {"task_id": task_id, "status": "waiting"}))
        assert waiting["total"] == 0 and waiting["filters"]["status"] == "waiting"
