"""Batched, retried writes of execution records: the scheduler's only path to the database.

APScheduler 3's SQLAlchemy job store writes once per due job, synchronously, on
the event loop. Here every write is queued and a single flusher applies what has
gathered in one transaction: 10,000 fires due in the same second become about ten
multi-row statements. Writes are idempotent (fires are unique on task + scheduled
time), so a batch that meets a lost connection is simply tried again until the
database is back, and no due fire is lost to a short outage.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.clock import Clock
from app.controls.overlap import first_slot
from app.db.repositories import ExecutionRepository, FireRow, TaskRepository
from app.db.repositories.workers import ClaimedRun, WorkerRepository
from app.scheduler.overlap import resolve_overlaps

log = structlog.get_logger("taskrunner.scheduler.writer")


@dataclass(frozen=True, kw_only=True)
class Fire:
    """A due fire to record, and where the task's schedule moves to afterwards."""

    task_id: int
    scheduled_for: datetime
    trigger: str = "schedule"
    status: str = "queued"  # queued to run, or missed/failed when not run
    reason: str | None = None
    next_run_at: datetime | None = None
    advance: bool = True  # move the task's next_run_at/last_fire_at/state
    revision: int | None = None  # only advance the task if it is still at this revision
    complete: bool = False  # a one-time task: now completed
    due_at: datetime | None = None  # controls: scheduled_for plus jitter (None: scheduled_for)
    overlap_policy: str = "skip"  # controls: what to do when a run of the task is still active


@dataclass(frozen=True, kw_only=True)
class Recorded:
    """The outcome of recording one fire."""

    fire: Fire
    execution_id: int | None  # None: nothing new was recorded (a duplicate)
    status: str
    cancelled: tuple[int, ...] = ()  # runs this fire cancelled (overlap policy cancel_other)


@dataclass
class _Op:
    kind: str  # fire | claim | update | finish | step
    payload: Any
    future: asyncio.Future[Any]


class RecordWriter:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        clock: Clock,
        *,
        max_batch: int = 1000,
        retry_delay: float = 0.5,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._clock = clock
        self._max_batch = max_batch
        self._retry_delay = retry_delay
        self._pending: list[_Op] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self._in_flush = 0

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="record-writer")

    async def close(self) -> None:
        """Flush what is queued, then stop."""
        self._closing = True
        self._wake.set()
        if self._task is not None:
            await self._task

    # -- producers -----------------------------------------------------------------------------
    def fire(self, fire: Fire) -> asyncio.Future[Recorded]:
        return self._submit("fire", fire)

    def claim(self, execution_id: int, worker_id: str) -> asyncio.Future[ClaimedRun | None]:
        """Claim a queued run for ``worker_id`` (see :meth:`WorkerRepository.claim`); None: not claimed."""
        return self._submit("claim", (execution_id, worker_id))

    def update(self, execution_id: int, **values: Any) -> asyncio.Future[None]:
        return self._submit("update", {"id": execution_id, **values})

    def finish(self, execution_id: int, **values: Any) -> asyncio.Future[None]:
        """Like :meth:`update`, but only while the record is still ``running``."""
        return self._submit("finish", {"id": execution_id, **values})

    def step(self, row: dict[str, Any]) -> asyncio.Future[None]:
        return self._submit("step", row)

    @property
    def backlog(self) -> int:
        """Writes queued or being flushed."""
        return len(self._pending) + self._in_flush

    def _submit(self, kind: str, payload: Any) -> asyncio.Future[Any]:
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending.append(_Op(kind, payload, future))
        self._wake.set()
        return future

    # -- the flusher ---------------------------------------------------------------------------
    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            # One turn of the loop lets fires submitted in the same tick join this batch.
            await asyncio.sleep(0)
            while self._pending:
                batch, self._pending = self._pending[: self._max_batch], self._pending[self._max_batch :]
                self._in_flush = len(batch)
                try:
                    await self._flush_with_retry(batch)
                finally:
                    self._in_flush = 0
            if self._closing:
                return

    async def _flush_with_retry(self, batch: list[_Op]) -> None:
        delay = self._retry_delay
        while True:
            try:
                results = await self._flush(batch)
            except IntegrityError:
                # One bad op (say a step of a task deleted meanwhile) must not sink the rest.
                for op in batch:
                    await self._flush_one(op)
                return
            except (OperationalError, DBAPIError, OSError) as exc:
                log.warning("writer.retry", error=str(exc).splitlines()[0], batch=len(batch), delay=delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
                continue
            for op, result in zip(batch, results, strict=True):
                if not op.future.done():
                    op.future.set_result(result)
            return

    async def _flush_one(self, op: _Op) -> None:
        try:
            (result,) = await self._flush([op])
        except IntegrityError as exc:
            log.warning("writer.op_rejected", kind=op.kind, error=str(exc).splitlines()[0])
            if not op.future.done():
                op.future.set_exception(exc)
            return
        if not op.future.done():
            op.future.set_result(result)

    async def _flush(self, batch: list[_Op]) -> list[Any]:
        now = self._clock.now()
        results: dict[int, Any] = {}
        async with self._sessionmaker() as session, session.begin():
            executions = ExecutionRepository(session)
            fires = [(i, op.payload) for i, op in enumerate(batch) if op.kind == "fire"]
            if fires:
                results.update(await _record_fires(session, executions, fires, now))
            claims = [(i, op.payload) for i, op in enumerate(batch) if op.kind == "claim"]
            if claims:
                results.update(await _claim(session, claims, now))
            updates = [op.payload for op in batch if op.kind == "update"]
            if updates:
                await executions.update_many(updates)
            finishes = [op.payload for op in batch if op.kind == "finish"]
            if finishes:
                await executions.update_many(finishes, only_status="running")
            steps = [op.payload for op in batch if op.kind == "step"]
            if steps:
                await executions.add_steps(steps)
        return [results.get(i) for i in range(len(batch))]


async def _claim(session: AsyncSession, claims: list[tuple[int, tuple[int, str]]], now: datetime) -> dict[int, Any]:
    by_worker: dict[str, list[int]] = defaultdict(list)
    for _, (execution_id, worker_id) in claims:
        by_worker[worker_id].append(execution_id)
    claimed: dict[int, ClaimedRun] = {}
    for worker_id, ids in by_worker.items():
        claimed.update(await WorkerRepository(session).claim(ids, worker_id=worker_id, now=now))
    # A run delivered twice in one batch is claimed once: only its first op gets the claim.
    out: dict[int, Any] = {}
    for i, (execution_id, _worker) in claims:
        out[i] = claimed.pop(execution_id, None)
    return out


async def _record_fires(
    session: AsyncSession, executions: ExecutionRepository, fires: list[tuple[int, Fire]], now: datetime
) -> dict[int, Recorded]:
    out: dict[int, Recorded] = {}
    rows = [
        FireRow(
            task_id=f.task_id,
            scheduled_for=f.scheduled_for,
            trigger=f.trigger,
            status=f.status,
            reason=f.reason,
            slot=first_slot(f.overlap_policy),
            due_at=f.due_at,
        )
        for _, f in fires
    ]
    inserted = {(t, s): i for i, t, s in await executions.insert_fires(rows, now=now)}
    missing = [(f.task_id, f.scheduled_for) for _, f in fires if (f.task_id, f.scheduled_for) not in inserted]
    duplicates = await executions.existing_keys(missing) if missing else set()
    # What is neither inserted nor already recorded met a queued-or-running row: an overlap,
    # settled by the task's overlap policy (app.scheduler.overlap).
    overlaps = [
        f
        for _, f in fires
        if (f.task_id, f.scheduled_for) not in inserted and ((f.task_id, f.scheduled_for) not in duplicates)
    ]
    settled = await resolve_overlaps(session, overlaps, now=now) if overlaps else {}
    for i, f in fires:
        key = (f.task_id, f.scheduled_for)
        if key in settled:
            execution_id, status, cancelled = settled[key]
            out[i] = Recorded(fire=f, execution_id=execution_id, status=status, cancelled=cancelled)
            continue
        execution_id = inserted.get(key)
        out[i] = Recorded(fire=f, execution_id=execution_id, status=f.status if execution_id else "duplicate")

    progress: dict[int, dict[str, Any]] = defaultdict(dict)
    for _, f in sorted(fires, key=lambda item: item[1].scheduled_for):
        if f.advance:
            progress[f.task_id] = {
                "task_id": f.task_id,
                "next_run_at": f.next_run_at,
                "last_fire_at": f.scheduled_for,
                "state": "completed" if f.complete else "active",
                "revision": f.revision,
            }
    await TaskRepository(session).set_fire_progress(list(progress.values()))
    return out
