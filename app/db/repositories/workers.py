"""Queries over workers, the runs they hold, and the runs they lost."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Table, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Execution, Task
from app.db.worker_models import Worker

_EXEC = cast(Table, Execution.__table__)
_WORKERS = cast(Table, Worker.__table__)


@dataclass(frozen=True, kw_only=True)
class ClaimedRun:
    """A run a worker has just moved from ``queued`` to ``running``."""

    execution_id: int
    task_id: int
    scheduled_for: datetime
    trigger: str
    attempt: int


@dataclass(frozen=True, kw_only=True)
class LostRun:
    """A ``running`` run whose worker is gone, with what its task allows."""

    execution_id: int
    task_id: int
    worker_id: str | None
    attempt: int
    first_attempt: int  # the first attempt's record (itself when this is the first)
    retry_on_interrupt: bool
    max_retries: int
    task_state: str


class WorkerRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # -- worker rows ----------------------------------------------------------------------------
    async def register(self, worker: Worker) -> None:
        self.session.add(worker)
        await self.session.flush()

    async def beat(self, worker_id: str, *, now: datetime) -> None:
        await self.session.execute(
            update(_WORKERS).where(_WORKERS.c.id == worker_id).values(last_heartbeat=now, stopped_at=None)
        )

    async def mark_stopped(self, worker_ids: Sequence[str], *, now: datetime) -> None:
        if worker_ids:
            await self.session.execute(
                update(_WORKERS)
                .where(_WORKERS.c.id.in_(worker_ids), _WORKERS.c.stopped_at.is_(None))
                .values(stopped_at=now)
            )

    async def others_of_kind(self, kind: str, *, except_id: str) -> list[str]:
        stmt = select(_WORKERS.c.id).where(
            _WORKERS.c.kind == kind, _WORKERS.c.id != except_id, _WORKERS.c.stopped_at.is_(None)
        )
        return [str(r[0]) for r in (await self.session.execute(stmt)).all()]

    async def alive(self, *, since: datetime) -> Sequence[Worker]:
        """Workers not stopped whose last heartbeat is at or after ``since``."""
        stmt = (
            select(Worker)
            .where(Worker.stopped_at.is_(None), Worker.last_heartbeat >= since)
            .order_by(Worker.started_at)
        )
        return list((await self.session.execute(stmt)).scalars())

    async def recent(self, *, since: datetime, limit: int = 500) -> Sequence[Worker]:
        """Workers seen (heartbeat or stop) at or after ``since``, newest first."""
        stmt = (
            select(Worker)
            .where(or_(Worker.last_heartbeat >= since, Worker.stopped_at >= since))
            .order_by(Worker.last_heartbeat.desc())
            .limit(limit)
        )
        return list((await self.session.execute(stmt)).scalars())

    async def prune(self, *, before: datetime) -> int:
        """Forget workers last seen before ``before`` (their runs were settled long ago)."""
        result = await self.session.execute(_WORKERS.delete().where(_WORKERS.c.last_heartbeat < before))
        return int(getattr(result, "rowcount", 0) or 0)

    # -- runs held by workers -------------------------------------------------------------------
    async def running_by_worker(self, worker_ids: Sequence[str]) -> dict[str, list[int]]:
        if not worker_ids:
            return {}
        stmt = select(_EXEC.c.worker_id, _EXEC.c.id).where(
            _EXEC.c.status == "running", _EXEC.c.worker_id.in_(worker_ids)
        )
        out: dict[str, list[int]] = {w: [] for w in worker_ids}
        for worker_id, execution_id in (await self.session.execute(stmt.order_by(_EXEC.c.id))).all():
            out[str(worker_id)].append(int(execution_id))
        return out

    async def cancel_requested(self, worker_id: str) -> list[int]:
        """This worker's running runs that someone asked to cancel."""
        stmt = select(_EXEC.c.id).where(
            _EXEC.c.status == "running", _EXEC.c.worker_id == worker_id, _EXEC.c.cancel_requested_at.is_not(None)
        )
        return [int(r[0]) for r in (await self.session.execute(stmt)).all()]

    async def not_running(self, execution_ids: Sequence[int]) -> list[int]:
        """Those of ``execution_ids`` whose record is no longer ``running`` (closed elsewhere, or gone)."""
        if not execution_ids:
            return []
        stmt = select(_EXEC.c.id).where(_EXEC.c.id.in_(list(execution_ids)), _EXEC.c.status == "running")
        still = {int(r[0]) for r in (await self.session.execute(stmt)).all()}
        return [i for i in execution_ids if i not in still]

    async def lost_runs(self, *, stale_before: datetime, dead_ids: Sequence[str] = ()) -> list[LostRun]:
        """Running runs held by no live worker: no worker, a stopped one, or a silent one."""
        live = select(_WORKERS.c.id).where(_WORKERS.c.stopped_at.is_(None), _WORKERS.c.last_heartbeat >= stale_before)
        if dead_ids:
            live = live.where(_WORKERS.c.id.not_in(dead_ids))
        stmt = _running_with_task().where(or_(_EXEC.c.worker_id.is_(None), _EXEC.c.worker_id.not_in(live)))
        return [_lost(r) for r in (await self.session.execute(stmt.order_by(_EXEC.c.id))).all()]

    async def queued_runs(self, execution_ids: Sequence[int]) -> dict[int, ClaimedRun]:
        """Those of ``execution_ids`` still ``queued``, with what a claim needs to know of them."""
        stmt = select(*_CLAIMED).where(_EXEC.c.id.in_(list(execution_ids)), _EXEC.c.status == "queued")
        return {int(r[0]): _claimed(r) for r in (await self.session.execute(stmt)).all()}

    async def claim(self, execution_ids: Sequence[int], *, worker_id: str, now: datetime) -> dict[int, ClaimedRun]:
        """Claim these queued runs for ``worker_id``; returns the ones this call moved to ``running``.

        The claim without the controls (tests, benchmarks' baseline): one conditional UPDATE, so a run
        delivered twice runs once. With the controls the gate claims through
        :meth:`app.db.repositories.controls.ControlRepository.claim`, whose UPDATE adds the overlap
        policy and concurrency-key conditions.
        """
        if not execution_ids:
            return {}
        stmt = (
            update(_EXEC)
            .where(_EXEC.c.id.in_(list(execution_ids)), _EXEC.c.status == "queued")
            .values(status="running", started_at=now, worker_id=worker_id)
            .returning(*_CLAIMED)
        )
        return {int(r[0]): _claimed(r) for r in (await self.session.execute(stmt)).all()}

    async def runs_of(self, execution_ids: Sequence[int]) -> list[LostRun]:
        """The given runs if they are still ``running``."""
        if not execution_ids:
            return []
        stmt = _running_with_task().where(_EXEC.c.id.in_(execution_ids))
        return [_lost(r) for r in (await self.session.execute(stmt)).all()]

    async def interrupt(self, execution_id: int, *, reason: str, now: datetime) -> bool:
        """``running`` -> ``interrupted``; False if the run had already ended (its worker finished it)."""
        result = await self.session.execute(
            update(_EXEC)
            .where(_EXEC.c.id == execution_id, _EXEC.c.status == "running")
            .values(status="interrupted", reason=reason, finished_at=now)
        )
        return bool(getattr(result, "rowcount", 0))

    async def interrupt_reason(self, execution_id: int, *, reason: str) -> None:
        await self.session.execute(update(_EXEC).where(_EXEC.c.id == execution_id).values(reason=reason))

    async def add_retry(self, run: LostRun, *, now: datetime) -> int | None:
        """Queue the next attempt of a lost run; None if the task already has an active run."""
        values: dict[str, Any] = {
            "task_id": run.task_id,
            "trigger": "retry",
            "status": "queued",
            "reason": f"attempt {run.attempt + 1}: attempt {run.attempt} was lost with its worker",
            "scheduled_for": now,
            "attempt": run.attempt + 1,
            "retry_of": run.first_attempt,
            "created_at": now,
        }
        async with self.session.begin_nested():
            try:
                result = await self.session.execute(insert(_EXEC).values(**values).returning(_EXEC.c.id))
            except Exception as exc:  # the unique indexes: another active run, or a fire at this instant
                if "unique" not in str(exc).lower():
                    raise
                return None
        return int(result.scalar_one())

    # -- queue overview -------------------------------------------------------------------------
    async def queue_overview(self) -> tuple[int, int, datetime | None]:
        """(queued, running, oldest queued creation time)."""
        stmt = select(
            func.count().filter(_EXEC.c.status == "queued"),
            func.count().filter(_EXEC.c.status == "running"),
            func.min(_EXEC.c.created_at).filter(_EXEC.c.status == "queued"),
        ).where(_EXEC.c.status.in_(("queued", "running")))
        queued, running, oldest = (await self.session.execute(stmt)).one()
        if isinstance(oldest, str):  # SQLite: min() over the stored text loses the column type
            oldest = datetime.fromisoformat(oldest).replace(tzinfo=UTC)
        elif oldest is not None and oldest.tzinfo is None:
            oldest = oldest.replace(tzinfo=UTC)
        return int(queued or 0), int(running or 0), oldest

    async def queued_ids(self, *, trigger: Sequence[str] | None = None) -> list[int]:
        """Queued executions, oldest first (at most 10,000); ``trigger`` narrows to those triggers."""
        stmt = select(_EXEC.c.id).where(_EXEC.c.status == "queued")
        if trigger is not None:
            stmt = stmt.where(_EXEC.c.trigger.in_([str(t) for t in trigger]))
        return [int(r[0]) for r in (await self.session.execute(stmt.order_by(_EXEC.c.id).limit(10_000))).all()]


_CLAIMED = (_EXEC.c.id, _EXEC.c.task_id, _EXEC.c.scheduled_for, _EXEC.c.trigger, _EXEC.c.attempt)


def _claimed(row: Any) -> ClaimedRun:
    return ClaimedRun(
        execution_id=int(row[0]),
        task_id=int(row[1]),
        scheduled_for=row[2],
        trigger=str(row[3]),
        attempt=int(row[4] or 1),
    )


def _running_with_task() -> Any:
    """``running`` records with what settling them needs of their task (the columns :func:`_lost` reads)."""
    return (
        select(
            _EXEC.c.id,
            _EXEC.c.task_id,
            _EXEC.c.worker_id,
            _EXEC.c.attempt,
            _EXEC.c.retry_of,
            Task.retry_on_interrupt,
            Task.max_retries,
            Task.state,
        )
        .join(Task, Task.id == _EXEC.c.task_id)
        .where(_EXEC.c.status == "running")
    )


def _lost(row: Any) -> LostRun:
    return LostRun(
        execution_id=int(row[0]),
        task_id=int(row[1]),
        worker_id=row[2],
        attempt=int(row[3] or 1),
        first_attempt=int(row[4] or row[0]),
        retry_on_interrupt=bool(row[5]),
        max_retries=int(row[6] or 0),
        task_state=str(row[7]),
    )
