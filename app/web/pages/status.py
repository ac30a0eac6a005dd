"""Upcoming fires across all tasks, and the service's health."""

from __future__ import annotations

from datetime import datetime

from starlette.requests import Request
from starlette.responses import Response

from app.services.overview import OverviewService
from app.web.base import Visitor, page, state_of, unit_of_work
from app.web.render import render

HOURS = (1, 6, 24, 72, 168)


@page
async def upcoming(request: Request, visitor: Visitor) -> Response:
    raw = request.query_params.get("hours", "24")
    hours = int(raw) if raw.isdigit() and 1 <= int(raw) <= 168 else 24
    async with unit_of_work(request) as s:
        result = await OverviewService(s, state_of(request).clock).upcoming(hours=hours, limit=2000)
    per_hour: dict[datetime, int] = {}
    for fire in result.fires:
        hour = fire.at.replace(minute=0, second=0, microsecond=0)
        per_hour[hour] = per_hour.get(hour, 0) + 1
    busy = {m for m, _ in result.busiest}
    return render(
        request,
        "upcoming.html",
        {
            "result": result,
            "hours": hours,
            "choices": HOURS,
            "per_hour": sorted(per_hour.items()),
            "max_hour": max(per_hour.values(), default=0),
            "busy": busy,
            "per_minute": {m: n for m, n in result.busiest},
        },
        visitor=visitor,
    )


@page
async def health(request: Request, visitor: Visitor) -> Response:
    state = state_of(request)
    async with unit_of_work(request) as s:
        report = await OverviewService(s, state.clock).health(hours=24)
    scheduler = state.scheduler
    if scheduler is None:
        role, healthy = "disabled", True
    else:
        role = "leader" if getattr(scheduler, "is_leader", False) else "standby"
        healthy = bool(getattr(scheduler, "healthy", True))
    return render(request, "health.html", {"h": report, "role": role, "healthy": healthy}, visitor=visitor)
