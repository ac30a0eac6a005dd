"""MCP over streamable HTTP at /mcp, through the SDK's own client: tools, hints, errors, keys and scopes."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from tests.ops.conftest import ops_app
from tests.support.live_server import serve_in_thread

WRITE_TOOLS = {"ScheduleTask", "UpdateTask", "ResumeTask", "CancelSchedule", "RunTaskNow"}
READ_TOOLS = {"ListSchedules", "GetTask", "ListRuns", "GetRun", "ExplainRun", "RunTotals", "PreviewSchedule"}


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
        # Words the rules cannot read need the LLM; none is configured here, so they become a question.
        unreadable = await mcp.call_tool("ScheduleTask", {"description": "whenever the moon is full, howl"})
        assert unreadable.is_error and data(unreadable)["error"]["code"] == "ambiguous_schedule"
        unknown = await mcp.call_tool("NoSuchTool", {})
        assert unknown.is_error and data(unknown)["error"]["code"] == "unknown_tool"
        wrong = await mcp.call_tool("GetTask", {"task_id": "seven"})
        assert wrong.is_error and data(wrong)["error"]["code"] == "invalid_arguments"


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
        denied = await rest.post("/api/tasks", json={}, headers={"Authorization": f"Bearer {reader}"})
        assert denied.status_code == 403 and denied.json()["error"]["code"] == "forbidden"
    async with client(server, reader) as mcp:
        assert {t.name for t in (await mcp.list_tools()).tools} == READ_TOOLS
        refused = await mcp.call_tool("ScheduleTask", {"description": "every day at 9am, say hi"})
        assert refused.is_error and data(refused)["error"]["code"] == "forbidden"
        assert data(await mcp.call_tool("ListSchedules", {}))["total"] == 0
