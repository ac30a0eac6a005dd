"""A checked schedule that can say when it fires and describe itself in words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from app.errors import ScheduleInPast
from app.schedules.cron import CronExpression
from app.schedules.describe import describe_cron, describe_interval, describe_once
from app.schedules.spec import AnySpec, CronSpec, OnceSpec
from app.schedules.timezones import resolve_timezone


@dataclass(frozen=True, eq=False)
class CompiledSchedule:
    """A validated schedule; every time it returns is an aware UTC datetime."""

    spec: AnySpec
    tz: ZoneInfo
    cron: CronExpression | None = None
    at: datetime | None = None  # once: the instant
    anchor: datetime | None = None  # interval: counted from here
    every: timedelta | None = None

    def next_fire(self, after: datetime) -> datetime | None:
        """The first fire strictly after the aware ``after`` (UTC), or None when there is none."""
        if after.tzinfo is None:
            raise ValueError("after must be timezone-aware")
        if self.cron is not None:
            return self.cron.next_fire(after, self.tz)
        if self.at is not None:
            return self.at if self.at > after else None
        assert self.anchor is not None and self.every is not None
        if after < self.anchor:
            return self.anchor + self.every
        k = (after - self.anchor) // self.every + 1
        return self.anchor + self.every * k

    def next_fires(self, after: datetime, count: int) -> list[datetime]:
        """Up to ``count`` fires strictly after ``after``, in order."""
        out: list[datetime] = []
        current = after
        while len(out) < count:
            upcoming = self.next_fire(current)
            if upcoming is None:
                break
            out.append(upcoming)
            current = upcoming
        return out

    def fires_between(self, start: datetime, end: datetime, limit: int = 1000) -> list[datetime]:
        """Fires in (start, end], at most ``limit``."""
        out: list[datetime] = []
        current = start
        while len(out) < limit:
            upcoming = self.next_fire(current)
            if upcoming is None or upcoming > end:
                break
            out.append(upcoming)
            current = upcoming
        return out

    def describe(self) -> str:
        """The schedule in words, with its timezone."""
        if self.cron is not None:
            return describe_cron(self.cron, self.tz.key)
        if self.at is not None:
            return describe_once(self.at, self.tz)
        assert self.every is not None
        return describe_interval(int(self.every.total_seconds()))


@lru_cache(maxsize=4096)
def _cron(text: str) -> CronExpression:
    return CronExpression.parse(text)


def compile_schedule(spec: AnySpec, *, anchor: datetime, now: datetime | None = None) -> CompiledSchedule:
    """Check a schedule and compile it; with ``now``, a one-time instant in the past is rejected.

    Raises InvalidCron, InvalidTimezone or ScheduleInPast (``at <= now``). An interval
    fires at ``anchor + k * every_seconds`` for k >= 1, in real seconds: ``anchor`` is
    its creation or resume time.
    """
    if anchor.tzinfo is None or (now is not None and now.tzinfo is None):
        raise ValueError("anchor and now must be timezone-aware")
    tz = resolve_timezone(spec.timezone)
    if isinstance(spec, CronSpec):
        return CompiledSchedule(spec=spec, tz=tz, cron=_cron(" ".join(spec.cron.split())))
    if isinstance(spec, OnceSpec):
        at = resolve_local(spec.at, tz)
        if now is not None and at <= now:
            raise ScheduleInPast(
                f"The time {at.astimezone(tz).isoformat()} is in the past (now is "
                f"{now.astimezone(tz).isoformat()}); give a future time.",
                details={"at": at.isoformat(), "now": now.isoformat()},
            )
        return CompiledSchedule(spec=spec, tz=tz, at=at)
    return CompiledSchedule(
        spec=spec, tz=tz, anchor=anchor.astimezone(UTC), every=timedelta(seconds=spec.every_seconds)
    )


def resolve_local(at: datetime, tz: ZoneInfo) -> datetime:
    """The UTC instant a once-schedule's ``at`` names: aware as is, naive read on ``tz``'s wall clock.

    A naive time is read with ``fold=0`` (PEP 495): a time that occurs twice means
    its first occurrence; a time in a spring-forward gap is read with the offset in
    force before the gap and so normalises to as far after the jump as it was into
    the gap (Berlin 02:30 on 2026-03-29 -> 03:30 CEST = 01:30 UTC).
    """
    if at.tzinfo is None:
        at = at.replace(tzinfo=tz, fold=0)
    return at.astimezone(UTC)


def validate_schedule(spec: AnySpec, *, now: datetime) -> CompiledSchedule:
    """Compile with ``anchor=now`` and reject past one-time instants."""
    return compile_schedule(spec, anchor=now, now=now)
