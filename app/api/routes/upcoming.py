"""Every fire due in the next hours across all tasks, from the engine that fires them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query
from pydantic import BaseModel

from app.api.deps import Session, State
from app.services.overview import OverviewService

router = APIRouter(prefix="/api/schedules", tags=["schedules"])


class UpcomingFireOut(BaseModel):
    task_id: int
    task_name: str
    timezone: str
    at: datetime  # in the task's timezone


class BusyMinuteOut(BaseModel):
    at: datetime  # UTC
    count: int


class UpcomingOut(BaseModel):
    hours: float
    start: datetime
    until: datetime
    items: list[UpcomingFireOut]
    total: int
    truncated: bool
    busiest: list[BusyMinuteOut]


@router.get("/upcoming")
async def upcoming(
    session: Session,
    state: State,
    hours: Annotated[float, Query(gt=0, le=168)] = 24,
    limit: Annotated[int, Query(ge=1, le=5000)] = 1000,
) -> UpcomingOut:
    """Fires of active tasks due from now to ``hours`` ahead, soonest first; ``busiest``: minutes with 2+ fires."""
    result = await OverviewService(session, state.clock).upcoming(hours=hours, limit=limit)
    return UpcomingOut(
        hours=hours,
        start=result.start,
        until=result.until,
        items=[
            UpcomingFireOut(
                task_id=f.task_id, task_name=f.task_name, timezone=f.timezone, at=f.at.astimezone(ZoneInfo(f.timezone))
            )
            for f in result.fires
        ],
        total=len(result.fires),
        truncated=result.truncated,
        busiest=[BusyMinuteOut(at=m, count=n) for m, n in result.busiest],
    )
