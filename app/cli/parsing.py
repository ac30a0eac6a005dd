"""Pure parsers for what users type on the command line: intervals and points in time."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, tzinfo

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_PART = re.compile(r"(\d+)([smhdw])")
_SPAN = re.compile(r"(?:\d+[smhdw])+")


def parse_every(text: str) -> int:
    """Seconds in ``900``, ``90s``, ``15m``, ``1h30m``, ``2d`` or ``1w``; ValueError otherwise."""
    raw = text.strip().lower().replace(" ", "")
    if raw.isdigit():
        seconds = int(raw)
    else:
        parts = _PART.findall(raw)
        if not parts or "".join(n + u for n, u in parts) != raw:
            raise ValueError(f"cannot read {text!r} as an interval; use e.g. 900, 90s, 15m, 1h30m, 2d")
        seconds = sum(int(n) * _UNITS[u] for n, u in parts)
    if seconds < 1:
        raise ValueError("the interval must be at least 1 second")
    return seconds


AFTER_ENDS = ("succeeded", "failed", "finished")


def parse_after(text: str) -> dict[str, object]:
    """``3`` or ``3:failed`` -> ``{"task_id": 3, "on": "failed"}`` (default ``on``: succeeded); else ValueError."""
    raw = text.strip()
    task, _, on = raw.partition(":")
    on = on.strip().lower() or "succeeded"
    if not task.strip().isdigit() or int(task) < 1:
        raise ValueError(f"cannot read {text!r} as a task to run after; use TASK_ID or TASK_ID:ON, e.g. 3 or 3:failed")
    if on not in AFTER_ENDS:
        raise ValueError(f"unknown end {on!r} in {text!r}: use one of {', '.join(AFTER_ENDS)}")
    return {"task_id": int(task), "on": on}


def parse_when(text: str, *, now: datetime, local: tzinfo) -> datetime:
    """An aware instant from ISO 8601 (naive means ``local``) or ``24h``/``7d``/``30m`` before ``now``."""
    raw = text.strip()
    relative = raw.lower().removesuffix(" ago").replace(" ", "")
    if _SPAN.fullmatch(relative):
        return now - timedelta(seconds=parse_every(relative))
    if relative in ("today", "yesterday"):
        midnight = now.astimezone(local).replace(hour=0, minute=0, second=0, microsecond=0)
        return midnight if relative == "today" else midnight - timedelta(days=1)
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError as exc:
        raise ValueError(
            f"cannot read {text!r} as a time; use ISO 8601 (2026-11-23T09:00, with or without "
            "an offset), today, yesterday, or a span back from now such as 24h or 7d"
        ) from exc
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=local)


def parse_pairs(items: list[str], sep: str, what: str) -> dict[str, str]:
    """``["K<sep>V", ...]`` as a dict (the first ``sep`` splits; names are stripped); ValueError otherwise."""
    out: dict[str, str] = {}
    for item in items:
        name, found, value = item.partition(sep)
        if not found or not name.strip():
            raise ValueError(f"cannot read {item!r} as a {what}; write it as NAME{sep}VALUE")
        if name.strip() in out:
            raise ValueError(f"the {what} {name.strip()!r} is given twice")
        out[name.strip()] = value.strip() if sep == ":" else value
    return out


def template_ref(text: str) -> int | str:
    """A template reference as the API takes it: an id (digits) or a name."""
    return int(text) if text.isascii() and text.isdigit() else text
