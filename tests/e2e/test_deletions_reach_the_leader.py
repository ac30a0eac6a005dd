"""Two `taskrunner serve` instances on one database: a task deleted through the standby stops firing
on the leader, and a task created afterwards never takes the deleted one's id (nor its schedule)."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from app.db.engine import sync_url
from tests.support.processes import Instance, leader_and_standby, wait_for


def executions_of(url: str, task_id: int) -> int:
    engine = create_engine(sync_url(url))
    try:
        with engine.connect() as conn:
            return int(
                conn.execute(text("SELECT count(*) FROM executions WHERE task_id = :t"), {"t": task_id}).scalar_one()
            )
    finally:
        engine.dispose()


def rejected_fires(log: Path) -> int:
    return log.read_text().count("writer.op_rejected")


@pytest.mark.slow
def test_deletion_through_the_standby_reaches_the_leader(fresh_url: str, tmp_path: Path) -> None:
    a = Instance(fresh_url, tmp_path / "a.log")
    a.wait_ready()
    b = Instance(fresh_url, tmp_path / "b.log")
    b.wait_ready()
    try:
        leader, standby = leader_and_standby(a, b)
        leader_log = leader.log_path
        with httpx.Client(base_url=standby.base, timeout=10) as api:
            every_second = {"kind": "interval", "every_seconds": 1}
            old = api.post("/api/tasks", json={"name": "old", "instructions": "x", "schedule": every_second})
            assert old.status_code == 201, old.text
            old_id = old.json()["id"]
            wait_for(lambda: executions_of(fresh_url, old_id) >= 2, 20, "the leader to fire the task")

            assert api.delete(f"/api/tasks/{old_id}").status_code == 204
            yearly = {"kind": "cron", "cron": "0 0 1 1 *", "timezone": "UTC"}
            new = api.post("/api/tasks", json={"name": "new", "instructions": "x", "schedule": yearly})
            assert new.status_code == 201, new.text
            new_id = new.json()["id"]
            assert new_id != old_id, "a deleted task's id was given to a new task"

            time.sleep(5)  # more than two poll rounds of the leader
            settled = rejected_fires(leader_log)
            time.sleep(3)
            assert rejected_fires(leader_log) == settled, "the leader still fires the deleted task"
            assert executions_of(fresh_url, new_id) == 0, "the deleted task's schedule fired for the new task"
    finally:
        for instance in (a, b):
            instance.stop()
