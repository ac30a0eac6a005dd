"""``taskrunner mcp`` over stdio, through the SDK's client: straight on the database, and bridged over HTTP."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from mcp import Client, StdioServerParameters

from tests.mcp.test_mcp_http import READ_TOOLS, WRITE_TOOLS
from tests.ops.conftest import ops_app
from tests.support.live_server import serve_in_thread

ROOT = Path(__file__).resolve().parents[2]


def command(*args: str, database_url: str | None = None) -> StdioServerParameters:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "TASKRUNNER_URL", "TASKRUNNER_API_KEY")}
    env["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
    if database_url:
        env["DATABASE_URL"] = database_url
    return StdioServerParameters(command=sys.executable, args=["-m", "app.cli.main", "mcp", *args], env=env, cwd=ROOT)


def data(result: Any) -> dict[str, Any]:
    payload: dict[str, Any] = json.loads(result.content[0].text)
    return payload


@pytest.fixture
def server(db_url: str) -> Iterator[str]:
    with serve_in_thread(ops_app(db_url, api_keys="full-secret")) as url:
        yield url


async def test_stdio_straight_on_the_database(db_url: str) -> None:
    async with Client(command(database_url=db_url)) as mcp:
        assert {t.name for t in (await mcp.list_tools()).tools} == READ_TOOLS | WRITE_TOOLS
        created = data(
            await mcp.call_tool(
                "ScheduleTask",
                {"schedule": {"kind": "cron", "cron": "30 7 * * *", "timezone": "Asia/Tokyo"}, "instructions": "news"},
            )
        )
        task_id = created["task"]["task_id"]
        assert created["task"]["next_runs"][0].endswith("+09:00")
        assert data(await mcp.call_tool("GetTask", {"task_id": task_id}))["task"]["name"] == "news"
        missing = await mcp.call_tool("GetRun", {"execution_id": 424242})
        assert missing.is_error and data(missing)["error"] == {
            "code": "not_found",
            "message": "No execution with id 424242.",
            "details": {"resource": "execution", "id": "424242"},
        }
    # Committed: a second process sees the task.
    async with Client(command("--read-only", database_url=db_url)) as reader:
        assert {t.name for t in (await reader.list_tools()).tools} == READ_TOOLS
        assert data(await reader.call_tool("ListSchedules", {}))["total"] == 1
        refused = await reader.call_tool("CancelSchedule", {"task_id": task_id})
        assert refused.is_error and data(refused)["error"]["code"] == "forbidden"


async def test_stdio_bridged_to_a_running_service(server: str) -> None:
    async with Client(command("--url", server, "--api-key", "full-secret")) as mcp:
        assert {t.name for t in (await mcp.list_tools()).tools} == READ_TOOLS | WRITE_TOOLS
        created = data(
            await mcp.call_tool(
                "ScheduleTask", {"schedule": {"kind": "interval", "every_seconds": 600}, "instructions": "poll"}
            )
        )
        queued = data(await mcp.call_tool("RunTaskNow", {"task_id": created["task"]["task_id"]}))
        assert queued["execution"]["status"] == "queued"
        bad = await mcp.call_tool("GetTask", {"task_id": 31337})
        assert bad.is_error and data(bad)["error"]["code"] == "not_found"
    async with Client(command("--url", server, "--api-key", "full-secret", "--read-only")) as reader:
        assert {t.name for t in (await reader.list_tools()).tools} == READ_TOOLS
        refused = await reader.call_tool("RunTaskNow", {"task_id": created["task"]["task_id"]})
        assert refused.is_error and data(refused)["error"]["code"] == "forbidden"
