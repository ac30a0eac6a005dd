"""Service-level checks on a run: late start and long duration."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, kw_only=True)
class SlaLimits:
    max_delay_seconds: int | None = None
    max_duration_seconds: int | None = None


def start_delay_ms(trigger: str, due: datetime, started: datetime) -> int:
    """How late a run started after ``due``; a backfilled past fire runs now on purpose, so never late."""
    if trigger == "backfill":
        return 0
    return max(0, int((started - due).total_seconds() * 1000))


def late_start(limits: SlaLimits, delay_ms: int) -> str | None:
    """The breach text when a run started later than allowed after its due time."""
    if limits.max_delay_seconds is None or delay_ms <= limits.max_delay_seconds * 1000:
        return None
    return f"started {delay_ms / 1000:g}s late (max_delay_seconds={limits.max_delay_seconds})"


def long_run(limits: SlaLimits, duration_ms: int) -> str | None:
    """The breach text when a run took longer than allowed."""
    if limits.max_duration_seconds is None or duration_ms <= limits.max_duration_seconds * 1000:
        return None
    return f"ran {duration_ms / 1000:g}s (max_duration_seconds={limits.max_duration_seconds})"


def breaches(limits: SlaLimits, *, delay_ms: int | None, duration_ms: int | None) -> list[str]:
    """Every breach of ``limits`` by a run that started ``delay_ms`` late and took ``duration_ms``."""
    found = []
    if delay_ms is not None and (text := late_start(limits, delay_ms)):
        found.append(text)
    if duration_ms is not None and (text := long_run(limits, duration_ms)):
        found.append(text)
    return found
