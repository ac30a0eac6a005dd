"""The in-process executor: the scheduler leader runs runs in its own event loop.

Used on SQLite and in the one-process default. Runs start as their fires are
recorded, under a concurrency limit; the executor registers as an ``in-process``
worker with a heartbeat like any other, so records name who ran them and the
same sweeps apply.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterable, Sequence
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.clock import Clock
from app.db.repositories.workers import WorkerRepository
from app.notify import Notifier
from app.runner.base import Runner
from app.runner.conditions import ConditionChecker
from app.runner.kinds import KindRunners
from app.scheduler.dependencies import DependencyQueue
from app.scheduler.gate import RunGate
from app.scheduler.writer import RecordWriter
from app.vocabulary import ON_DEMAND_TRIGGERS
from app.workers.base import RunFinishedHook, WorkerTiming, new_worker_id
from app.workers.heartbeat import Heartbeat
from app.workers.running import RunProcessor
from app.workers.settle import settle_runs

log = structlog.get_logger("taskrunner.workers")

INTERRUPTED_REASON = "the service stopped while this run was in progress"


class InProcessExecutor:
    exclusive = True

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        runner: Runner,
        writer: RecordWriter,
        clock: Clock,
        *,
        spawn: Callable[[Coroutine[Any, Any, Any]], None] | None = None,
        default_model: str | None = None,
        max_concurrent_runs: int = 200,
        notifier: Notifier | None = None,
        timing: WorkerTiming | None = None,
        on_finished: RunFinishedHook | None = None,
        gate: RunGate | None = None,
        conditions: ConditionChecker | None = None,
        dependencies: DependencyQueue | None = None,
        kinds: KindRunners | None = None,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._clock = clock
        self._timing = timing or WorkerTiming()
        self.worker_id: str | None = new_worker_id("in-process")
        self.processor = RunProcessor(
            sessionmaker,
            runner,
            writer,
            clock,
            worker_id=self.worker_id,
            default_model=default_model,
            notifier=notifier,
            spawn=spawn,
            on_finished=on_finished,
            gate=gate,
            conditions=conditions,
            dependencies=dependencies,
            on_dependents=self.submit,
            kinds=kinds,
        )
        self._gate = gate
        if gate is not None:
            gate.bind(self._offer_again)
        self._slots = asyncio.Semaphore(max_concurrent_runs)
        self._heartbeat = Heartbeat(
            sessionmaker,
            clock,
            worker_id=self.worker_id,
            kind="in-process",
            concurrency=max_concurrent_runs,
            interval=self._timing.heartbeat_seconds,
            on_cancel=self.processor.cancel_many,
            held=self.processor.held,
            on_closed=self.processor.supersede,
        )
        self.inflight: dict[int, asyncio.Task[None]] = {}

    async def start(self) -> None:
        await self._heartbeat.start()

    def submit(self, execution_ids: Sequence[int]) -> None:
        for execution_id in execution_ids:
            if execution_id in self.inflight:
                continue
            task = asyncio.create_task(self._run(execution_id), name=f"run-{execution_id}")
            self.inflight[execution_id] = task
            task.add_done_callback(self._forget(execution_id))

    def _forget(self, execution_id: int) -> Callable[[asyncio.Task[None]], None]:
        def done(_task: asyncio.Task[None]) -> None:
            self.inflight.pop(execution_id, None)

        return done

    async def recover_queued(self, *, manual_only: bool) -> int:
        async with self._sessionmaker() as session:
            queued = await WorkerRepository(session).queued_ids(trigger=ON_DEMAND_TRIGGERS if manual_only else None)
        # Runs the gate keeps waiting are carried: it offers them again itself, a few per pass
        # (handing them all over on every poll would cost a claim per waiting run each time).
        parked = self._gate.parked if self._gate is not None else {}
        fresh = [i for i in queued if i not in self.inflight and i not in parked]
        self.submit(fresh)
        return len(fresh)

    def cancel(self, execution_id: int) -> bool:
        return self.processor.cancel(execution_id)

    def supersede(self, execution_ids: Iterable[int]) -> None:
        self.processor.supersede(execution_ids)

    def _offer_again(self, execution_id: int, _task_id: int, _scheduled_for: datetime, _trigger: str) -> None:
        """Controls: a parked run may start now (a slot freed, its due time came)."""
        self.submit([execution_id])

    async def release(self, execution_ids: Sequence[int]) -> None:
        return None  # nothing outside the records

    def busy(self) -> list[asyncio.Task[Any]]:
        return [*self.inflight.values(), *self.processor.background]

    async def stop(self, grace_seconds: float) -> None:
        running = list(self.inflight.values())
        if running:
            _done, pending = await asyncio.wait(running, timeout=grace_seconds)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        cut_off = sorted(self.processor.interrupted)
        self.processor.interrupted.clear()
        if cut_off:
            await settle_runs(self._sessionmaker, cut_off, reason=INTERRUPTED_REASON, now=self._clock.now())
        await self._heartbeat.stop()

    async def _run(self, execution_id: int) -> None:
        async with self._slots:
            await self.processor.process(execution_id)
