"""Concurrency keys hold across two executors with their own connections, in fire order."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
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
    def __init__(self, db_url: str, name: str, log: list[Any]) -> None:
        self.engine = create_engine(db_url)
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


async def test_two_executors_never_exceed_the_key_limit_and_keep_fire_order(db_url: str) -> None:
    engine = create_engine(db_url)
    sessions = create_sessionmaker(engine)
    clock = SystemClock()
    now = datetime.now(UTC)
    async with sessions() as s:
        await ControlService(s, clock).put_key("llm", LIMIT)
        service = TaskService(s, TaskDeps(clock=clock))
        ids = []
        for i in range(RUNS):
            body = TaskCreate(
                name=f"t{i}",
                instructions="x",
                schedule={"kind": "cron", "cron": "0 0 1 1 *", "timezone": "UTC"},
                concurrency_key="llm",
            )
            ids.append((await service.create(body)).id)
        # Fire order: task i's fire is due i seconds after the first one.
        fires = [
            FireRow(
                task_id=tid,
                scheduled_for=now - timedelta(seconds=60 - i),
                trigger="schedule",
                status="queued",
                due_at=now - timedelta(seconds=60 - i),
            )
            for i, tid in enumerate(ids)
        ]
        executions = await ExecutionRepository(s).insert_fires(fires, now=now)
        await s.commit()
    await engine.dispose()

    log: list[Any] = []
    workers = [Worker(db_url, "a", log), Worker(db_url, "b", log)]
    for w in workers:
        w.writer.start()
    try:
        # Both workers are offered every run, in reverse order: the claim decides who runs what, when.
        for execution_id, _task_id, _scheduled_for in reversed(executions):
            for w in workers:
                w.executor.submit([execution_id])
        for _ in range(500):
            await asyncio.sleep(0.02)
            for w in workers:
                w.gate.retry()  # what each worker's poll does: look again at waiting runs
            if len(log) == RUNS and not any(w.executor.inflight for w in workers):
                break
        for w in workers:
            await asyncio.gather(*w.executor.inflight.values())
    finally:
        for w in workers:
            await w.close()

    assert len(log) == RUNS, log
    assert sorted(e for _w, e, _r, _q in log) == sorted(e for e, _t, _s in executions)  # each ran once
    assert max(running for _w, _e, running, _q in log) <= LIMIT
    assert all(earlier == 0 for _w, _e, _r, earlier in log), log  # none started before an earlier fire
    assert {w for w, _e, _r, _q in log} == {"a", "b"} or RUNS < 2  # both workers took part
