"""Two real `taskrunner serve` processes on one PostgreSQL database: one leads, both serve."""

from __future__ import annotations

import signal
from pathlib import Path

import httpx
import psycopg
import pytest

from tests.support.processes import Instance, leader_and_standby, wait_for


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
        leader, standby = leader_and_standby(a, b)
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
