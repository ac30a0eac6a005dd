"""Queries over execution records and their steps."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import ACTIVE_STATUSES, Execution, ExecutionStep, Task
from app.db.types import UTCDateTime
from app.vocabulary import UNFINISHED_STATUSES

_EXEC = cast(Table, Execution.__table__)
_STEPS = cast(Table, ExecutionStep.__table__)


@dataclass(frozen=True, kw_only=True)
class FireRow:
    """A due fire to record: one row per (task, scheduled time)."""

    task_id: int
    scheduled_for: datetime
    trigger: str
    status: str
    reason: str | None = None
    inputs: dict[str, Any] | None = None
    idempotency_key: str | None = None
    window_start: datetime | None = None
    slot: int | None = 0  # overlap slot held while queued/running (app.controls.overlap)
    due_at: datetime | None = None  # when it may start; None: at scheduled_for
    upstream_execution_id: int | None = None  # a dependency run: the upstream run whose end queued it


@dataclass(frozen=True, kw_only=True)
class StatusTotals:
    """Runs in one status over a period, with their tokens and known cost."""

    status: str
    runs: int
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float
    runs_with_cost: int


@dataclass(frozen=True, kw_only=True)
class ExecutionFilter:
    task_id: int | None = None
    status: str | None = None
    trigger: str | None = None
    since: datetime | None = None  # scheduled_for >= since
    until: datetime | None = None  # scheduled_for < until


class ExecutionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def _insert(self) -> Any:
        dialect = self.session.get_bind().dialect.name
        return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(_EXEC)

    async def insert_fires(self, rows: Sequence[FireRow], *, now: datetime) -> list[tuple[int, int, datetime]]:
        """Insert fires, skipping any that conflict; returns (id, task_id, scheduled_for) inserted.

        A conflict is either the same (task, scheduled time) already recorded or, for a
        queued row, the task already having a queued-or-running execution.
        """
        if not rows:
            return []
        stmt = self._insert().on_conflict_do_nothing().returning(_EXEC.c.id, _EXEC.c.task_id, _EXEC.c.scheduled_for)
        params = [
            {
                "task_id": r.task_id,
                "scheduled_for": r.scheduled_for,
                "trigger": r.trigger,
                "status": r.status,
                "reason": r.reason,
                "inputs": r.inputs,
                "idempotency_key": r.idempotency_key,
                "window_start": r.window_start,
                "attempt": 1,
                "created_at": now,
                "finished_at": None if r.status in UNFINISHED_STATUSES else now,
                "slot": r.slot,
                "due_at": r.due_at or r.scheduled_for,
                "upstream_execution_id": r.upstream_execution_id,
            }
            for r in rows
        ]
        result = await self.session.execute(stmt, params)
        return [(int(r[0]), int(r[1]), r[2]) for r in result.all()]

    async def last_condition_check(self, task_id: int, *, before: int) -> tuple[int, str] | None:
        """The task's most recently started execution (other than ``before``) that stored a condition
        hash, whatever its status: (its id, the hash), or None when no check stored one yet."""
        stmt = (
            select(_EXEC.c.id, _EXEC.c.condition_hash)
            .where(_EXEC.c.task_id == task_id, _EXEC.c.condition_hash.is_not(None), _EXEC.c.id != before)
            .order_by(_EXEC.c.started_at.desc(), _EXEC.c.id.desc())
            .limit(1)
        )
        row = (await self.session.execute(stmt)).first()
        return (int(row[0]), str(row[1])) if row is not None else None

    async def free_instant(self, task_id: int, at: datetime) -> datetime:
        """``at``, or the first microsecond after it that no record of the task holds (records are unique
        per task and instant, so two runs asked for at one instant get neighbouring instants)."""
        stmt = select(_EXEC.c.scheduled_for).where(
            _EXEC.c.task_id == task_id,
            _EXEC.c.scheduled_for >= at,
            _EXEC.c.scheduled_for < at + timedelta(milliseconds=1),
        )
        taken = {r[0] for r in (await self.session.execute(stmt)).all()}
        while at in taken:
            at += timedelta(microseconds=1)
        return at

    async def existing_keys(self, keys: Iterable[tuple[int, datetime]]) -> set[tuple[int, datetime]]:
        keys = list(keys)
        found: set[tuple[int, datetime]] = set()
        for i in range(0, len(keys), 500):
            chunk = keys[i : i + 500]
            stmt = select(_EXEC.c.task_id, _EXEC.c.scheduled_for).where(
                tuple_(_EXEC.c.task_id, _EXEC.c.scheduled_for).in_(chunk)
            )
            found.update((int(r[0]), r[1]) for r in (await self.session.execute(stmt)).all())
        return found

    async def update_many(self, updates: Sequence[dict[str, Any]], *, only_status: str | None = None) -> None:
        """Apply ``{"id": ..., column: value, ...}`` updates, grouped into executemany calls.

        With ``only_status``, rows in another status are left alone (a run's outcome does
        not overwrite a record the leader already settled as lost).
        """
        groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for u in updates:
            groups.setdefault(tuple(sorted(k for k in u if k != "id")), []).append(u)
        for columns, items in groups.items():
            values = {c: bindparam(f"v_{c}", type_=_EXEC.c[c].type) for c in columns}
            stmt = update(_EXEC).where(_EXEC.c.id == bindparam("v_id")).values(**values)
            if only_status is not None:
                stmt = stmt.where(_EXEC.c.status == only_status)
            await self.session.execute(stmt, [{"v_id": u["id"], **{f"v_{c}": u[c] for c in columns}} for u in items])

    async def add_steps(self, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            await self.session.execute(_STEPS.insert(), list(rows))

    async def get(self, execution_id: int) -> Execution | None:
        return await self.session.get(Execution, execution_id)

    async def steps(self, execution_id: int, *, from_index: int = 0) -> Sequence[ExecutionStep]:
        """The run's steps in order, from ``from_index`` on."""
        stmt = (
            select(ExecutionStep)
            .where(ExecutionStep.execution_id == execution_id, ExecutionStep.index >= from_index)
            .order_by(ExecutionStep.index)
        )
        return list((await self.session.execute(stmt)).scalars())

    async def list(self, flt: ExecutionFilter, *, limit: int, offset: int) -> tuple[Sequence[Execution], int]:
        conditions: list[Any] = []
        if flt.task_id is not None:
            conditions.append(Execution.task_id == flt.task_id)
        if flt.status:
            conditions.append(Execution.status == flt.status)
        if flt.trigger:
            conditions.append(Execution.trigger == flt.trigger)
        if flt.since:
            conditions.append(Execution.scheduled_for >= flt.since)
        if flt.until:
            conditions.append(Execution.scheduled_for < flt.until)
        total = (
            await self.session.execute(select(func.count()).select_from(Execution).where(*conditions))
        ).scalar_one()
        stmt = (
            select(Execution)
            .where(*conditions)
            .order_by(Execution.scheduled_for.desc(), Execution.id.desc())
            .limit(limit)
            .offset(offset)
        )
        return list((await self.session.execute(stmt)).scalars()), int(total)

    async def promote_waiting(self, task_id: int | None = None) -> Sequence[int]:
        """Queue the earliest ``waiting`` record of each task (or of ``task_id``) that has no active run.

        Returns the ids now queued. A run queued meanwhile by someone else wins: that
        task's waiting record simply stays waiting (the one-active-run index refuses it).
        """
        active = select(Execution.task_id).where(Execution.status.in_(ACTIVE_STATUSES))
        first = (
            select(Execution.task_id, func.min(Execution.scheduled_for).label("at"))
            .where(Execution.status == "waiting", Execution.task_id.not_in(active))
            .group_by(Execution.task_id)
        )
        if task_id is not None:
            first = first.where(Execution.task_id == task_id)
        promoted: set[int] = set()
        for tid, at in (await self.session.execute(first)).all():
            try:
                async with self.session.begin_nested():
                    result = await self.session.execute(
                        update(_EXEC)
                        .where(_EXEC.c.task_id == tid, _EXEC.c.scheduled_for == at, _EXEC.c.status == "waiting")
                        .values(status="queued")
                        .returning(_EXEC.c.id)
                    )
                    promoted.update(int(r[0]) for r in result.all())
            except IntegrityError:
                continue
        return sorted(promoted)

    async def by_idempotency_key(self, task_id: int, key: str) -> Execution | None:
        stmt = select(Execution).where(Execution.task_id == task_id, Execution.idempotency_key == key)
        return (await self.session.execute(stmt)).scalars().first()

    async def active_for_task(self, task_id: int) -> Execution | None:
        stmt = select(Execution).where(Execution.task_id == task_id, Execution.status.in_(ACTIVE_STATUSES))
        return (await self.session.execute(stmt)).scalars().first()

    async def recent_for_task(self, task_id: int, limit: int) -> Sequence[Execution]:
        stmt = (
            select(Execution)
            .where(Execution.task_id == task_id, Execution.status.not_in(ACTIVE_STATUSES))
            .order_by(Execution.scheduled_for.desc())
            .limit(limit)
        )
        return list((await self.session.execute(stmt)).scalars())

    async def queued(self, *, trigger: str | None = None, limit: int = 10_000) -> Sequence[Execution]:
        """Executions waiting to run, oldest first; ``trigger`` narrows to e.g. manual runs."""
        stmt = select(Execution).where(Execution.status == "queued")
        if trigger is not None:
            stmt = stmt.where(Execution.trigger == trigger)
        return list((await self.session.execute(stmt.order_by(Execution.id).limit(limit))).scalars())

    async def cancel_queued(self, execution_id: int, *, reason: str, now: datetime) -> bool:
        """``queued`` -> ``cancelled``; False if it is no longer queued."""
        result = await self.session.execute(
            update(_EXEC)
            .where(_EXEC.c.id == execution_id, _EXEC.c.status == "queued")
            .values(status="cancelled", reason=reason, finished_at=bindparam("now", now, type_=UTCDateTime()))
        )
        return bool(getattr(result, "rowcount", 0))

    async def request_cancel(self, execution_id: int, *, now: datetime) -> None:
        await self.session.execute(
            update(_EXEC)
            .where(_EXEC.c.id == execution_id, _EXEC.c.status == "running")
            .values(cancel_requested_at=bindparam("now", now, type_=UTCDateTime()))
        )

    async def requeue_unstarted(self, execution_ids: Sequence[int], *, reason: str) -> Sequence[int]:
        """Those of ``execution_ids`` still ``running`` without a single recorded step go back to ``queued``.

        Such a run was stopped before its first model call answered: it has done nothing,
        so it starts again (same record, ``attempt`` + 1) instead of ending interrupted.
        Returns the ids re-queued.
        """
        if not execution_ids:
            return []
        has_steps = select(_STEPS.c.id).where(_STEPS.c.execution_id == _EXEC.c.id).exists()
        result = await self.session.execute(
            update(_EXEC)
            .where(_EXEC.c.id.in_(list(execution_ids)), _EXEC.c.status == "running", ~has_steps)
            .values(
                status="queued",
                attempt=_EXEC.c.attempt + 1,
                reason=reason,
                started_at=None,
                trigger_delay_ms=None,
                worker_id=None,
                cancel_requested_at=None,
            )
            .returning(_EXEC.c.id)
        )
        return sorted(int(r[0]) for r in result.all())

    async def queued_with_policy(self, *, limit: int = 100_000) -> Sequence[tuple[int, str, datetime, str, int]]:
        """Queued runs with their task's missed-run policy: (id, trigger, scheduled_for, policy, attempt)."""
        stmt = (
            select(_EXEC.c.id, _EXEC.c.trigger, _EXEC.c.scheduled_for, Task.missed_run_policy, _EXEC.c.attempt)
            .join(Task, Task.id == _EXEC.c.task_id)
            .where(_EXEC.c.status == "queued")
            .order_by(_EXEC.c.id)
            .limit(limit)
        )
        return [(int(r[0]), r[1], r[2], r[3], int(r[4])) for r in (await self.session.execute(stmt)).all()]

    async def totals(
        self, *, task_id: int | None, since: datetime | None, until: datetime | None
    ) -> Sequence[StatusTotals]:
        """Per status: how many runs were scheduled in [since, until), their tokens and known cost."""
        conditions: list[Any] = []
        if task_id is not None:
            conditions.append(Execution.task_id == task_id)
        if since is not None:
            conditions.append(Execution.scheduled_for >= since)
        if until is not None:
            conditions.append(Execution.scheduled_for < until)
        stmt = (
            select(
                Execution.status,
                func.count(),
                func.coalesce(func.sum(Execution.prompt_tokens), 0),
                func.coalesce(func.sum(Execution.completion_tokens), 0),
                func.coalesce(func.sum(Execution.cost_usd), 0.0),
                func.count(Execution.cost_usd),
            )
            .where(*conditions)
            .group_by(Execution.status)
            .order_by(Execution.status)
        )
        return [
            StatusTotals(
                status=row[0],
                runs=int(row[1]),
                prompt_tokens=int(row[2] or 0),
                completion_tokens=int(row[3] or 0),
                cost_usd=float(row[4] or 0.0),
                runs_with_cost=int(row[5]),
            )
            for row in (await self.session.execute(stmt)).all()
        ]
