"""Cancelling a run from the dashboard, through the services' cancel use case once it exists.

Cancelling is being added with the worker processes as
``app.services.cancel.cancel_execution(session, execution_id, *, now)``. Until that
module is present the Cancel button is not shown and a posted cancel answers 409;
when it lands, the dashboard uses it without further change.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import Conflict

if TYPE_CHECKING:
    from app.api.deps import AppState

CancelUseCase = Callable[..., Awaitable[Any]]


def _use_case() -> CancelUseCase | None:
    try:
        module = importlib.import_module("app.services.cancel")
    except ModuleNotFoundError:
        return None
    found = getattr(module, "cancel_execution", None)
    return cast(CancelUseCase, found) if callable(found) else None


def available() -> bool:
    return _use_case() is not None


async def cancel(session: AsyncSession, state: AppState, execution_id: int) -> None:
    use_case = _use_case()
    if use_case is None:
        raise Conflict("Cancelling runs is not available in this version of the service.")
    now: datetime = state.clock.now()
    await use_case(session, execution_id, now=now)
