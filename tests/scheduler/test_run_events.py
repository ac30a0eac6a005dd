"""The scheduler says when a run's final record is stored; a deletion made elsewhere stops its fires."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.db.models import Execution
from app.db.repositories import TaskRepository
from tests.scheduler.conftest import START, Harness


async def test_run_finished_is_told_after_the_final_record_is_stored(harness: Harness) -> None:
    told: list[tuple[int, int, str]] = []

    def on_run_finished(execution_id: int, task_id: int, status: str) -> None:
        told.append((execution_id, task_id, status))

    await harness.start(on_run_finished=on_run_finished)
    task_id = await harness.create(schedule={"kind": "interval", "every_seconds": 60})
    await harness.move_to(START + timedelta(seconds=60))
    async with harness.sessions() as s:
        (run,) = (await s.execute(select(Execution))).scalars().all()
    assert run.status == "succeeded"
    assert told == [(run.id, task_id, "succeeded")]


async def test_a_task_deleted_by_another_process_stops_firing_at_the_next_poll(harness: Harness) -> None:
    core = await harness.start()
    task_id = await harness.create(schedule={"kind": "interval", "every_seconds": 60})
    # Another instance deletes it: its tombstone is all this leader can see.
    async with harness.sessions() as s:
        repo = TaskRepository(s)
        task = await repo.get(task_id)
        assert task is not None
        await repo.delete(task, now=START)
        await s.commit()
    await core._poll_once()
    await core.drain()
    harness.traveller.move_to(START + timedelta(minutes=5))
    assert not core.has_due(), "the leader still holds the deleted task's job"
