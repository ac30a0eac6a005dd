"""Batched loading of what a run needs to start: its task and its recent records.

Thousands of runs starting in the same second would otherwise each open a
session and make three queries; here requests gathered in one turn of the event
loop share them (:class:`~app.scheduler.batching.TickBatcher`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.db.models import ACTIVE_STATUSES, Execution, Task
from app.scheduler.batching import TickBatcher
from app.vocabulary import UNFINISHED_STATUSES

RECENT = 5


@dataclass(frozen=True, kw_only=True)
class RecentRun:
    id: int
    status: str
    scheduled_for: datetime
    output: str | None


@dataclass(frozen=True, kw_only=True)
class RunContext:
    task: Task
    recent: tuple[RecentRun, ...]  # newest first, finished records only
    inputs: dict[int, dict[str, Any]] = field(default_factory=dict)  # queued/running execution id -> its inputs
    # queued/running execution id -> the start of its period, when fixed as it was queued (backfill)
    window_starts: dict[int, datetime] = field(default_factory=dict)


class ContextLoader:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self._sessionmaker = sessionmaker
        self._batch = TickBatcher(self._query)

    def load(self, task_id: int) -> asyncio.Future[RunContext | None]:
        """The task (None if deleted) and its recent finished records."""
        return self._batch.load(task_id)

    async def _query(self, ids: Sequence[int]) -> dict[int, RunContext]:
        async with self._sessionmaker() as session:
            tasks = (await session.execute(select(Task).where(Task.id.in_(ids)))).scalars().all()
            rank = (
                func.row_number()
                .over(partition_by=Execution.task_id, order_by=Execution.scheduled_for.desc())
                .label("rank")
            )
            inner = (
                select(
                    Execution.id,
                    Execution.task_id,
                    Execution.status,
                    Execution.scheduled_for,
                    func.substr(Execution.output, 1, 500).label("output"),
                    rank,
                )
                .where(Execution.task_id.in_(ids), Execution.status.not_in(UNFINISHED_STATUSES))
                .subquery()
            )
            rows = (
                await session.execute(
                    select(inner).where(inner.c.rank <= RECENT).order_by(inner.c.task_id, inner.c.rank)
                )
            ).all()
            given = (
                await session.execute(
                    select(Execution.id, Execution.task_id, Execution.inputs, Execution.window_start).where(
                        Execution.task_id.in_(ids),
                        Execution.status.in_(ACTIVE_STATUSES),
                        or_(Execution.inputs.is_not(None), Execution.window_start.is_not(None)),
                    )
                )
            ).all()
        inputs: dict[int, dict[int, dict[str, Any]]] = {}
        starts: dict[int, dict[int, datetime]] = {}
        for row in given:
            if row.inputs is not None:
                inputs.setdefault(row.task_id, {})[row.id] = row.inputs
            if row.window_start is not None:
                starts.setdefault(row.task_id, {})[row.id] = row.window_start
        recent: dict[int, list[RecentRun]] = {}
        for row in rows:
            scheduled = row.scheduled_for
            recent.setdefault(row.task_id, []).append(
                RecentRun(id=row.id, status=row.status, scheduled_for=scheduled, output=row.output)
            )
        return {
            t.id: RunContext(
                task=t,
                recent=tuple(recent.get(t.id, ())),
                inputs=inputs.get(t.id, {}),
                window_starts=starts.get(t.id, {}),
            )
            for t in tasks
        }
