"""Reading execution records."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Execution, ExecutionStep
from app.db.repositories import ExecutionFilter, ExecutionRepository, TaskRepository
from app.errors import NotFound


class ExecutionService:
    def __init__(self, session: AsyncSession) -> None:
        self.executions = ExecutionRepository(session)
        self.tasks = TaskRepository(session)

    async def list(self, flt: ExecutionFilter, *, limit: int, offset: int) -> tuple[Sequence[Execution], int]:
        """Records newest first (by scheduled time); a filter on a missing task is a 404."""
        if flt.task_id is not None and await self.tasks.get(flt.task_id) is None:
            raise NotFound("task", flt.task_id)
        return await self.executions.list(flt, limit=limit, offset=offset)

    async def get(self, execution_id: int) -> tuple[Execution, Sequence[ExecutionStep]]:
        execution = await self.executions.get(execution_id)
        if execution is None:
            raise NotFound("execution", execution_id)
        return execution, await self.executions.steps(execution_id)

    async def active_counts(self) -> dict[str, int]:
        """Records ``queued`` and ``running`` right now, across every instance."""
        return await self.executions.count_by_status(("queued", "running"))
