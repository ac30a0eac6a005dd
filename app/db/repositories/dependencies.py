"""Queries over task dependencies: the edges, the upstream ends that start dependents, the runs they queued."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, and_, delete, func, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from app.controls.dependencies import ENDS, UpstreamEnd
from app.db.dependency_models import TaskDependency
from app.db.models import Execution, Task
from app.db.repositories.tasks import TaskRepository
from app.vocabulary import DependencyMode, DependencyOn, ExecutionStatus

_EXEC = cast(Table, Execution.__table__)
# A transaction-level advisory lock taken while a task's ``after`` changes (PostgreSQL).
_GRAPH_LOCK = 0x7461736B64657073  # "taskdeps"


@dataclass(frozen=True, kw_only=True)
class Edge:
    """Task ``task_id`` runs after ``upstream_task_id``'s runs end ``on``; ends from ``since`` count."""

    task_id: int
    upstream_task_id: int
    on: DependencyOn
    mode: DependencyMode
    since: datetime


@dataclass(frozen=True, kw_only=True)
class EndDetail:
    """An upstream run's end with what a dependent run is told of it."""

    end: UpstreamEnd
    task_name: str
    output: str | None
    error: str | None


def _edge(row: TaskDependency) -> Edge:
    return Edge(
        task_id=row.task_id,
        upstream_task_id=row.upstream_task_id,
        on=DependencyOn(row.on_end),
        mode=DependencyMode(row.mode),
        since=row.since,
    )


def _matching(on: DependencyOn) -> list[str]:
    return sorted(str(s) for s in ENDS[on])


class DependencyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # -- edges -------------------------------------------------------------------------------------
    async def edges_of(self, task_id: int) -> list[Edge]:
        """What ``task_id`` runs after."""
        stmt = select(TaskDependency).where(TaskDependency.task_id == task_id).order_by(TaskDependency.upstream_task_id)
        return [_edge(r) for r in (await self.session.execute(stmt)).scalars()]

    async def dependents_of(self, upstream_task_id: int) -> list[Edge]:
        """The edges of tasks that run after ``upstream_task_id``."""
        stmt = (
            select(TaskDependency)
            .where(TaskDependency.upstream_task_id == upstream_task_id)
            .order_by(TaskDependency.task_id)
        )
        return [_edge(r) for r in (await self.session.execute(stmt)).scalars()]

    async def set_edges(
        self, task_id: int, edges: Sequence[tuple[int, DependencyOn]], mode: DependencyMode, *, now: datetime
    ) -> None:
        """Make ``task_id``'s edges exactly ``edges``; an unchanged (upstream, on) keeps when it was declared."""
        current = {
            r.upstream_task_id: r
            for r in (await self.session.execute(select(TaskDependency).where(TaskDependency.task_id == task_id)))
            .scalars()
            .all()
        }
        wanted = dict(edges)
        for upstream_id, row in current.items():
            if upstream_id not in wanted:
                await self.session.delete(row)
            elif row.on_end != wanted[upstream_id]:
                row.on_end, row.since, row.mode = wanted[upstream_id], now, mode
            else:
                row.mode = mode
        for upstream_id, on in wanted.items():
            if upstream_id not in current:
                self.session.add(
                    TaskDependency(task_id=task_id, upstream_task_id=upstream_id, on_end=on, mode=mode, since=now)
                )
        await self.session.flush()

    async def lock_graph(self) -> None:
        """Serialise changes of the dependency graph until this transaction ends (SQLite: writes already are)."""
        if self.session.get_bind().dialect.name == "postgresql":
            await self.session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _GRAPH_LOCK})

    async def graph(self) -> dict[int, list[int]]:
        """Every task with upstreams, mapped to them."""
        rows = await self.session.execute(select(TaskDependency.task_id, TaskDependency.upstream_task_id))
        out: dict[int, list[int]] = {}
        for task_id, upstream_id in rows.all():
            out.setdefault(int(task_id), []).append(int(upstream_id))
        return out

    async def names(self, task_ids: Sequence[int]) -> dict[int, str]:
        """The name of each of these tasks that exists."""
        return await TaskRepository(self.session).names(task_ids)

    async def remove_upstream(self, upstream_task_id: int) -> None:
        await self.session.execute(delete(TaskDependency).where(TaskDependency.upstream_task_id == upstream_task_id))

    # -- ends and the runs they queued ----------------------------------------------------------
    async def end(self, execution_id: int) -> UpstreamEnd | None:
        """The run, if it has ended in a way that may start dependents."""
        row = (
            await self.session.execute(
                select(_EXEC.c.id, _EXEC.c.task_id, _EXEC.c.status, _EXEC.c.finished_at).where(
                    _EXEC.c.id == execution_id
                )
            )
        ).first()
        if row is None or row[3] is None or ExecutionStatus(row[2]) not in ENDS[DependencyOn.FINISHED]:
            return None
        return UpstreamEnd(
            execution_id=int(row[0]), task_id=int(row[1]), status=ExecutionStatus(row[2]), finished_at=row[3]
        )

    async def ends_with_dependents(self, execution_ids: Sequence[int]) -> dict[int, tuple[UpstreamEnd, list[Edge]]]:
        """Of these runs, those that have ended in a way that may start dependents and whose task has
        any, each with its task's dependent edges: two statements for a whole batch, one when none has."""
        if not execution_ids:
            return {}
        has_dependents = (
            select(TaskDependency.upstream_task_id).where(TaskDependency.upstream_task_id == _EXEC.c.task_id).exists()
        )
        stmt = select(_EXEC.c.id, _EXEC.c.task_id, _EXEC.c.status, _EXEC.c.finished_at).where(
            _EXEC.c.id.in_(sorted(set(execution_ids))),
            _EXEC.c.finished_at.is_not(None),
            _EXEC.c.status.in_(_matching(DependencyOn.FINISHED)),
            has_dependents,
        )
        ends = [
            UpstreamEnd(execution_id=int(r[0]), task_id=int(r[1]), status=ExecutionStatus(r[2]), finished_at=r[3])
            for r in (await self.session.execute(stmt)).all()
        ]
        if not ends:
            return {}
        edges_by_task: dict[int, list[Edge]] = {}
        rows = await self.session.execute(
            select(TaskDependency)
            .where(TaskDependency.upstream_task_id.in_(sorted({e.task_id for e in ends})))
            .order_by(TaskDependency.task_id)
        )
        for row in rows.scalars():
            edges_by_task.setdefault(row.upstream_task_id, []).append(_edge(row))
        return {e.execution_id: (e, edges_by_task.get(e.task_id, [])) for e in ends}

    async def details(self, execution_ids: Sequence[int]) -> dict[int, EndDetail]:
        """Ended upstream runs with their task's name, output and error."""
        if not execution_ids:
            return {}
        stmt = (
            select(
                _EXEC.c.id,
                _EXEC.c.task_id,
                _EXEC.c.status,
                _EXEC.c.finished_at,
                _EXEC.c.output,
                _EXEC.c.error,
                Task.name,
            )
            .join(Task, Task.id == _EXEC.c.task_id)
            .where(_EXEC.c.id.in_(sorted(set(execution_ids))))
        )
        return {
            int(r[0]): EndDetail(
                end=UpstreamEnd(
                    execution_id=int(r[0]), task_id=int(r[1]), status=ExecutionStatus(r[2]), finished_at=r[3]
                ),
                output=r[4],
                error=r[5],
                task_name=str(r[6]),
            )
            for r in (await self.session.execute(stmt)).all()
        }

    async def watermark(self, task_id: int) -> datetime | None:
        """When the upstream end behind ``task_id``'s latest dependency run ended (None: no such run)."""
        upstream = aliased(Execution)
        stmt = (
            select(func.max(upstream.finished_at))
            .select_from(Execution)
            .join(upstream, upstream.id == Execution.upstream_execution_id)
            .where(Execution.task_id == task_id)
        )
        found: datetime | None = (await self.session.execute(stmt)).scalar()
        return found

    async def first_end(self, edge: Edge, *, after: datetime | None) -> UpstreamEnd | None:
        """The upstream's first matching end from the edge's ``since`` and strictly after ``after``."""
        conditions = [
            _EXEC.c.task_id == edge.upstream_task_id,
            _EXEC.c.status.in_(_matching(edge.on)),
            _EXEC.c.finished_at >= edge.since,
        ]
        if after is not None:
            conditions.append(_EXEC.c.finished_at > after)
        stmt = (
            select(_EXEC.c.id, _EXEC.c.task_id, _EXEC.c.status, _EXEC.c.finished_at)
            .where(*conditions)
            .order_by(_EXEC.c.finished_at, _EXEC.c.id)
            .limit(1)
        )
        row = (await self.session.execute(stmt)).first()
        if row is None:
            return None
        return UpstreamEnd(
            execution_id=int(row[0]), task_id=int(row[1]), status=ExecutionStatus(row[2]), finished_at=row[3]
        )

    async def queued_by(self, task_id: int, upstream_execution_id: int) -> int | None:
        """The record of ``task_id`` this upstream end already queued, if any."""
        stmt = select(_EXEC.c.id).where(
            _EXEC.c.task_id == task_id, _EXEC.c.upstream_execution_id == upstream_execution_id
        )
        found = (await self.session.execute(stmt)).scalar()
        return int(found) if found is not None else None

    async def taken_instants(self, task_id: int, at: datetime, span: timedelta) -> set[datetime]:
        """Scheduled times of ``task_id``'s records in [at, at + span) (records are unique per instant)."""
        stmt = select(_EXEC.c.scheduled_for).where(
            _EXEC.c.task_id == task_id, _EXEC.c.scheduled_for >= at, _EXEC.c.scheduled_for < at + span
        )
        return {r[0] for r in (await self.session.execute(stmt)).all()}

    async def unhandled(self, *, horizon: datetime, limit: int = 1000) -> list[tuple[Edge, int]]:
        """(edge, upstream run) pairs the sweep should look at, oldest end first.

        ``any``: matching ends that have not queued the dependent yet. ``all``: matching ends
        after the dependent's watermark (the set may be complete). Only ends from ``horizon``
        (and from when the edge was declared) are looked at.
        """
        edge = aliased(TaskDependency)
        ups = aliased(Execution)
        mine = aliased(Execution)
        upstream_end = aliased(Execution)
        watermark = (
            select(func.max(upstream_end.finished_at))
            .select_from(mine)
            .join(upstream_end, upstream_end.id == mine.upstream_execution_id)
            .where(mine.task_id == edge.task_id)
            .scalar_subquery()
        )
        not_queued = ~(
            select(mine.id).where(mine.task_id == edge.task_id, mine.upstream_execution_id == ups.id).exists()
        )
        status_matches = or_(*(and_(edge.on_end == str(on), ups.status.in_(_matching(on))) for on in DependencyOn))
        stmt = (
            select(edge, ups.id)
            .join(ups, ups.task_id == edge.upstream_task_id)
            .where(
                ups.finished_at >= horizon,
                ups.finished_at >= edge.since,
                status_matches,
                or_(
                    and_(edge.mode == str(DependencyMode.ANY), not_queued),
                    and_(edge.mode == str(DependencyMode.ALL), or_(watermark.is_(None), ups.finished_at > watermark)),
                ),
            )
            .order_by(ups.finished_at, ups.id)
            .limit(limit)
        )
        return [(_edge(row[0]), int(row[1])) for row in (await self.session.execute(stmt)).all()]
