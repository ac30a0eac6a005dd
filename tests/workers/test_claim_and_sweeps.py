"""The claim race, settling runs of dead workers, and re-deferring runs stranded between commit and defer."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, text, update

from app.db.models import Execution
from app.db.repositories.workers import WorkerRepository
from app.scheduler.writer import RecordWriter
from app.workers.queue import queued_without_job
from app.workers.running import RunProcessor
from app.workers.settle import settle_lost_runs
from tests.support.records import worker_row
from tests.workers.conftest import GatedRunner, Rig

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


async def test_two_workers_racing_for_one_run_run_it_once(records: Rig) -> None:
    task_id = await records.task()
    execution_id = await records.queue(task_id)
    runners = [GatedRunner(), GatedRunner()]
    writers = [RecordWriter(records.sessions, records.clock) for _ in runners]
    processors = [
        RunProcessor(records.sessions, runner, writer, records.clock, worker_id=f"w-race-{i}")
        for i, (runner, writer) in enumerate(zip(runners, writers, strict=True))
    ]
    for writer in writers:
        writer.start()
    try:
        outcomes = await asyncio.gather(*(p.process(execution_id) for p in processors))
    finally:
        for writer in writers:
            await writer.close()
    assert sorted(outcomes) == [False, True]
    assert sum(len(r.runs) for r in runners) == 1
    record = await records.record(execution_id)
    assert record.status == "succeeded" and record.worker_id == f"w-race-{outcomes.index(True)}"


async def test_the_claim_moves_only_queued_runs(records: Rig) -> None:
    task_id = await records.task()
    execution_id = await records.queue(task_id)
    async with records.sessions() as s, s.begin():
        first = await WorkerRepository(s).claim([execution_id], worker_id="w-a", now=NOW)
    async with records.sessions() as s, s.begin():
        second = await WorkerRepository(s).claim([execution_id], worker_id="w-b", now=NOW)
    assert list(first) == [execution_id] and second == {}
    assert first[execution_id].task_id == task_id


async def _worker(rig: Rig, worker_id: str, last_heartbeat: datetime, *, stopped: bool = False) -> None:
    async with rig.sessions() as s, s.begin():
        await WorkerRepository(s).register(worker_row(worker_id, last_heartbeat, stopped=stopped))


async def _running(rig: Rig, task_id: int, worker_id: str | None) -> int:
    execution_id = await rig.queue(task_id, at=NOW - timedelta(minutes=1))
    async with rig.sessions() as s, s.begin():
        await s.execute(
            update(Execution)
            .where(Execution.id == execution_id)
            .values(status="running", worker_id=worker_id, started_at=NOW - timedelta(minutes=1))
        )
    return execution_id


async def test_the_sweep_settles_runs_of_silent_workers_only(records: Rig) -> None:
    await _worker(records, "w-dead", NOW - timedelta(seconds=31))
    await _worker(records, "w-live", NOW - timedelta(seconds=5))
    dead_run = await _running(records, await records.task(name="a"), "w-dead")
    live_run = await _running(records, await records.task(name="b"), "w-live")
    settled = await settle_lost_runs(records.sessions, now=NOW, stale_after=timedelta(seconds=30))
    assert settled.interrupted == [dead_run] and settled.retries == []
    dead, live = await records.record(dead_run), await records.record(live_run)
    assert dead.status == "interrupted" and "w-dead" in (dead.reason or "")
    assert live.status == "running"


async def test_the_sweep_retries_a_lost_run_when_the_task_allows(records: Rig) -> None:
    await _worker(records, "w-gone", NOW - timedelta(seconds=10), stopped=True)
    task_id = await records.task(retry_on_interrupt=True, max_retries=1)
    lost = await _running(records, task_id, "w-gone")
    settled = await settle_lost_runs(records.sessions, now=NOW, stale_after=timedelta(seconds=30))
    (retry_id,) = settled.retries
    retry = await records.record(retry_id)
    assert (retry.status, retry.trigger, retry.attempt, retry.retry_of) == ("queued", "retry", 2, lost)
    # The retry is lost too: its attempts are used up, so it stays interrupted.
    async with records.sessions() as s, s.begin():
        await s.execute(update(Execution).where(Execution.id == retry_id).values(status="running", worker_id="w-gone"))
    again = await settle_lost_runs(records.sessions, now=NOW, stale_after=timedelta(seconds=30))
    assert again.interrupted == [retry_id] and again.retries == []


async def test_the_sweep_redefers_a_fire_recorded_before_a_crash_and_it_runs_once(queue_rig: Rig) -> None:
    rig = queue_rig
    task_id = await rig.task()
    # The record committed, then the process died before deferring: no job carries it.
    execution_id = await rig.queue(task_id)
    async with rig.sessions() as s:
        stranded = await queued_without_job(
            s, created_before=datetime.now(UTC) + timedelta(seconds=1), manual_only=False
        )
    assert stranded == [execution_id]
    assert await rig.executor.recover_queued(manual_only=False) == 1
    await rig.wait_status(execution_id, "succeeded")
    async with rig.sessions() as s:
        assert await queued_without_job(s, created_before=datetime.now(UTC), manual_only=False) == []
        jobs = (await s.execute(text("SELECT count(*) FROM procrastinate_jobs"))).scalar_one()
    assert jobs == 0  # finished jobs are deleted; the record is what stays
    assert rig.runner.runs == [execution_id]
    async with rig.sessions() as s:
        rows = (await s.execute(select(Execution.status).where(Execution.task_id == task_id))).scalars().all()
    assert rows == ["succeeded"]


async def test_jobs_of_runs_lost_with_their_worker_are_failed(queue_rig: Rig) -> None:
    from app.workers.queue import RUN_TASK

    rig = queue_rig
    await rig.stop_worker()  # nobody fetches: the job is taken by hand, as a worker that then died would
    task_id = await rig.task()
    execution_id = await rig.queue(task_id)
    rig.submit([execution_id])
    async with rig.sessions() as s, s.begin():
        for _ in range(100):
            if (await s.execute(text("SELECT count(*) FROM procrastinate_jobs"))).scalar_one():
                break
            await asyncio.sleep(0.05)
        await s.execute(text("UPDATE procrastinate_jobs SET status = 'doing' WHERE task_name = :t"), {"t": RUN_TASK})
        await s.execute(
            update(Execution).where(Execution.id == execution_id).values(status="running", worker_id="w-dead")
        )
    settled = await settle_lost_runs(rig.sessions, now=datetime.now(UTC), stale_after=timedelta(seconds=30))
    assert settled.interrupted == [execution_id]
    await rig.executor.release(settled.interrupted)
    async with rig.sessions() as s:
        statuses = (await s.execute(text("SELECT status::text FROM procrastinate_jobs"))).scalars().all()
    assert statuses == ["failed"]
