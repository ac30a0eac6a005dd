"""Real ``taskrunner serve`` and ``taskrunner worker`` processes on one PostgreSQL database."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import psycopg

from tests.support.live_server import free_port
from tests.support.openai_stub import Reply

ROOT = Path(__file__).resolve().parents[2]

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


class Proc:
    def __init__(self, args: list[str], url: str, log: Path, api_base: str, **env: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        full_env = {
            **os.environ,
            "DATABASE_URL": url,
            "PORT": str(self.port),
            "HOST": "127.0.0.1",
            "LOG_FORMAT": "json",
            "LLM_MODEL": "openai/stub",
            "LLM_API_BASE": api_base,
            "LLM_API_KEY": "sk-test",
            "LITELLM_LOCAL_MODEL_COST_MAP": "True",
            "HTTP_TOOL_ALLOW_HOSTS": "",
            **FAST_ENV,
            **env,
        }
        self.log_path = log
        self.log = log.open("w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "app.cli.main", *args], cwd=ROOT, env=full_env, stdout=self.log, stderr=self.log
        )

    def wait_ready(self, timeout: float = 30) -> None:
        wait_for(lambda: _ok(self.base + "/readyz"), timeout, f"{self.base} ready")

    def role(self) -> str:
        return str(httpx.get(self.base + "/readyz", timeout=5).json()["checks"]["scheduler"])

    def send(self, sig: int) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 60) -> int:
        self.send(sig)
        code = self.proc.wait(timeout)
        self.log.close()
        return code


def _ok(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def wait_for(predicate: Callable[[], object], timeout: float, what: str) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


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
