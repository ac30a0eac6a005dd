"""Two `taskrunner serve` instances on one database: a task deleted through the standby stops firing
on the leader, and a task created afterwards never takes the deleted one's id (nor its schedule)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from app.db.engine import sync_url
from tests.e2e.test_leadership import Instance, wait_for
from tests.support import database


@pytest.fixture(params=database.selected_backends())
def shared_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "postgresql":
        url = database.create_postgres_database()
        yield url
        database.drop_postgres_database(url)
    else:
        yield database.create_sqlite_database(tmp_path)


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
def test_deletion_through_the_standby_reaches_the_leader(shared_url: str, tmp_path: Path) -> None:
    a = Instance(shared_url, tmp_path / "a.log")
    a.wait_ready()
    b = Instance(shared_url, tmp_path / "b.log")
    b.wait_ready()
    try:
        wait_for(lambda: {a.role(), b.role()} == {"leader", "standby"}, 15, "one leader and one standby")
        leader, standby = (a, b) if a.role() == "leader" else (b, a)
        leader_log = tmp_path / ("a.log" if leader is a else "b.log")
        with httpx.Client(base_url=standby.base, timeout=10) as api:
            every_second = {"kind": "interval", "every_seconds": 1}
            old = api.post("/api/tasks", json={"name": "old", "instructions": "x", "schedule": every_second})
            assert old.status_code == 201, old.text
            old_id = old.json()["id"]
            wait_for(lambda: executions_of(shared_url, old_id) >= 2, 20, "the leader to fire the task")

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
            assert executions_of(shared_url, new_id) == 0, "the deleted task's schedule fired for the new task"
    finally:
        for instance in (a, b):
            instance.stop()
