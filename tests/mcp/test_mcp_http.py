"""MCP over streamable HTTP at /mcp, through the SDK's own client: tools, hints, errors, keys and scopes."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from app.api.app import create_app
from app.config import Settings
from app.db.repositories import FireRow
from app.llm.litellm_client import LiteLLMClient
from app.services.notifier import NullListener
from tests.ops.conftest import ops_app
from tests.support.live_server import serve_in_thread
from tests.support.openai_stub import OpenAIStub
from tests.support.records import insert_runs

WRITE_TOOLS = {
    "ScheduleTask",
    "UpdateTask",
    "PauseTask",
    "ResumeTask",
    "CancelSchedule",
    "RunTaskNow",
    "CancelRun",
    "SetConcurrencyKey",
    "RemoveConcurrencyKey",
    "SetModelPrice",
    "RemoveModelPrice",
}
READ_TOOLS = {
    "ListSchedules",
    "GetTask",
    "ListRuns",
    "GetRun",
    "ExplainRun",
    "RunTotals",
    "PreviewSchedule",
    "ListConcurrencyKeys",
    "ListModelPrices",
}


@pytest.fixture
def server(db_url: str) -> Iterator[str]:
    with serve_in_thread(ops_app(db_url, api_keys="full-secret", cache_ttl=0.0)) as url:
        yield url


@asynccontextmanager
async def client(url: str, key: str | None) -> AsyncIterator[Client]:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    async with httpx2.AsyncClient(headers=headers, timeout=30) as http:
        async with Client(streamable_http_client(f"{url}/mcp", http_client=http)) as mcp:
            yield mcp


def data(result: Any) -> dict[str, Any]:
    payload: dict[str, Any] = json.loads(result.content[0].text)
    assert result.structured_content == payload
    return payload


async def test_every_tool_over_http_with_a_key(server: str) -> None:
    async with client(server, "full-secret") as mcp:
        tools = {t.name: t for t in (await mcp.list_tools()).tools}
        assert set(tools) == WRITE_TOOLS | READ_TOOLS
        for name in READ_TOOLS:
            hints = tools[name].annotations
            assert hints is not None and hints.read_only_hint is True and hints.destructive_hint is False
        cancel = tools["CancelSchedule"].annotations
        assert cancel is not None and cancel.destructive_hint is True and cancel.read_only_hint is False
        assert tools["RunTaskNow"].annotations is not None and tools["RunTaskNow"].annotations.idempotent_hint is False
        assert "description" in tools["ScheduleTask"].input_schema["properties"]

        created = data(
            await mcp.call_tool(
                "ScheduleTask", {"description": "every weekday at 9am Berlin time, check example.com and summarise"}
            )
        )
        task = created["task"]
        assert task["schedule"] == {"kind": "cron", "cron": "0 9 * * 1-5", "timezone": "Europe/Berlin"}
        assert task["schedule_description"] and len(task["next_runs"]) == 5
        explicit = data(
            await mcp.call_tool(
                "ScheduleTask",
                {"schedule": {"kind": "interval", "every_seconds": 3600}, "instructions": "ping the backup host"},
            )
        )
        assert explicit["task"]["name"] == "ping the backup host"

        listed = data(await mcp.call_tool("ListSchedules", {"query": "backup"}))
        assert listed["total"] == 1 and listed["tasks"][0]["task_id"] == explicit["task"]["task_id"]
        shown = data(await mcp.call_tool("GetTask", {"task_id": task["task_id"]}))
        assert shown["task"]["task_id"] == task["task_id"] and shown["total_runs"] == 0
        queued = data(await mcp.call_tool("RunTaskNow", {"task_id": task["task_id"]}))
        run_id = queued["execution"]["execution_id"]
        assert queued["execution"]["status"] == "queued" and queued["execution"]["trigger"] == "manual"
        runs = data(await mcp.call_tool("ListRuns", {"task_id": task["task_id"]}))
        assert runs["total"] == 1 and runs["runs"][0]["execution_id"] == run_id
        run = data(await mcp.call_tool("GetRun", {"execution_id": run_id}))
        assert run["run"]["execution_id"] == run_id and run["steps"] == []
        why = data(await mcp.call_tool("ExplainRun", {"task_id": task["task_id"]}))
        assert why["execution_ids"] == [run_id] and why["findings"]
        totals = data(await mcp.call_tool("RunTotals", {}))
        assert totals["runs"] == 1
        preview = data(await mcp.call_tool("PreviewSchedule", {"kind": "cron", "cron": "0 9 * * 7", "count": 2}))
        assert preview["description"] and len(preview["next_runs"]) == 2
        changed = data(await mcp.call_tool("UpdateTask", {"task_id": task["task_id"], "name": "digest"}))
        assert changed["task"]["name"] == "digest"
        paused = data(await mcp.call_tool("CancelSchedule", {"task_id": task["task_id"], "pause": True}))
        assert paused["task"]["state"] == "paused"
        resumed = data(await mcp.call_tool("ResumeTask", {"task_id": task["task_id"]}))
        assert resumed["task"]["state"] == "active"
        deleted = data(await mcp.call_tool("CancelSchedule", {"task_id": explicit["task"]["task_id"]}))
        assert deleted["deleted"] is True

    async with httpx.AsyncClient(base_url=server, headers={"Authorization": "Bearer full-secret"}) as rest:
        assert (await rest.get(f"/api/tasks/{explicit['task']['task_id']}")).status_code == 404
        assert (await rest.get(f"/api/tasks/{task['task_id']}")).json()["name"] == "digest"


async def test_errors_are_tool_errors_with_our_codes(server: str) -> None:
    async with client(server, "full-secret") as mcp:
        missing = await mcp.call_tool("GetTask", {"task_id": 999})
        assert missing.is_error and data(missing)["error"]["code"] == "not_found"
        assert data(missing)["error"]["message"] == "No task with id 999."
        bad = await mcp.call_tool(
            "ScheduleTask", {"schedule": {"kind": "cron", "cron": "61 * * * *"}, "instructions": "x"}
        )
        assert bad.is_error and data(bad)["error"]["code"] == "invalid_cron"
        # Words the rules cannot read need the LLM; none answers here, so the answer is a question.
        unreadable = await mcp.call_tool("ScheduleTask", {"description": "whenever the moon is full, howl"})
        error = data(unreadable)["error"]
        assert unreadable.is_error and error["code"] == "ambiguous_schedule"
        assert error["details"]["question"] == error["message"]
        unknown = await mcp.call_tool("NoSuchTool", {})
        assert unknown.is_error and data(unknown)["error"]["code"] == "unknown_tool"
        wrong = await mcp.call_tool("GetTask", {"task_id": "seven"})
        assert wrong.is_error and data(wrong)["error"]["code"] == "invalid_arguments"
        made = data(
            await mcp.call_tool(
                "ScheduleTask", {"schedule": {"kind": "cron", "cron": "0 6 * * *"}, "instructions": "morning report"}
            )
        )["task"]
        half = await mcp.call_tool("UpdateTask", {"task_id": made["task_id"], "name": "renamed", "cron": "99 * * * *"})
        assert half.is_error and data(half)["error"]["code"] == "invalid_cron"
        # The failed call changed nothing, not even the name it carried.
        assert data(await mcp.call_tool("GetTask", {"task_id": made["task_id"]}))["task"]["name"] == "morning report"


async def test_keys_guard_mcp_and_read_only_keys_get_read_tools(server: str) -> None:
    async with httpx.AsyncClient(base_url=server) as rest:
        assert (await rest.post("/mcp", json={})).status_code == 401
        made = await rest.post(
            "/api/keys",
            json={"name": "agent", "scope": "read_only"},
            headers={"Authorization": "Bearer full-secret"},
        )
        assert made.status_code == 201 and made.json()["scope"] == "read_only"
        reader = made.json()["key"]
        as_reader = {"Authorization": f"Bearer {reader}"}
        denied = await rest.post("/api/tasks", json={}, headers=as_reader)
        assert denied.status_code == 403 and denied.json()["error"]["code"] == "forbidden"
        assert (await rest.get("/api/tasks", headers=as_reader)).status_code == 200
        assert (await rest.get("/api/keys", headers=as_reader)).status_code == 403
    async with client(server, reader) as mcp:
        assert {t.name for t in (await mcp.list_tools()).tools} == READ_TOOLS
        refused = await mcp.call_tool("ScheduleTask", {"description": "every day at 9am, say hi"})
        assert refused.is_error and data(refused)["error"]["code"] == "forbidden"
        for name, arguments in (
            ("SetConcurrencyKey", {"key": "slack", "max_running": 1}),
            ("PauseTask", {"task_id": 1, "note": "x"}),
            ("SetModelPrice", {"model": "m", "input_per_million": 1, "output_per_million": 1}),
        ):
            withheld = await mcp.call_tool(name, arguments)
            assert withheld.is_error and data(withheld)["error"]["code"] == "forbidden", name
        assert data(await mcp.call_tool("ListConcurrencyKeys", {}))["keys"] == []
        assert data(await mcp.call_tool("ListSchedules", {}))["total"] == 0


async def test_ambiguous_words_give_the_question(db_url: str) -> None:
    with OpenAIStub() as stub:
        question = "Every other day counted from when: today, or a fixed weekday?"
        stub.push_tool_calls([("set_schedule", {"question": question, "kind": None, "instructions": "water plants"})])
        settings = Settings(llm_model="openai/test", llm_api_base=stub.api_base, llm_api_key="sk-test")
        app = create_app(
            Settings(database_url=db_url, scheduler_enabled=False, llm_model="openai/test"),
            listener=NullListener(),
            llm=LiteLLMClient(settings),
        )
        with serve_in_thread(app) as url:
            async with client(url, None) as mcp:
                asked = await mcp.call_tool("ScheduleTask", {"description": "every other day water the plants"})
                assert asked.is_error
                error = data(asked)["error"]
                assert error["code"] == "ambiguous_schedule"
                assert error["message"] == question and error["details"]["question"] == question
                assert data(await mcp.call_tool("ListSchedules", {}))["total"] == 0  # nothing was saved


async def test_hosts_outside_the_allow_list_are_refused(server: str) -> None:
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
    headers = {
        "Authorization": "Bearer full-secret",
        "Accept": "application/json, text/event-stream",
        "MCP-Protocol-Version": "2025-06-18",
    }
    async with httpx.AsyncClient(base_url=server, headers=headers) as rest:
        rebound = await rest.post("/mcp", json=body, headers={"Host": "attacker.example"})
        assert rebound.status_code in (403, 421)
        assert (await rest.post("/mcp", json=body)).status_code == 200


async def test_the_allow_list_is_configurable(db_url: str) -> None:
    settings = Settings(database_url=db_url, scheduler_enabled=False, mcp_allowed_hosts="tasks.example.com")
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
    headers = {"Accept": "application/json, text/event-stream", "MCP-Protocol-Version": "2025-06-18"}
    with serve_in_thread(create_app(settings, listener=NullListener())) as url:
        async with httpx.AsyncClient(base_url=url, headers=headers) as rest:
            allowed = await rest.post("/mcp", json=body, headers={"Host": "tasks.example.com"})
            assert allowed.status_code == 200 and allowed.json()["result"]["tools"]
            assert (await rest.post("/mcp", json=body)).status_code in (403, 421)  # loopback is not listed now


async def test_explain_why_it_did_not_run_at_a_time(server: str, db_url: str) -> None:
    async with client(server, "full-secret") as mcp:
        task = data(
            await mcp.call_tool(
                "ScheduleTask", {"schedule": {"kind": "interval", "every_seconds": 86400}, "instructions": "digest"}
            )
        )["task"]
        missed_at = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=3)
        reason = "the service was not running at that time (down for 10 minutes)"
        fire = FireRow(
            task_id=task["task_id"], scheduled_for=missed_at, trigger="schedule", status="missed", reason=reason
        )
        (run_id,) = await insert_runs(db_url, [(fire, {})], now=missed_at)
        why = data(await mcp.call_tool("ExplainRun", {"task_id": task["task_id"], "at": missed_at.isoformat()}))
        assert why["verdict"] == "missed" and why["execution_ids"] == [run_id]
        assert any(f"Execution {run_id}" in f and reason in f for f in why["findings"])
        elsewhere = (missed_at - timedelta(hours=5)).isoformat()
        quiet = data(await mcp.call_tool("ExplainRun", {"task_id": task["task_id"], "at": elsewhere}))
        assert quiet["execution_ids"] == [] and quiet["verdict"] == "nothing_due"


async def test_cancel_run_stops_a_queued_run_and_refuses_a_finished_one(server: str) -> None:
    async with client(server, "full-secret") as mcp:
        created = data(
            await mcp.call_tool(
                "ScheduleTask",
                {"instructions": "summarise the digest", "schedule": {"kind": "cron", "cron": "0 9 * * *"}},
            )
        )
        queued = data(await mcp.call_tool("RunTaskNow", {"task_id": created["task"]["task_id"]}))
        run_id = queued["execution"]["execution_id"]
        cancelled = await mcp.call_tool("CancelRun", {"execution_id": run_id})
        assert not cancelled.is_error and data(cancelled)["status"] == "cancelled"
        again = await mcp.call_tool("CancelRun", {"execution_id": run_id})
        assert again.is_error and data(again)["error"]["code"] == "conflict"
        missing = await mcp.call_tool("CancelRun", {"execution_id": 999_999})
        assert missing.is_error and data(missing)["error"]["code"] == "not_found"


async def test_schedule_and_update_task_take_a_condition(server: str) -> None:
    feed = "https://feeds.example.com/releases.xml"
    async with client(server, "full-secret") as mcp:
        made = data(
            await mcp.call_tool(
                "ScheduleTask",
                {
                    "schedule": {"kind": "interval", "every_seconds": 900},
                    "instructions": "summarise the new releases",
                    "condition": {"url_changed": feed},
                },
            )
        )["task"]
        assert made["condition"] == {"url_changed": feed}
        task_id = made["task_id"]
        changed = data(await mcp.call_tool("UpdateTask", {"task_id": task_id, "condition": {"http_ok": feed}}))
        assert changed["task"]["condition"] == {"http_ok": feed} and changed["changed"] == ["condition"]
        removed = data(await mcp.call_tool("UpdateTask", {"task_id": task_id, "remove_condition": True}))
        assert removed["task"]["condition"] is None and removed["changed"] == ["condition"]
        refused = await mcp.call_tool("UpdateTask", {"task_id": task_id, "condition": {"http_ok": "http://10.1.2.3/"}})
        assert refused.is_error and data(refused)["error"]["code"] == "condition_refused"
