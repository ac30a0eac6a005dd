"""What the agent's ``previous_runs`` tool reads, wherever the run happens."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.db.repositories import ExecutionRepository
from app.runner.base import PreviousRuns


def previous_runs_reader(sessions: async_sessionmaker[AsyncSession]) -> PreviousRuns:
    """What the agent's ``previous_runs`` tool reads: a task's latest finished records."""

    async def read(task_id: int, limit: int) -> list[dict[str, Any]]:
        async with sessions() as session:
            rows = await ExecutionRepository(session).recent_for_task(task_id, min(max(limit, 1), 50))
        return [
            {
                "execution_id": e.id,
                "status": e.status,
                "scheduled_for": e.scheduled_for.isoformat(),
                "finished_at": e.finished_at.isoformat() if e.finished_at else None,
                "reason": e.reason,
                "output": (e.output or "")[:2000],
                "error": e.error,
            }
            for e in rows
        ]

    return read
