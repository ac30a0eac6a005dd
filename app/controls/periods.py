"""Budget periods: the start of the current day and month on a task's wall clock."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo


def period_starts(now: datetime, timezone: str = "UTC") -> tuple[datetime, datetime]:
    """(start of today, start of this month) in ``timezone``, as UTC instants."""
    local = now.astimezone(ZoneInfo(timezone))
    day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    month = day.replace(day=1)
    return day.astimezone(UTC), month.astimezone(UTC)
