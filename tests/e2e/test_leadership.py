"""Two real `taskrunner serve` processes on one PostgreSQL database: one leads, both serve."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psycopg
import pytest

from tests.support.live_server import free_port

ROOT = Path(__file__).resolve().parents[2]


class Instance:
    def __init__(self, url: str, log: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "PORT": str(self.port),
            "HOST": "127.0.0.1",
            "LOG_FORMAT": "json",
            "LLM_MODEL": "openai/not-configured",
            "OPENAI_API_KEY": "",
            "LITELLM_LOCAL_MODEL_COST_MAP": "True",
        }
        self.log = log.open("w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "app.cli.main", "serve"],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=self.log,
        )

    def wait_ready(self, timeout: float = 30) -> None:
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                if httpx.get(self.base + "/readyz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"instance on {self.port} never became ready")

    def role(self) -> str:
        return str(httpx.get(self.base + "/readyz", timeout=5).json()["checks"]["scheduler"])

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 60) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        code = self.proc.wait(timeout)
        self.log.close()
        return code


def wait_for(predicate: object, timeout: float, what: str) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def fires(url: str) -> list[tuple[int, object]]:
    dsn = url.replace("postgresql+asyncpg", "postgresql")
    with psycopg.connect(dsn) as conn:
        return list(conn.execute("SELECT task_id, scheduled_for FROM executions ORDER BY scheduled_for").fetchall())


@pytest.mark.slow
def test_one_leader_standby_serves_and_takes_over_after_kill(pg_url: str, tmp_path: Path) -> None:
    a = Instance(pg_url, tmp_path / "a.log")
    a.wait_ready()
    b = Instance(pg_url, tmp_path / "b.log")
    b.wait_ready()
    try:
        wait_for(lambda: {a.role(), b.role()} == {"leader", "standby"}, 15, "one leader and one standby")
        leader, standby = (a, b) if a.role() == "leader" else (b, a)
        # The standby serves the API; the leader hears about the task by polling.
        created = httpx.post(
            standby.base + "/api/tasks",
            json={"name": "tick", "instructions": "x", "schedule": {"kind": "interval", "every_seconds": 1}},
            timeout=10,
        )
        assert created.status_code == 201, created.text
        wait_for(lambda: len(fires(pg_url)) >= 2, 20, "fires from the leader")
        leader.stop(signal.SIGKILL)
        wait_for(lambda: standby.role() == "leader", 20, "the standby to take over")
        before = len(fires(pg_url))
        wait_for(lambda: len(fires(pg_url)) >= before + 2, 20, "fires from the new leader")
    finally:
        codes = [i.stop() for i in (a, b)]
    keys = fires(pg_url)
    assert len(keys) == len(set(keys)), "no fire recorded twice"
    assert sorted(codes) == [-signal.SIGKILL, 0]


@pytest.mark.slow
def test_sigterm_stops_cleanly_and_releases_the_lock(pg_url: str, tmp_path: Path) -> None:
    a = Instance(pg_url, tmp_path / "a.log")
    a.wait_ready()
    wait_for(lambda: a.role() == "leader", 15, "leadership")
    b = Instance(pg_url, tmp_path / "b.log")
    b.wait_ready()
    assert b.role() == "standby"
    assert a.stop(signal.SIGTERM) == 0
    try:
        wait_for(lambda: b.role() == "leader", 15, "the standby to take over")
    finally:
        assert b.stop(signal.SIGTERM) == 0
