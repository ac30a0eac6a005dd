"""Concurrency keys hold across two executors with their own connections, in fire order."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.clock import SystemClock
from app.db.engine import create_engine, create_sessionmaker
from app.db.models import Execution, Task
from app.db.repositories import ExecutionRepository, FireRow
from app.runner.base import RunOutcome, RunRequest, StepSink
from app.scheduler.gate import RunGate
from app.scheduler.writer import RecordWriter
from app.services.concurrency import ControlService
from app.services.inputs import TaskCreate
from app.services.tasks import TaskDeps, TaskService
from app.workers.in_process import InProcessExecutor

LIMIT = 2
RUNS = 10


class CheckingRunner:
    """Each run checks, from the database, the key's limit and that no earlier run still waits."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], worker: str, log: list[Any]) -> None:
        self.sessions = sessions
        self.worker = worker
        self.log = log

    async def run(self, request: RunRequest, *, on_step: StepSink | None = None) -> RunOutcome:
        async with self.sessions() as s:
            running = (
                await s.execute(
                    select(func.count())
                    .select_from(Execution)
                    .join(Task, Task.id == Execution.task_id)
                    .where(Task.concurrency_key == "llm", Execution.status == "running")
                )
            ).scalar_one()
            mine = await s.get(Execution, request.execution_id)
            assert mine is not None and mine.due_at is not None
            earlier_waiting = (
                await s.execute(
                    select(func.count())
                    .select_from(Execution)
                    .where(Execution.status == "queued", Execution.due_at < mine.due_at)
                )
            ).scalar_one()
        self.log.append((self.worker, request.execution_id, running, earlier_waiting))
        await asyncio.sleep(0.05)
        return RunOutcome(status="succeeded", output="ok")


class Worker:
    """An executor with a gate on an engine of its own (another worker process), counting its key claims."""

    def __init__(self, db_url: str, name: str, log: list[Any]) -> None:
        self.engine = create_engine(db_url)
        self.key_claims = 0  # claim UPDATEs that count a key's running runs

        def count(_conn: Any, _cursor: Any, statement: str, *_a: Any) -> None:
            if statement.startswith("UPDATE executions SET status") and "running_of_key" in statement:
                self.key_claims += 1

        event.listen(self.engine.sync_engine, "before_cursor_execute", count)
        sessions = create_sessionmaker(self.engine)
        clock = SystemClock()
        self.writer = RecordWriter(sessions, clock)
        self.gate = RunGate(sessions, clock)
        self.executor = InProcessExecutor(
            sessions,
            CheckingRunner(sessions, name, log),
            self.writer,
            clock,
            spawn=self._spawn,
            gate=self.gate,
        )

        self.background: set[asyncio.Task[Any]] = set()

    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self.background.add(task)
        task.add_done_callback(self.background.discard)

    async def close(self) -> None:
        # Let every run and its after-work (finish writes, notifications) end before the engine goes:
        # a query still in aiosqlite's thread when the loop closes fails the next test's setup.
        while busy := self.executor.busy():
            await asyncio.gather(*busy, return_exceptions=True)
        await asyncio.gather(*self.background, return_exceptions=True)
        await self.writer.close()
        await self.engine.dispose()


async def _queued(db_url: str, runs: int, limit: int) -> list[int]:
    """``runs`` tasks under key ``llm`` (``limit``) with a queued fire each, task i's due i seconds after the first."""
    engine = create_engine(db_url)
    sessions = create_sessionmaker(engine)
    clock = SystemClock()
    now = datetime.now(UTC)
    async with sessions() as s:
        await ControlService(s, clock).put_key("llm", limit)
        service = TaskService(s, TaskDeps(clock=clock))
        ids = []
        for i in range(runs):
            body = TaskCreate(
                name=f"t{i}",
                instructions="x",
                schedule={"kind": "cron", "cron": "0 0 1 1 *", "timezone": "UTC"},
                concurrency_key="llm",
            )
            ids.append((await service.create(body)).id)
        fires = [
            FireRow(
                task_id=tid,
                scheduled_for=now - timedelta(seconds=runs + 60 - i),
                trigger="schedule",
                status="queued",
                due_at=now - timedelta(seconds=runs + 60 - i),
            )
            for i, tid in enumerate(ids)
        ]
        executions = await ExecutionRepository(s).insert_fires(fires, now=now)
        await s.commit()
    await engine.dispose()
    return [e for e, _task_id, _at in executions]


async def _race(workers: list[Worker], executions: list[int], log: list[Any]) -> None:
    """Both workers are offered every run, in reverse order: the claim decides who runs what, when."""
    for w in workers:
        w.writer.start()
    try:
        for execution_id in reversed(executions):
            for w in workers:
                w.executor.submit([execution_id])
        for _ in range(1000):
            await asyncio.sleep(0.02)
            for w in workers:
                w.gate.retry()  # what each worker's poll does: look again at waiting runs
            if len(log) == len(executions) and not any(w.executor.inflight for w in workers):
                break
        for w in workers:
            await asyncio.gather(*w.executor.inflight.values())
    finally:
        for w in workers:
            await w.close()


def _check(log: list[Any], executions: list[int], limit: int, *, both: bool = True) -> None:
    assert len(log) == len(executions), log
    assert sorted(e for _w, e, _r, _q in log) == sorted(executions)  # each ran once
    assert max(running for _w, _e, running, _q in log) <= limit
    assert all(earlier == 0 for _w, _e, _r, earlier in log), log  # none started before an earlier fire
    if both:  # with few runs one worker may claim every free place first: nothing wrong in that
        assert {w for w, _e, _r, _q in log} == {"a", "b"}  # both workers took part


async def test_two_executors_never_exceed_the_key_limit_and_keep_fire_order(db_url: str) -> None:
    executions = await _queued(db_url, RUNS, LIMIT)
    log: list[Any] = []
    workers = [Worker(db_url, "a", log), Worker(db_url, "b", log)]
    await _race(workers, executions, log)
    _check(log, executions, LIMIT, both=False)


async def test_two_gates_racing_over_a_hundred_keyed_runs_fill_the_free_places_together(db_url: str) -> None:
    executions = await _queued(db_url, 100, 10)
    log: list[Any] = []
    workers = [Worker(db_url, "a", log), Worker(db_url, "b", log)]
    await _race(workers, executions, log)
    _check(log, executions, 10)
    assert max(running for _w, _e, running, _q in log) == 10  # the free places were filled, not trickled
    # A key's next runs start together: a claim statement per wave and worker, not one per run.
    claims = sum(w.key_claims for w in workers)
    assert claims <= 40, claims
    engine = create_engine(db_url)
    async with create_sessionmaker(engine)() as s:
        records = list((await s.execute(select(Execution).where(Execution.id.in_(executions)))).scalars())
    await engine.dispose()
    # The wait is on the record: the delay from the due time, and why and how long it waited.
    assert all(r.status == "succeeded" and r.trigger_delay_ms is not None for r in records)
    assert all(r.trigger_delay_ms >= 60_000 for r in records if r.trigger_delay_ms is not None)
    waited = [r for r in records if (r.reason or "").startswith("waited ")]
    assert len(waited) >= 80, [r.reason for r in records]
    assert all("concurrency key 'llm'" in (r.reason or "") for r in waited)
