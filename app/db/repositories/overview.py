"""Read-only queries behind the dashboard: record pages by cursor, per-task summaries, health counts.

Pages are keyset pages over ``(scheduled_for, id)`` so a deep page costs the
same as the first and nothing ever reads all of a task's records; every
aggregate is bounded by a time window.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from app.db.models import Execution, Task

# Statuses that count as a failure on the health page.
FAILED_STATUSES = ("failed", "timed_out", "interrupted")


@dataclass(frozen=True, kw_only=True)
class RunFilter:
    task_id: int | None = None
    status: str | None = None
    trigger: str | None = None
    since: datetime | None = None  # scheduled_for >= since
    until: datetime | None = None  # scheduled_for < until


@dataclass(frozen=True, kw_only=True)
class Cursor:
    """A position in the newest-first order: the (scheduled_for, id) of a row on the edge of a page."""

    scheduled_for: datetime
    id: int


@dataclass(frozen=True, kw_only=True)
class TaskTotals:
    runs: int
    cost_usd: float
    prompt_tokens: int
    completion_tokens: int


@dataclass(frozen=True, kw_only=True)
class HealthCounts:
    by_status: dict[str, int]
    started: int
    on_time: int
    last_recorded_at: datetime | None  # the latest scheduled time recorded, up to now


class OverviewRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def runs_page(
        self, flt: RunFilter, *, before: Cursor | None, after: Cursor | None, limit: int
    ) -> list[Execution]:
        """Up to ``limit`` records newest first, strictly older than ``before`` or newer than ``after``."""
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
        stmt = select(Execution).where(*conditions)
        if after is not None:
            stmt = stmt.where(_newer(after)).order_by(Execution.scheduled_for.asc(), Execution.id.asc())
            rows = list((await self.session.execute(stmt.limit(limit))).scalars())
            return rows[::-1]
        if before is not None:
            stmt = stmt.where(_older(before))
        stmt = stmt.order_by(Execution.scheduled_for.desc(), Execution.id.desc()).limit(limit)
        return list((await self.session.execute(stmt)).scalars())

    async def tasks_by_id(self, ids: Sequence[int]) -> dict[int, Task]:
        if not ids:
            return {}
        rows = (await self.session.execute(select(Task).where(Task.id.in_(set(ids))))).scalars()
        return {t.id: t for t in rows}

    async def task_choices(self, limit: int = 500) -> list[tuple[int, str]]:
        """(id, name) of tasks for a filter menu, by name."""
        stmt = select(Task.id, Task.name).order_by(Task.name, Task.id).limit(limit)
        return [(int(r[0]), str(r[1])) for r in (await self.session.execute(stmt)).all()]

    async def retries_of(self, task_id: int, execution_id: int, limit: int = 20) -> list[int]:
        """Ids of the later attempts of a run (retries point at the first attempt), oldest first."""
        stmt = (
            select(Execution.id)
            .where(Execution.task_id == task_id, Execution.retry_of == execution_id)
            .order_by(Execution.id)
            .limit(limit)
        )
        return [int(r[0]) for r in (await self.session.execute(stmt)).all()]

    async def last_status(self, task_ids: Sequence[int]) -> dict[int, Execution]:
        """Each task's latest record, in one statement (one indexed lookup per task on the page)."""
        if not task_ids:
            return {}
        latest = aliased(Execution)
        newest_id = (
            select(latest.id)
            .where(latest.task_id == Task.id)
            .order_by(latest.scheduled_for.desc())
            .limit(1)
            .correlate(Task)
            .scalar_subquery()
        )
        ids = select(newest_id).where(Task.id.in_(set(task_ids)))
        rows = (await self.session.execute(select(Execution).where(Execution.id.in_(ids)))).scalars()
        return {r.task_id: r for r in rows}

    async def totals(self, task_ids: Sequence[int], *, since: datetime) -> dict[int, TaskTotals]:
        """Runs, cost and tokens per task scheduled at or after ``since`` (skips and misses count as runs)."""
        if not task_ids:
            return {}
        stmt = (
            select(
                Execution.task_id,
                func.count(),
                func.coalesce(func.sum(Execution.cost_usd), 0.0),
                func.coalesce(func.sum(Execution.prompt_tokens), 0),
                func.coalesce(func.sum(Execution.completion_tokens), 0),
            )
            .where(Execution.task_id.in_(set(task_ids)), Execution.scheduled_for >= since)
            .group_by(Execution.task_id)
        )
        return {
            int(r[0]): TaskTotals(
                runs=int(r[1]),
                cost_usd=float(r[2] or 0),
                prompt_tokens=int(r[3] or 0),
                completion_tokens=int(r[4] or 0),
            )
            for r in (await self.session.execute(stmt)).all()
        }

    async def usage_rows(
        self, task_id: int, *, since: datetime, limit: int = 50_000
    ) -> list[tuple[datetime, int, int, float | None, str]]:
        """(scheduled_for, prompt tokens, completion tokens, cost, status) of a task's records since ``since``."""
        stmt = (
            select(
                Execution.scheduled_for,
                func.coalesce(Execution.prompt_tokens, 0),
                func.coalesce(Execution.completion_tokens, 0),
                Execution.cost_usd,
                Execution.status,
            )
            .where(Execution.task_id == task_id, Execution.scheduled_for >= since)
            .order_by(Execution.scheduled_for.desc())
            .limit(limit)
        )
        return [(r[0], int(r[1]), int(r[2]), r[3], str(r[4])) for r in (await self.session.execute(stmt)).all()]

    async def due_tasks(self, *, until: datetime, limit: int) -> list[Task]:
        """Active tasks whose next fire is at or before ``until``, soonest first."""
        stmt = (
            select(Task)
            .where(Task.state == "active", Task.next_run_at.is_not(None), Task.next_run_at <= until)
            .order_by(Task.next_run_at, Task.id)
            .limit(limit)
        )
        return list((await self.session.execute(stmt)).scalars())

    async def health(self, *, since: datetime, now: datetime, on_time_ms: int) -> HealthCounts:
        """The records scheduled since ``since`` by status and punctuality (queue depth: ExecutionRepository)."""
        by_status = {
            str(r[0]): int(r[1])
            for r in (
                await self.session.execute(
                    select(Execution.status, func.count())
                    .where(Execution.scheduled_for >= since)
                    .group_by(Execution.status)
                )
            ).all()
        }
        punctual = (
            await self.session.execute(
                select(
                    func.count(),
                    func.coalesce(func.sum(case((Execution.trigger_delay_ms <= on_time_ms, 1), else_=0)), 0),
                ).where(
                    Execution.scheduled_for >= since,
                    Execution.started_at.is_not(None),
                    Execution.trigger.in_(("schedule", "catchup")),
                )
            )
        ).one()
        last = (
            await self.session.execute(select(func.max(Execution.scheduled_for)).where(Execution.scheduled_for <= now))
        ).scalar_one()
        return HealthCounts(
            by_status=by_status,
            started=int(punctual[0]),
            on_time=int(punctual[1]),
            last_recorded_at=last,
        )


def _older(c: Cursor) -> Any:
    return or_(
        Execution.scheduled_for < c.scheduled_for,
        and_(Execution.scheduled_for == c.scheduled_for, Execution.id < c.id),
    )


def _newer(c: Cursor) -> Any:
    return or_(
        Execution.scheduled_for > c.scheduled_for,
        and_(Execution.scheduled_for == c.scheduled_for, Execution.id > c.id),
    )
