"""Cancelling a run from the dashboard, when the services offer it.

The cancel use case is being added beside the worker processes; until
``ExecutionService.cancel(execution_id)`` exists, the Cancel button is not shown
and a posted cancel answers 409.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import Conflict
from app.services.executions import ExecutionService

if TYPE_CHECKING:
    from app.api.deps import AppState


def available() -> bool:
    return callable(getattr(ExecutionService, "cancel", None))


async def cancel(session: AsyncSession, state: AppState, execution_id: int) -> None:
    if not available():
        raise Conflict("Cancelling runs is not available in this version of the service.")
    service: Any = ExecutionService(session)
    await service.cancel(execution_id)
