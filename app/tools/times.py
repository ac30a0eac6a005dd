"""Times as tools read and write them: in the user's (or the task's) timezone."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from app.services.explain import spoken

__all__ = ["local", "parse_instant", "spoken"]

_SPAN = re.compile(r"(\d+)\s*(minute|min|m|hour|h|day|d|week|w)s?", re.IGNORECASE)
_SECONDS = {"m": 60, "min": 60, "minute": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400}
_SECONDS |= {"w": 604800, "week": 604800}


def local(moment: datetime | None, timezone: str) -> str | None:
    """ISO 8601 with the offset of ``timezone`` (None stays None)."""
    return moment.astimezone(ZoneInfo(timezone)).isoformat() if moment is not None else None


def parse_instant(text: str, *, now: datetime, timezone: str) -> datetime:
    """An aware instant from ISO 8601 (naive = in ``timezone``), ``today``, ``yesterday`` or ``24h``.

    ``today``/``yesterday`` are the start of that day in ``timezone``; a span such as
    ``24h`` or ``7 days`` counts back from ``now``. Anything else is a ValueError.
    """
    raw = text.strip().lower().removesuffix(" ago")
    zone = ZoneInfo(timezone)
    if raw == "now":
        return now
    if raw in ("today", "yesterday"):
        midnight = now.astimezone(zone).replace(hour=0, minute=0, second=0, microsecond=0)
        return midnight if raw == "today" else midnight - timedelta(days=1)
    span = _SPAN.fullmatch(raw)
    if span:
        return now - timedelta(seconds=int(span.group(1)) * _SECONDS[span.group(2).lower()])
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise ValueError(
            f"cannot read {text!r} as a time: use ISO 8601, 'today', 'yesterday' or a span like '24h'"
        ) from exc
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)
