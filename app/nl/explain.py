"""Every answer explains itself: the schedule in words, the next runs on the local clock with
daylight-saving changes flagged, the assumptions, and the words read as the schedule."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from app.nl.result import ParsedDescription
from app.schedules import compile_schedule


@dataclass(frozen=True, kw_only=True)
class RunExplained:
    """One coming run: the instant, how it reads on the schedule's clock, and any clock change before it."""

    at: datetime  # aware, in the schedule's zone
    local: str  # "Mon 2026-03-30 09:00 CEST (UTC+02:00)"
    dst_change: str | None = None


@dataclass(frozen=True, kw_only=True)
class Explanation:
    description: str
    timezone: str
    runs: list[RunExplained]
    assumptions: list[str] = field(default_factory=list)
    schedule_words: list[str] = field(default_factory=list)
    parser: str = "rules"

    def text(self) -> str:
        """The explanation as a few lines a person reads."""
        lines = [f"Schedule: {self.description}."]
        if self.schedule_words:
            lines.append("Read as the schedule: " + ", ".join(f"'{w}'" for w in self.schedule_words) + ".")
        for a in self.assumptions:
            lines.append(f"Assumed: {a}.")
        if self.runs:
            lines.append("Next runs: " + "; ".join(r.local for r in self.runs) + ".")
        for r in self.runs:
            if r.dst_change:
                lines.append(f"Note: {r.dst_change}.")
        return "\n".join(lines)


def _offset(t: datetime) -> str:
    off = t.utcoffset() or timedelta(0)
    sign = "-" if off < timedelta(0) else "+"
    minutes = abs(int(off.total_seconds())) // 60
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def explain(parsed: ParsedDescription, *, now: datetime, count: int = 5) -> Explanation:
    """The explanation of ``parsed`` as seen at ``now``: its next ``count`` runs included."""
    compiled = compile_schedule(parsed.schedule, anchor=now)
    tz = compiled.tz
    runs: list[RunExplained] = []
    previous = now.astimezone(tz)
    for t in compiled.next_fires(now, count):
        local = t.astimezone(tz)
        change = None
        if local.utcoffset() != previous.utcoffset():
            direction = (
                "forward" if (local.utcoffset() or timedelta(0)) > (previous.utcoffset() or timedelta(0)) else "back"
            )
            change = (
                f"the clocks in {tz.key} go {direction} before the run of {local:%a %Y-%m-%d}: "
                f"{local.tzname()} ({_offset(local)}) instead of {previous.tzname()} ({_offset(previous)})"
            )
        runs.append(
            RunExplained(
                at=local, local=f"{local:%a %Y-%m-%d %H:%M} {local.tzname()} ({_offset(local)})", dst_change=change
            )
        )
        previous = local
    return Explanation(
        description=compiled.describe(),
        timezone=tz.key,
        runs=runs,
        assumptions=[*parsed.assumptions, *compiled.notes()],
        schedule_words=list(parsed.schedule_words),
        parser=parsed.parser,
    )
