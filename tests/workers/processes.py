"""Real ``taskrunner serve`` and ``taskrunner worker`` processes on one PostgreSQL database."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import psycopg

from tests.support.openai_stub import Reply
from tests.support.processes import TaskrunnerProcess

# Short heartbeats so a dead worker is noticed in seconds, not half a minute.
FAST_ENV = {
    "WORKER_HEARTBEAT_SECONDS": "0.5",
    "WORKER_STALE_SECONDS": "6",
    "WORKER_SWEEP_SECONDS": "0.5",
}


def slow_replies(body: dict[str, Any]) -> Reply:
    """Answers in 0.3 s, or 30 s when the task's instructions say SLOW, 2 s when they say MEDIUM."""
    text = json.dumps(body)
    delay = 30.0 if "SLOW" in text else 2.0 if "MEDIUM" in text else 0.3
    return Reply(content="all done", delay=delay)


class Proc(TaskrunnerProcess):
    """``taskrunner <args>`` on ``url`` with the stub LLM at ``api_base``, fast heartbeats and ``env`` on top."""

    def __init__(self, args: list[str], url: str, log: Path, api_base: str, **env: str) -> None:
        full_env = {
            "DATABASE_URL": url,
            "LLM_MODEL": "openai/stub",
            "LLM_API_BASE": api_base,
            "LLM_API_KEY": "sk-test",
            "HTTP_TOOL_ALLOW_HOSTS": "",
            **FAST_ENV,
            **env,
        }
        super().__init__(args, log, full_env)


def rows(url: str, sql: str, *params: object) -> list[tuple[Any, ...]]:
    with psycopg.connect(url.replace("postgresql+asyncpg", "postgresql")) as conn:
        return list(conn.execute(sql, params).fetchall())


def worker_ids(url: str) -> list[str]:
    return [r[0] for r in rows(url, "SELECT id FROM workers WHERE kind = 'worker' AND stopped_at IS NULL ORDER BY id")]


def create_and_run(base: str, name: str, instructions: str, **extra: object) -> tuple[int, int]:
    """A task that only runs when asked; returns (task id, execution id of a run-now)."""
    body = {
        "name": name,
        "instructions": instructions,
        "schedule": {"kind": "interval", "every_seconds": 86400},
        **extra,
    }
    task = httpx.post(base + "/api/tasks", json=body, timeout=10)
    assert task.status_code == 201, task.text
    run = httpx.post(f"{base}/api/tasks/{task.json()['id']}/run", timeout=10)
    assert run.status_code == 202, run.text
    return int(task.json()["id"]), int(run.json()["id"])
