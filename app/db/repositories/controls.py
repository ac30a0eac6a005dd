"""Queries behind the controls: claiming a queued run, spend, pauses, keys and prices.

The claim is the cross-process rule: a queued execution becomes ``running`` only
through :meth:`ControlRepository.claim`, one conditional UPDATE whose conditions
count what already runs (per task for the overlap policy, per concurrency key for
its limit) and keep fire order within a key. On PostgreSQL the task row and the
key row are locked first (``FOR UPDATE``) so concurrent claimers of one task or
one key take turns; SQLite has a single writer, which serialises the UPDATE.
:meth:`ControlRepository.key_head` and :meth:`ControlRepository.claim_keyed` do the
same for the next free places of a key at once, under the key's lock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, cast

from sqlalchemy import Table, and_, case, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from app.db.models import ConcurrencyKey, Execution, ModelPrice, Task
from app.db.types import UTCDateTime
from app.vocabulary import RUNS_WHEN_PAUSED

_E = cast(Table, Execution.__table__)
_T = cast(Table, Task.__table__)


@dataclass(frozen=True, kw_only=True)
class ClaimTarget:
    """What the claim needs to know of a queued execution and its task."""

    execution_id: int
    task_id: int
    status: str
    trigger: str
    scheduled_for: datetime
    due_at: datetime
    overlap_policy: str
    concurrency_key: str | None


@dataclass(frozen=True, kw_only=True)
class ClaimResult:
    """``claimed``: now running; ``wait``: stays queued (``reason``); ``gone``: no longer queued."""

    state: Literal["claimed", "wait", "gone"]
    reason: str | None = None


@dataclass(frozen=True, kw_only=True)
class KeyHead:
    """A concurrency key read under its lock: its limit, how many of its runs run, and the queued runs
    next in line for its free places (fire order, at most ``limit - running``)."""

    limit: int
    running: int
    head: list[ClaimTarget]


@dataclass(frozen=True, kw_only=True)
class KeyedClaim:
    """One run of a key to start: its trigger delay, the note on its wait (if it waited) and its worker."""

    target: ClaimTarget
    delay_ms: int
    waited_reason: str | None = None
    worker_id: str | None = None


class ControlRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @property
    def _postgres(self) -> bool:
        return self.session.get_bind().dialect.name == "postgresql"

    # -- claiming --------------------------------------------------------------------------------
    async def target(self, execution_id: int) -> ClaimTarget | None:
        return (await self.targets([execution_id])).get(execution_id)

    async def targets(self, execution_ids: Sequence[int]) -> dict[int, ClaimTarget]:
        """What the claim needs to know of each of ``execution_ids`` that exists, read now."""
        if not execution_ids:
            return {}
        stmt = (
            select(
                _E.c.id,
                _E.c.task_id,
                _E.c.status,
                _E.c.trigger,
                _E.c.scheduled_for,
                _E.c.due_at,
                _T.c.overlap_policy,
                _T.c.concurrency_key,
            )
            .select_from(_E.join(_T, _T.c.id == _E.c.task_id))
            .where(_E.c.id.in_(list(execution_ids)))
        )
        return {
            row.id: ClaimTarget(
                execution_id=row.id,
                task_id=row.task_id,
                status=row.status,
                trigger=row.trigger,
                scheduled_for=row.scheduled_for,
                due_at=row.due_at or row.scheduled_for,
                overlap_policy=row.overlap_policy,
                concurrency_key=row.concurrency_key,
            )
            for row in (await self.session.execute(stmt)).all()
        }

    async def claim_unshared(
        self, claims: Sequence[tuple[ClaimTarget, int]], *, now: datetime, worker_id: str | None = None
    ) -> set[int]:
        """Claim runs of distinct tasks under ``skip``/``cancel_other`` with no concurrency key, in one UPDATE.

        Each ``(target, delay_ms)`` moves from queued to running (started ``now``) if its task has no
        run going; returns the ids moved. Such a task has one active record at most (the unique
        (task, slot) index), so the conditional UPDATE is the whole cross-process rule for them.
        """
        if not claims:
            return set()
        delays = {t.execution_id: delay for t, delay in claims}
        values: dict[str, Any] = {
            "status": "running",
            "started_at": now,
            "trigger_delay_ms": case(delays, value=_E.c.id) if len(set(delays.values())) > 1 else claims[0][1],
        }
        if worker_id is not None:
            values["worker_id"] = worker_id
        stmt = (
            update(_E)
            .where(_E.c.id.in_(list(delays)), _E.c.status == "queued", ~_task_running(_E.c.task_id))
            .values(**values)
            .returning(_E.c.id)
        )
        return {int(r[0]) for r in (await self.session.execute(stmt)).all()}

    async def unclaim(self, execution_id: int, *, worker_id: str | None, reason: str, now: datetime) -> bool:
        """A claimed run that never started goes back to ``queued`` (``cancelled`` if a cancel came meanwhile)."""
        cancelled = _E.c.cancel_requested_at.is_not(None)
        result = await self.session.execute(
            update(_E)
            .where(
                _E.c.id == execution_id,
                _E.c.status == "running",
                _E.c.worker_id == worker_id if worker_id is not None else _E.c.worker_id.is_(None),
            )
            .values(
                status=case((cancelled, "cancelled"), else_="queued"),
                reason=case((cancelled, reason), else_=_E.c.reason),
                finished_at=case((cancelled, now), else_=None),
                started_at=None,
                trigger_delay_ms=None,
                worker_id=None,
            )
        )
        return int(getattr(result, "rowcount", 0) or 0) == 1

    async def why_not(self, target: ClaimTarget) -> ClaimResult:
        """Why a claim of a run under no concurrency key found nothing to move (``gone`` or ``wait``)."""
        return await self._why_not(target, None, None)

    async def claim(
        self,
        target: ClaimTarget,
        *,
        now: datetime,
        delay_ms: int,
        waited_reason: str | None = None,
        worker_id: str | None = None,
    ) -> ClaimResult:
        """Move ``target`` from queued to running (started ``now``, ``delay_ms`` late) if its task's policy and
        its key's limit allow it now."""
        if target.due_at > now:
            return ClaimResult(state="wait", reason=f"due at {target.due_at.isoformat()}")
        key = target.concurrency_key
        limit: int | None = None
        if self._postgres and (target.overlap_policy in ("buffer_one", "allow") or key is not None):
            # Lock order everywhere: task row, then key row. Under skip and cancel_other the
            # unique (task, slot) index already allows one active row, so there is nothing to race.
            await self.session.execute(select(_T.c.id).where(_T.c.id == target.task_id).with_for_update())
        if key is not None:
            stmt = select(ConcurrencyKey.max_running).where(ConcurrencyKey.key == key)
            if self._postgres:
                stmt = stmt.with_for_update()
            limit = (await self.session.execute(stmt)).scalar_one_or_none()

        conditions: list[ColumnElement[bool]] = [_E.c.id == target.execution_id, _E.c.status == "queued"]
        if target.overlap_policy != "allow":
            conditions.append(~_task_running(_E.c.task_id))
        if key is not None and limit is not None:
            conditions.append(_running_with_key(key) < limit)
            conditions.append(~_earlier_ready(key, target, now))
        values: dict[str, Any] = {
            "status": "running",
            "started_at": now,
            "trigger_delay_ms": delay_ms,
        }
        if waited_reason is not None:
            values["reason"] = waited_reason
        if worker_id is not None:
            values["worker_id"] = worker_id  # the worker holding the run (app.workers)
        result = await self.session.execute(update(_E).where(*conditions).values(**values))
        if int(getattr(result, "rowcount", 0) or 0) == 1:
            return ClaimResult(state="claimed")
        return await self._why_not(target, key, limit)

    async def _why_not(self, target: ClaimTarget, key: str | None, limit: int | None) -> ClaimResult:
        status = (
            await self.session.execute(select(_E.c.status).where(_E.c.id == target.execution_id))
        ).scalar_one_or_none()
        if status != "queued":
            return ClaimResult(state="gone")
        if target.overlap_policy != "allow":
            busy = (await self.session.execute(select(_task_running(target.task_id)))).scalar()
            if busy:
                return ClaimResult(state="wait", reason="waiting for the task's running run to finish")
        if key is not None and limit is not None:
            running = (await self.session.execute(select(_running_with_key(key)))).scalar_one()
            if running >= limit:
                return ClaimResult(
                    state="wait", reason=f"waiting for concurrency key {key!r} ({running}/{limit} running)"
                )
            return ClaimResult(state="wait", reason=f"waiting behind earlier runs of concurrency key {key!r}")
        return ClaimResult(state="wait", reason="waiting")

    async def key_head(self, key: str, *, now: datetime) -> KeyHead | None:
        """Lock ``key`` (PostgreSQL) and read its limit, its running count and the runs next in line for its
        free places: its oldest queued runs that could start now, in fire order. None when the key has no row
        (no limit). Claims under the key take turns on that lock until the transaction ends."""
        stmt = select(ConcurrencyKey.max_running).where(ConcurrencyKey.key == key)
        if self._postgres:
            stmt = stmt.with_for_update()
        limit = (await self.session.execute(stmt)).scalar_one_or_none()
        if limit is None:
            return None
        running = int((await self.session.execute(select(_running_with_key(key)))).scalar_one())
        free = limit - running
        if free <= 0:
            return KeyHead(limit=limit, running=running, head=[])
        queued = _E.alias("queued_of_key")
        tasks = _T.alias("queued_tasks")
        rows = (
            await self.session.execute(
                select(
                    queued.c.id,
                    queued.c.task_id,
                    queued.c.trigger,
                    queued.c.scheduled_for,
                    _fire_order(queued).label("due_at"),
                    tasks.c.overlap_policy,
                )
                .select_from(queued.join(tasks, tasks.c.id == queued.c.task_id))
                .where(*_ready_of_key(key, queued, tasks, now))
                .order_by(_fire_order(queued), queued.c.id)
                .limit(free)
            )
        ).all()
        head = [
            ClaimTarget(
                execution_id=r.id,
                task_id=r.task_id,
                status="queued",
                trigger=r.trigger,
                scheduled_for=r.scheduled_for,
                due_at=r.due_at,
                overlap_policy=r.overlap_policy,
                concurrency_key=key,
            )
            for r in rows
        ]
        return KeyHead(limit=limit, running=running, head=head)

    async def claim_keyed(self, key: str, limit: int, claims: Sequence[KeyedClaim], *, now: datetime) -> set[int]:
        """Start ``claims`` (the next runs of ``key`` in fire order, read under the key's lock) in one UPDATE.

        All or none as far as the key goes: the UPDATE itself checks that they fit in ``limit`` with what runs
        and that no other run of the key that could start now is older than the last of them, so a stale read
        can only claim nothing. Each run also needs its task free unless the task runs in parallel (``allow``).
        Returns the ids moved to running (started ``now``).
        """
        if not claims:
            return set()
        ids = [c.target.execution_id for c in claims]
        last = max((c.target for c in claims), key=lambda t: (t.due_at, t.execution_id))
        values: dict[str, Any] = {
            "status": "running",
            "started_at": now,
            "trigger_delay_ms": _per_row({i: c.delay_ms for i, c in zip(ids, claims, strict=True)}),
        }
        waited = {c.target.execution_id: c.waited_reason for c in claims if c.waited_reason is not None}
        if waited:
            values["reason"] = case(waited, value=_E.c.id, else_=_E.c.reason)
        workers = {c.target.execution_id: c.worker_id for c in claims if c.worker_id is not None}
        if workers:
            values["worker_id"] = case(workers, value=_E.c.id, else_=_E.c.worker_id)
        parallel = [c.target.execution_id for c in claims if c.target.overlap_policy == "allow"]
        task_free: ColumnElement[bool] = ~_task_running(_E.c.task_id)
        if parallel:
            task_free = or_(_E.c.id.in_(parallel), task_free)
        stmt = (
            update(_E)
            .where(
                _E.c.id.in_(ids),
                _E.c.status == "queued",
                task_free,
                _running_with_key(key) <= limit - len(ids),
                ~_earlier_ready(key, last, now, besides=ids),
            )
            .values(**values)
            .returning(_E.c.id)
        )
        return {int(r[0]) for r in (await self.session.execute(stmt)).all()}

    async def busy_tasks(self, task_ids: Sequence[int]) -> set[int]:
        """Tasks among ``task_ids`` with a run going."""
        if not task_ids:
            return set()
        stmt = select(_E.c.task_id).where(_E.c.task_id.in_(list(task_ids)), _E.c.status == "running").distinct()
        return {int(r[0]) for r in (await self.session.execute(stmt)).all()}

    async def note_waiting_many(self, execution_ids: Sequence[int], reason: str) -> None:
        if execution_ids:
            await self.session.execute(
                update(_E).where(_E.c.id.in_(list(execution_ids)), _E.c.status == "queued").values(reason=reason)
            )

    async def close_queued(self, execution_id: int, *, status: str, reason: str, now: datetime) -> bool:
        """End a still-queued execution without running it (a spent budget, say)."""
        result = await self.session.execute(
            update(_E)
            .where(_E.c.id == execution_id, _E.c.status == "queued")
            .values(status=status, reason=reason, finished_at=now)
        )
        return int(getattr(result, "rowcount", 0) or 0) == 1

    async def note_sla_breach(self, execution_id: int, breach: str) -> None:
        await self.session.execute(update(_E).where(_E.c.id == execution_id).values(sla_breach=breach))

    async def note_waiting(self, execution_id: int, reason: str) -> None:
        await self.session.execute(
            update(_E).where(_E.c.id == execution_id, _E.c.status == "queued").values(reason=reason)
        )

    async def cancel_active(self, task_id: int, *, reason: str, now: datetime) -> list[int]:
        """Cancel every queued or running execution of a task (overlap policy ``cancel_other``)."""
        ids = [
            int(r[0])
            for r in (
                await self.session.execute(
                    select(_E.c.id).where(_E.c.task_id == task_id, _E.c.status.in_(("queued", "running")))
                )
            ).all()
        ]
        if ids:
            await self.session.execute(
                update(_E)
                .where(_E.c.id.in_(ids), _E.c.status.in_(("queued", "running")))
                .values(status="cancelled", reason=reason, finished_at=now)
            )
        return ids

    async def buffered(self, task_ids: Sequence[int]) -> set[int]:
        """Tasks among ``task_ids`` with a run waiting in the buffer slot."""
        if not task_ids:
            return set()
        stmt = select(_E.c.task_id).where(
            _E.c.task_id.in_(task_ids), _E.c.slot == 1, _E.c.status.in_(("queued", "running"))
        )
        return {int(r[0]) for r in (await self.session.execute(stmt)).all()}

    # -- spend -----------------------------------------------------------------------------------
    async def spent_since(self, day: datetime, month: datetime, *, task_id: int | None = None) -> tuple[float, float]:
        """Known cost of runs started at or after ``day`` and at or after ``month`` (one task, or all), in one query."""

        def since(start: datetime) -> Any:
            return func.coalesce(func.sum(case((_E.c.started_at >= start, _E.c.cost_usd))), 0.0)

        stmt = select(since(day), since(month)).where(_E.c.started_at >= min(day, month))
        if task_id is not None:
            stmt = stmt.where(_E.c.task_id == task_id)
        day_usd, month_usd = (await self.session.execute(stmt)).one()
        return float(day_usd), float(month_usd)

    async def recent_statuses(
        self, task_id: int, limit: int, *, exclude: int | None = None, since: datetime | None = None
    ) -> list[str]:
        """Statuses of the task's latest finished records scheduled from ``since``, newest first."""
        stmt = (
            select(_E.c.status)
            .where(
                _E.c.task_id == task_id,
                _E.c.scheduled_for >= since if since is not None else _E.c.id.is_not(None),
                _E.c.status.not_in(("queued", "running")),
                _E.c.id != (exclude if exclude is not None else -1),
            )
            .order_by(_E.c.scheduled_for.desc(), _E.c.id.desc())
            .limit(limit)
        )
        return [r[0] for r in (await self.session.execute(stmt)).all()]

    async def pause_task(self, task_id: int, *, note: str, now: datetime) -> bool:
        """Pause an active task with ``note`` (automatic pauses); True when it was active."""
        result = await self.session.execute(
            update(_T)
            .where(_T.c.id == task_id, _T.c.state == "active")
            .values(state="paused", pause_note=note, next_run_at=None, revision=_T.c.revision + 1, updated_at=now)
        )
        return int(getattr(result, "rowcount", 0) or 0) == 1

    # -- concurrency keys and prices ---------------------------------------------------------------
    async def keys(self) -> list[tuple[ConcurrencyKey, int, int]]:
        """Every key with how many of its runs are running and queued now."""
        rows = list((await self.session.execute(select(ConcurrencyKey).order_by(ConcurrencyKey.key))).scalars())
        counts = await self._key_counts([k.key for k in rows])
        return [(k, *counts.get(k.key, (0, 0))) for k in rows]

    async def key_counts(self, key: str) -> tuple[int, int]:
        return (await self._key_counts([key])).get(key, (0, 0))

    async def _key_counts(self, keys: Sequence[str]) -> dict[str, tuple[int, int]]:
        if not keys:
            return {}
        stmt = (
            select(
                _T.c.concurrency_key,
                func.sum(case((_E.c.status == "running", 1), else_=0)),
                func.sum(case((_E.c.status == "queued", 1), else_=0)),
            )
            .select_from(_E.join(_T, _T.c.id == _E.c.task_id))
            .where(_T.c.concurrency_key.in_(keys), _E.c.status.in_(("queued", "running")))
            .group_by(_T.c.concurrency_key)
        )
        return {r[0]: (int(r[1] or 0), int(r[2] or 0)) for r in (await self.session.execute(stmt)).all()}

    async def get_key(self, key: str) -> ConcurrencyKey | None:
        return await self.session.get(ConcurrencyKey, key)

    async def put_key(self, key: str, max_running: int, *, now: datetime) -> ConcurrencyKey:
        row = await self.session.get(ConcurrencyKey, key, with_for_update=True)
        if row is None:
            row = ConcurrencyKey(key=key, max_running=max_running, created_at=now, updated_at=now)
            self.session.add(row)
        else:
            row.max_running = max_running
            row.updated_at = now
        await self.session.flush()
        return row

    async def delete_key(self, key: str) -> bool:
        row = await self.session.get(ConcurrencyKey, key)
        if row is None:
            return False
        await self.session.delete(row)
        await self.session.flush()
        return True

    async def tasks_with_key(self, key: str) -> int:
        stmt = select(func.count()).select_from(_T).where(_T.c.concurrency_key == key)
        return int((await self.session.execute(stmt)).scalar_one())

    async def prices(self) -> list[ModelPrice]:
        return list((await self.session.execute(select(ModelPrice).order_by(ModelPrice.model))).scalars())

    async def put_price(
        self, model: str, input_per_million: float, output_per_million: float, *, now: datetime
    ) -> ModelPrice:
        row = await self.session.get(ModelPrice, model, with_for_update=True)
        if row is None:
            row = ModelPrice(
                model=model, input_per_million=input_per_million, output_per_million=output_per_million, updated_at=now
            )
            self.session.add(row)
        else:
            row.input_per_million = input_per_million
            row.output_per_million = output_per_million
            row.updated_at = now
        await self.session.flush()
        return row

    async def delete_price(self, model: str) -> bool:
        row = await self.session.get(ModelPrice, model)
        if row is None:
            return False
        await self.session.delete(row)
        await self.session.flush()
        return True


def _per_row(values: dict[int, Any]) -> Any:
    """One value for every row, or a CASE on the execution id when they differ."""
    distinct = set(values.values())
    return distinct.pop() if len(distinct) == 1 else case(values, value=_E.c.id)


def _task_running(task_id: Any) -> Any:
    running = _E.alias("running_of_task")
    return exists(select(running.c.id).where(running.c.task_id == task_id, running.c.status == "running"))


def _running_with_key(key: str) -> Any:
    running = _E.alias("running_of_key")
    tasks = _T.alias("tasks_of_key")
    return (
        select(func.count())
        .select_from(running.join(tasks, tasks.c.id == running.c.task_id))
        .where(tasks.c.concurrency_key == key, running.c.status == "running")
        .scalar_subquery()
    )


def _ready_of_key(key: str, queued: Any, tasks: Any, now: datetime) -> list[ColumnElement[bool]]:
    """Conditions for a queued run of ``key`` (``queued`` joined to its ``tasks``) that could start now."""
    busy = _E.alias("busy_of_task")
    return [
        tasks.c.concurrency_key == key,
        queued.c.status == "queued",
        _fire_order(queued) <= now,
        # A run the executor would cancel on a paused task does not hold the others back.
        or_(tasks.c.state != "paused", queued.c.trigger.in_([str(t) for t in RUNS_WHEN_PAUSED])),
        or_(
            tasks.c.overlap_policy == "allow",
            ~exists(select(busy.c.id).where(busy.c.task_id == queued.c.task_id, busy.c.status == "running")),
        ),
    ]


def _fire_order(queued: Any) -> Any:
    return func.coalesce(queued.c.due_at, queued.c.scheduled_for, type_=UTCDateTime())


def _earlier_ready(key: str, target: ClaimTarget, now: datetime, *, besides: Sequence[int] = ()) -> Any:
    """An earlier queued run of the same key that could start now (other than ``target`` and ``besides``):
    it goes first (fire order)."""
    queued = _E.alias("queued_of_key")
    tasks = _T.alias("queued_tasks")
    order = _fire_order(queued)
    return exists(
        select(queued.c.id)
        .select_from(queued.join(tasks, tasks.c.id == queued.c.task_id))
        .where(
            *_ready_of_key(key, queued, tasks, now),
            queued.c.id.not_in([target.execution_id, *besides]),
            or_(order < target.due_at, and_(order == target.due_at, queued.c.id < target.execution_id)),
        )
    )


@dataclass(frozen=True, kw_only=True)
class TaskRecordStats:
    task_id: int
    task_name: str
    due: int  # runs started plus fires missed
    on_time: int
    sla_breaches: int


@dataclass(frozen=True, kw_only=True)
class RecordTotals:
    missed: int
    succeeded: int
    retried: int
    sla_breaches: int
    tasks: list[TaskRecordStats]


async def record_stats(session: AsyncSession, *, since: datetime, default_on_time_ms: int) -> RecordTotals:
    """Operations figures from execution records scheduled at or after ``since`` (all processes)."""
    allowance = func.coalesce(_T.c.max_delay_seconds * 1000, default_on_time_ms) + _T.c.jitter_seconds * 1000
    started = _E.c.started_at.is_not(None)
    stmt = (
        select(
            _E.c.task_id,
            _T.c.name,
            func.sum(case((or_(started, _E.c.status == "missed"), 1), else_=0)),
            func.sum(case((and_(started, _E.c.trigger_delay_ms <= allowance), 1), else_=0)),
            func.sum(case((_E.c.sla_breach.is_not(None), 1), else_=0)),
            func.sum(case((_E.c.status == "missed", 1), else_=0)),
            func.sum(case((_E.c.status == "succeeded", 1), else_=0)),
            func.sum(case((or_(_E.c.trigger == "retry", _E.c.attempt > 1), 1), else_=0)),
        )
        .select_from(_E.join(_T, _T.c.id == _E.c.task_id))
        .where(_E.c.scheduled_for >= since)
        .group_by(_E.c.task_id, _T.c.name)
    )
    tasks: list[TaskRecordStats] = []
    missed = succeeded = retried = breaches = 0
    for row in (await session.execute(stmt)).all():
        tasks.append(
            TaskRecordStats(
                task_id=int(row[0]),
                task_name=row[1],
                due=int(row[2] or 0),
                on_time=int(row[3] or 0),
                sla_breaches=int(row[4] or 0),
            )
        )
        breaches += int(row[4] or 0)
        missed += int(row[5] or 0)
        succeeded += int(row[6] or 0)
        retried += int(row[7] or 0)
    return RecordTotals(missed=missed, succeeded=succeeded, retried=retried, sla_breaches=breaches, tasks=tasks)


@dataclass(frozen=True, kw_only=True)
class TriggerCount:
    """Runs of one trigger and status: how many started, and how many finished, since some instant."""

    trigger: str
    status: str
    started: int
    finished: int


async def runs_by_trigger(session: AsyncSession, *, since: datetime, unfinished: Sequence[str]) -> list[TriggerCount]:
    """Runs started and runs finished at or after ``since``, by trigger and (current) status (all processes).

    A run started since then has finished since then or not yet, so only those rows are
    read: by the finished-at index, and the few unfinished ones by status.
    """
    started = _E.c.started_at >= since
    finished = _E.c.finished_at >= since
    stmt = (
        select(
            _E.c.trigger,
            _E.c.status,
            func.sum(case((started, 1), else_=0)),
            func.sum(case((finished, 1), else_=0)),
        )
        .where(or_(finished, and_(_E.c.finished_at.is_(None), _E.c.status.in_(unfinished))))
        .group_by(_E.c.trigger, _E.c.status)
    )
    return [
        TriggerCount(trigger=str(r[0]), status=str(r[1]), started=int(r[2] or 0), finished=int(r[3] or 0))
        for r in (await session.execute(stmt)).all()
    ]
