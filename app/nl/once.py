"""One-time phrases: "tomorrow at 3pm", "in 2 hours", "next Friday at 10", "tonight at 8", "on 2026-12-24 at 18:00".

Dates and clock times are computed from ``now`` on the wall clock of the resolved
zone; the instant itself is checked (not in the past) by ``compile_schedule``.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from app.nl.clauses import DAY_NAMES, Refuse
from app.nl.times import UNIT_SECONDS, ClockTime, number
from app.schedules.spec import OnceSpec

_MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct",
                                         "nov", "dec"), start=1)}  # fmt: skip


def unit_seconds(unit: str) -> int:
    """Seconds in a unit as written ("mins", "hrs", "days")."""
    key = {"s": "second", "m": "minute", "h": "hour", "d": "day", "w": "week"}[unit[0].lower()]
    return UNIT_SECONDS[key]


def once_spec(
    iso: list[re.Match[str]],
    named: list[re.Match[str]],
    anchor: list[re.Match[str]],
    relative: list[re.Match[str]],
    times: list[ClockTime],
    tz: ZoneInfo,
    now: datetime,
    assumptions: list[str],
    part: str | None = None,
) -> tuple[OnceSpec, bool]:
    """The one-time schedule and whether it is clock-free (a pure delay such as "in 2 hours")."""
    local_now = now.astimezone(tz)
    if relative:
        return _relative(relative[0], times, tz, now, local_now)
    if iso and iso[0].group("hh"):
        m = iso[0]
        if times:
            raise Refuse
        times = [ClockTime(int(m.group("hh")), int(m.group("mm")))]
    if len(times) != 1:
        raise Refuse  # a day with no time, or several times: not one instant
    clock = times[0]
    if part == "night" and clock.hour < 12:
        raise Refuse  # "tomorrow night at 1am": the night of tomorrow is the day after
    if iso:
        day = _date(int(iso[0].group("y")), int(iso[0].group("mo")), int(iso[0].group("d")))
    elif named:
        day = _named_date(named[0], clock, local_now, assumptions)
    else:
        day = _anchor_date(anchor[0], local_now.date(), assumptions)
    at = _wall(day, clock)
    later_today = anchor and (anchor[0].group("this") or (anchor[0].group("w") or "").lower() == "tonight")
    if later_today and at.replace(tzinfo=tz) <= now:
        raise Refuse  # "tonight at 8" said at 21:00: tomorrow, or a mistake? Let the LLM ask.
    return OnceSpec(at=at, timezone=tz.key), False


def _relative(
    m: re.Match[str], times: list[ClockTime], tz: ZoneInfo, now: datetime, local_now: datetime
) -> tuple[OnceSpec, bool]:
    if m.group("half"):
        seconds = 1800
    else:
        count = number(m.group("n") or m.group("n2"))
        seconds = count * unit_seconds(m.group("u") or m.group("u2"))
    if seconds <= 0:
        raise Refuse
    if not times:
        return OnceSpec(at=(now + timedelta(seconds=seconds)).astimezone(tz), timezone=tz.key), True
    if len(times) != 1 or seconds % 86400:
        raise Refuse  # "in 2 hours at 5pm" contradicts itself
    day = local_now.date() + timedelta(days=seconds // 86400)
    at = _wall(day, times[0])
    return OnceSpec(at=at, timezone=tz.key), False


def _wall(day: date, clock: ClockTime) -> datetime:
    # Naive on purpose: a wall-clock time, resolved in the zone (DST included) by compile_schedule.
    return datetime.combine(day, time(clock.hour, clock.minute))


def _date(year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise Refuse from None  # "February 30th": let the LLM ask


def _named_date(m: re.Match[str], clock: ClockTime, local_now: datetime, assumptions: list[str]) -> date:
    month = _MONTHS[(m.group("m1") or m.group("m2"))[:3].lower()]
    day_of_month = int(m.group("d1") or m.group("d2"))
    if m.group("y"):
        return _date(int(m.group("y")), month, day_of_month)
    day = _date(local_now.year, month, day_of_month)
    if _wall(day, clock) <= local_now.replace(tzinfo=None):
        day = _date(local_now.year + 1, month, day_of_month)
        assumptions.append(f"no year given: read as {day.isoformat()}, the next one to come")
    return day


def _anchor_date(m: re.Match[str], today: date, assumptions: list[str]) -> date:
    word = (m.group("w") or "").lower()
    if word in {"today", "tonight"} or m.group("this"):
        return today
    if m.group("dat"):
        return today + timedelta(days=2)
    if word == "tomorrow":
        return today + timedelta(days=1)
    target = next(i for i, d in enumerate(DAY_NAMES) if d.startswith(m.group("day").lower()[:3]))
    ahead = (target - today.weekday()) % 7 or 7
    day = today + timedelta(days=ahead)
    assumptions.append(f"'{m.group(0)}' read as {day:%A} {day.isoformat()}, the coming one")
    return day
