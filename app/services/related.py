"""What a task or a run is linked to, for pages that show the links: task names, the tasks that run
after a task (docs/triggers.md), the upstream run behind a dependency run.

Each read is one bounded query by id, so a page pays for the links it shows and no more.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from app.db.repositories import ExecutionRepository, TaskRepository
from app.db.repositories.dependencies import DependencyRepository
from app.vocabulary import DependencyMode, DependencyOn, ExecutionStatus

__all__ = ["DependentLink", "RelatedService", "UpstreamRunLink"]


@dataclass(frozen=True, kw_only=True)
class DependentLink:
    """A task that runs after another one, on which end of its runs, and in which mode."""

    task_id: int
    task_name: str
    on: DependencyOn
    mode: DependencyMode


@dataclass(frozen=True, kw_only=True)
class UpstreamRunLink:
    """The run whose end queued a dependency run; ``task_name`` is None when its task is deleted."""

    execution_id: int
    task_id: int
    task_name: str | None
    status: ExecutionStatus


class RelatedService:
    def __init__(self, session: AsyncSession) -> None:
        self.tasks = TaskRepository(session)
        self.executions = ExecutionRepository(session)
        self.dependencies = DependencyRepository(session)

    async def task_names(self, task_ids: Iterable[int]) -> dict[int, str]:
        """The name of each of these tasks that exists (deleted ones are left out)."""
        return await self.tasks.names(task_ids)

    async def dependents(self, task_id: int) -> tuple[DependentLink, ...]:
        """The tasks that run after ``task_id``, by id."""
        edges = [e for e in await self.dependencies.dependents_of(task_id) if e.task_id != task_id]
        names = await self.tasks.names(e.task_id for e in edges)
        return tuple(
            DependentLink(task_id=e.task_id, task_name=names.get(e.task_id, f"task {e.task_id}"), on=e.on, mode=e.mode)
            for e in edges
        )

    async def upstream_run(self, execution_id: int | None) -> UpstreamRunLink | None:
        """The upstream run ``execution_id`` (a dependency run's ``upstream_execution_id``), if it is still stored."""
        if execution_id is None:
            return None
        upstream = await self.executions.get(execution_id)
        if upstream is None:
            return None
        names = await self.tasks.names([upstream.task_id])
        return UpstreamRunLink(
            execution_id=upstream.id,
            task_id=upstream.task_id,
            task_name=names.get(upstream.task_id),
            status=ExecutionStatus(upstream.status),
        )
