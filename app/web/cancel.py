"""Cancelling a run from the dashboard, through the services' cancel use case."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from app.services.cancel import cancel_execution

if TYPE_CHECKING:
    from app.api.deps import AppState


def available() -> bool:
    """Whether the dashboard offers a Cancel button (always, now that runs can be cancelled)."""
    return True


async def cancel(session: AsyncSession, state: AppState, execution_id: int) -> None:
    await cancel_execution(session, execution_id, now=state.clock.now())
