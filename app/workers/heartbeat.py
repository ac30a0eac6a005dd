"""A worker's presence: its row in ``workers``, a heartbeat, and cancel requests for its runs.

Every few seconds the worker stamps ``last_heartbeat`` and looks for runs it holds
that someone asked to cancel (a fallback for cancels whose direct signal it missed,
e.g. from another process on SQLite), and for runs it still runs whose record someone
else already closed (a newer fire under ``cancel_other``, a sweep that took the worker
for dead): those are stopped without writing over the record. A clean stop stamps
``stopped_at``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
from collections.abc import Callable, Collection

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.clock import Clock
from app.db.repositories.workers import WorkerRepository
from app.db.worker_models import Worker

log = structlog.get_logger("taskrunner.workers")


class Heartbeat:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        clock: Clock,
        *,
        worker_id: str,
        kind: str,
        concurrency: int,
        interval: float,
        on_cancel: Callable[[list[int]], None],
        held: Callable[[], Collection[int]] | None = None,
        on_closed: Callable[[list[int]], None] | None = None,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._clock = clock
        self.worker_id = worker_id
        self._kind = kind
        self._concurrency = concurrency
        self._interval = interval
        self._on_cancel = on_cancel
        self._held = held
        self._on_closed = on_closed
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        now = self._clock.now()
        async with self._sessionmaker() as session, session.begin():
            await WorkerRepository(session).register(
                Worker(
                    id=self.worker_id,
                    kind=self._kind,
                    hostname=socket.gethostname()[:255],
                    pid=os.getpid(),
                    concurrency=self._concurrency,
                    started_at=now,
                    last_heartbeat=now,
                )
            )
        self._task = asyncio.create_task(self._loop(), name=f"heartbeat-{self.worker_id}")
        log.info("worker.registered", worker_id=self.worker_id, kind=self._kind, concurrency=self._concurrency)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        try:
            async with self._sessionmaker() as session, session.begin():
                await WorkerRepository(session).mark_stopped([self.worker_id], now=self._clock.now())
        except Exception as exc:  # the database is gone: the heartbeat goes stale instead
            log.warning("worker.stop_unrecorded", worker_id=self.worker_id, error=str(exc).splitlines()[0])
        log.info("worker.stopped", worker_id=self.worker_id)

    async def beat(self) -> None:
        """Stamp the heartbeat once; pass on cancel requests, and runs closed elsewhere, of runs held here."""
        held = list(self._held()) if self._held is not None else []
        closed: list[int] = []
        async with self._sessionmaker() as session, session.begin():
            repo = WorkerRepository(session)
            await repo.beat(self.worker_id, now=self._clock.now())
            wanted = await repo.cancel_requested(self.worker_id)
            if held:
                closed = await repo.not_running(held)
        if wanted:
            self._on_cancel(wanted)
        if closed and self._on_closed is not None:
            self._on_closed(closed)

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            try:
                await self.beat()
            except Exception as exc:  # a short outage must not end the worker; the beat resumes
                log.warning("worker.heartbeat_failed", worker_id=self.worker_id, error=str(exc).splitlines()[0])
