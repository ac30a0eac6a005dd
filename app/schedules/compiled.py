"""A checked schedule that can say when it fires and describe itself in words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from app.errors import ScheduleInPast
from app.schedules import dst
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

    def notes(self) -> list[str]:
        """Readings of the schedule that were not literal, in words (for a parse answer's assumptions)."""
        if not isinstance(self.spec, OnceSpec) or self.at is None or self.spec.at.tzinfo is not None:
            return []
        local = self.spec.at
        if not in_gap(local, self.tz):
            return []
        jump = self.at.astimezone(self.tz)
        return [
            f"{local:%H:%M} does not exist on {local:%Y-%m-%d} in {self.tz.key} (the clock jumps forward "
            f"at that moment): runs when the clock jumps, at {jump:%H:%M} {jump.tzname()}, as cron does"
        ]

    def describe(self) -> str:
        """The schedule in words, with its timezone."""
        if self.cron is not None:
            return describe_cron(self.cron, self.tz.key)
        if self.at is not None:
            words = describe_once(self.at, self.tz)
            return "; ".join([words, *self.notes()])
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

    A naive time that occurs twice (fall back) means its first occurrence. A naive
    time inside a spring-forward gap does not exist; like a fixed cron time there
    (see :mod:`app.schedules.dst`), it means the moment the clock jumps (Berlin
    02:30 on 2026-03-29 -> 03:00 CEST = 01:00 UTC).
    """
    if at.tzinfo is None:
        if in_gap(at, tz):
            return dst.jump_over(at, tz)
        at = at.replace(tzinfo=tz, fold=0)
    return at.astimezone(UTC)


def in_gap(local: datetime, tz: ZoneInfo) -> bool:
    """Whether the naive wall time ``local`` is skipped by a spring forward in ``tz``."""
    first = local.replace(tzinfo=tz, fold=0)
    return first.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != local.replace(tzinfo=None)


def validate_schedule(spec: AnySpec, *, now: datetime) -> CompiledSchedule:
    """Compile with ``anchor=now`` and reject past one-time instants."""
    return compile_schedule(spec, anchor=now, now=now)
