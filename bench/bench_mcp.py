"""MCP tool calls against the same use cases over REST: what the protocol layer costs per call.

Run: ``.venv/bin/python bench/bench_mcp.py [--calls 300] [--tasks 200]``

A real server (uvicorn, SQLite in a scratch folder, no scheduler) holds ``--tasks``
tasks. Measured from one client each, sequentially, in the same run:
``GetTask`` over MCP streamable HTTP (one SDK client session) against the same
information over REST, ``GET /api/tasks/{id}`` then ``GET /api/tasks/{id}/executions?limit=5``
(httpx, keep-alive), and ``ListSchedules`` (first 50)
against ``GET /api/tasks?limit=50``. Reported: median and p99 per call, and the
ratio of medians (MCP / REST).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from app.api.app import create_app
from app.config import Settings
from app.services.database import migrate
from app.services.notifier import NullListener
from bench.common import pct
from tests.support.live_server import serve_in_thread


async def timed(calls: int, call: object) -> list[float]:
    times: list[float] = []
    for i in range(calls):
        start = time.perf_counter()
        await call(i)  # type: ignore[operator]
        times.append((time.perf_counter() - start) * 1000)
    return times


def line(name: str, mcp: list[float], rest: list[float]) -> str:
    m, r = pct(mcp, 50), pct(rest, 50)
    return (
        f"{name:<14} MCP median {m:6.2f} ms p99 {pct(mcp, 99):6.2f} ms | "
        f"REST median {r:6.2f} ms p99 {pct(rest, 99):6.2f} ms | ratio {m / r:4.2f}x"
    )


async def run(url: str, calls: int, tasks: int) -> None:
    async with httpx.AsyncClient(base_url=url) as rest:
        for i in range(tasks):
            body = {"name": f"task {i}", "instructions": "check", "schedule": {"kind": "cron", "cron": "0 9 * * *"}}
            assert (await rest.post("/api/tasks", json=body)).status_code == 201
        async with (
            httpx2.AsyncClient(timeout=30) as http,
            Client(streamable_http_client(f"{url}/mcp", http_client=http)) as mcp,
        ):

            async def mcp_get(i: int) -> None:
                result = await mcp.call_tool("GetTask", {"task_id": i % tasks + 1})
                assert not result.is_error

            async def rest_get(i: int) -> None:
                # GetTask answers the task with its latest runs: the same two reads over REST.
                assert (await rest.get(f"/api/tasks/{i % tasks + 1}")).status_code == 200
                runs = await rest.get(f"/api/tasks/{i % tasks + 1}/executions", params={"limit": 5})
                assert runs.status_code == 200

            async def mcp_list(i: int) -> None:
                assert not (await mcp.call_tool("ListSchedules", {"limit": 50})).is_error

            async def rest_list(i: int) -> None:
                assert (await rest.get("/api/tasks", params={"limit": 50})).status_code == 200

            await timed(20, mcp_get)  # warm both paths
            await timed(20, rest_get)
            print(line("task + runs", await timed(calls, mcp_get), await timed(calls, rest_get)))
            print(line("list 50 tasks", await timed(calls, mcp_list), await timed(calls, rest_list)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--tasks", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{folder}/bench.db"
        migrate(url)
        app = create_app(Settings(database_url=url, scheduler_enabled=False), listener=NullListener())
        with serve_in_thread(app) as base:
            asyncio.run(run(base, args.calls, args.tasks))


if __name__ == "__main__":
    main()
