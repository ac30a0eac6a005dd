"""The LLM's schedule checked against the text it came from.

Whatever the rules are certain of (``facts``) must hold for the schedule's next
fires, read on the wall clock of its own zone: the clock times (minutes too),
the weekdays (exclusions honoured), the days of the month, the interval, the
zone named in the text, the delay of "in 90 minutes". The zone must be an IANA
name that exists and not an abbreviation ("EST" is a fixed UTC-5, an hour off
New York all summer). Each conflict is returned in words, to go back to the
model as the reason for a repair.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from functools import cache
from itertools import pairwise
from zoneinfo import ZoneInfo, available_timezones

from app.nl.facts import Facts
from app.schedules import CompiledSchedule, compile_schedule
from app.schedules.spec import CronSpec, IntervalSpec, OnceSpec

_SAMPLE = 40
_DAY_NAMES = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def zone_problem(name: str, facts: Facts) -> str | None:
    """Why ``name`` is not an acceptable zone for this text, or None."""
    if name not in _zones():
        return f"timezone {name!r} is not an IANA name that exists; use one such as 'Europe/Berlin'."
    if name != "UTC" and ("/" not in name or name.startswith(("SystemV/", "US/"))):
        return (
            f"timezone {name!r} is an abbreviation or legacy alias, not a place's zone: "
            "use the IANA name of the place (e.g. 'America/New_York', which follows daylight saving)."
        )
    if name.startswith("Etc/") and not (facts.zone or "").startswith("Etc/"):
        return f"timezone {name!r} is a fixed offset the text does not name; use the place's IANA zone."
    return None


def same_rules(a: str, b: str) -> bool:
    """Whether two zones keep the same clock (Europe/Paris and Europe/Berlin do) over the coming years."""
    if a == b:
        return True
    za, zb = ZoneInfo(a), ZoneInfo(b)
    start = datetime(2026, 1, 1, 12, tzinfo=za)
    for day in range(0, 3 * 365, 7):
        t = start + timedelta(days=day)
        if t.utcoffset() != t.astimezone(zb).utcoffset():
            return False
    return True


def conflicts(
    spec: CronSpec | OnceSpec | IntervalSpec, facts: Facts, *, now: datetime, default_timezone: str | None = None
) -> list[str]:
    """What in ``spec`` contradicts ``facts``; empty when nothing does."""
    out: list[str] = []
    problem = zone_problem(spec.timezone, facts)
    if problem:
        return [problem]
    default = default_timezone or "UTC"
    if not facts.zone and not facts.zone_words and not same_rules(spec.timezone, default):
        out.append(f"the text names no timezone, so the schedule's timezone is {default}, not {spec.timezone}.")
    if facts.unknown_zone and same_rules(spec.timezone, default) and not facts.zone:
        out.append(
            f"the text names a zone ('{facts.unknown_zone}') the schedule does not use; if no IANA zone fits, "
            "set `question`."
        )
    if facts.zones_named > 1:
        out.append("the text names more than one timezone; one schedule has one: set `question`.")
    if facts.bad_clock:
        out.append(f"the text's time '{facts.bad_clock}' does not exist: set `question` to ask which time is meant.")
    if not (facts.when_words or facts.clocks or facts.delay or facts.parts or facts.interval_seconds):
        out.append("the text says nothing about when it should run: set `question` instead of inventing a schedule.")
    elif facts.clocks and not facts.when_words:
        out.append("the text gives a clock time but not the day(s): set `question` (once today? every day?).")
    if facts.cannot:
        out.append(
            f"the text says '{facts.cannot}', which no cron line or interval can keep: set `question` to ask "
            "the user how to proceed (e.g. offer a schedule without it)."
        )
    if facts.one_time and not isinstance(spec, OnceSpec):
        out.append(f"the text says '{facts.one_time}': that is one time, so use kind=once.")
    elif isinstance(spec, OnceSpec) and not facts.one_time and (facts.periods or facts.weekdays):
        out.append("the text describes a repeating schedule, not a single run.")
    if facts.zone and not same_rules(facts.zone, spec.timezone):
        out.append(
            f"the text names the zone {facts.zone}, but the schedule's timezone is {spec.timezone}: keep the "
            f"times as the user wrote them, on the wall clock of {facts.zone}, and set timezone to {facts.zone}."
        )
    if isinstance(spec, IntervalSpec):
        kept = [w for w, ok in (("weekdays", facts.weekdays), ("days of the month", facts.days_of_month),
                                ("a part of the day", facts.parts)) if ok]  # fmt: skip
        if kept:
            out.append(
                f"the text names {', '.join(kept)}, but an interval counts from creation and fires on every day "
                "at every hour: use a cron schedule."
            )
        if facts.clocks:
            said = ", ".join(c.said for c in facts.clocks)
            out.append(
                f"the text names a clock time ({said}), but an interval counts from when the task is created "
                "and never fires at a clock time: use a cron schedule."
            )
        if facts.every_n:
            n, unit = facts.every_n
            size = {"day": 86400, "week": 7 * 86400}.get(unit)
            if size is None or spec.every_seconds != n * size:
                out.append(f"the text says every {n} {unit}s, which every_seconds={spec.every_seconds} does not keep.")
        period = {"hour": 3600, "day": 86400, "week": 7 * 86400}
        for p in facts.periods:
            if period.get(p) != spec.every_seconds and not facts.interval_seconds:
                out.append(f"the text says the schedule repeats every {p}, but every_seconds is {spec.every_seconds}.")
        if facts.per and (facts.per[1] != "hour" or spec.every_seconds * facts.per[0] != 3600):
            out.append(f"the text says {facts.per[0]} times per {facts.per[1]}, which every_seconds does not keep.")
        if facts.interval_seconds and spec.every_seconds != facts.interval_seconds:
            out.append(
                f"the text says '{facts.said_interval}' ({facts.interval_seconds} s), "
                f"but every_seconds is {spec.every_seconds}."
            )
        return out
    compiled = compile_schedule(spec, anchor=now)
    fires = _sample(compiled, now, once=isinstance(spec, OnceSpec))
    if not fires:
        return out
    for said, hours in facts.parts:
        off = sorted({t.hour for t in fires if t.hour not in hours})
        if off:
            out.append(f"the text says '{said}', but the schedule fires at {off[0]:02d}:xx.")
            break
    if facts.per and not isinstance(spec, OnceSpec):
        count, unit = facts.per
        size = {"hour": 3600, "day": 86400, "week": 7 * 86400}[unit]
        first = fires[0]
        within = [t for t in compiled.next_fires(first - timedelta(seconds=1), count + 1)
                  if t < first + timedelta(seconds=size)]  # fmt: skip
        if len(within) != count:
            out.append(f"the text says {count} times per {unit}, but the schedule fires {len(within)} times in one.")
    consecutive = compiled.next_fires(now, _SAMPLE)
    if facts.periods and not isinstance(spec, OnceSpec) and not facts.interval_seconds:
        out.extend(_period_conflicts(fires, facts, consecutive))
    if isinstance(spec, OnceSpec) and facts.delay is not None:
        wanted = now + facts.delay
        if abs(fires[0] - wanted) > timedelta(minutes=1):
            out.append(f"the text says in {facts.delay}, which is {wanted.isoformat()}, not {fires[0].isoformat()}.")
        return out
    if facts.clocks:
        out.extend(_clock_conflicts(fires, facts, once=isinstance(spec, OnceSpec)))
    if facts.weekdays:
        days = {(t.isoweekday() % 7) for t in fires}
        extra = days - facts.weekdays
        if extra:
            out.append(
                f"the text says '{facts.said_weekdays}', but the schedule also fires on "
                + ", ".join(_DAY_NAMES[d] for d in sorted(extra))
                + "."
            )
        missing = facts.weekdays - days
        if missing and not isinstance(spec, OnceSpec) and (fires[-1] - fires[0]) >= timedelta(days=7):
            out.append(
                f"the text says '{facts.said_weekdays}', but the schedule never fires on "
                + ", ".join(_DAY_NAMES[d] for d in sorted(missing))
                + "."
            )
    if facts.days_of_month:
        doms = {t.day for t in fires}
        if doms - facts.days_of_month:
            out.append(
                f"the text says '{facts.said_days}', but the schedule fires on day(s) "
                + ", ".join(str(d) for d in sorted(doms - facts.days_of_month))
                + " of the month."
            )
    if facts.every_n and not isinstance(spec, OnceSpec) and len(consecutive) > 2:
        n, unit = facts.every_n
        apart = Counter(round((b - a).total_seconds() / 86400) for a, b in pairwise(consecutive)).most_common(1)[0][0]
        low, high = {"day": (n, n), "week": (7 * n, 7 * n), "month": (28 * n, 31 * n), "year": (365 * n, 366 * n)}[unit]
        if not low <= apart <= high:
            out.append(f"the text says every {n} {unit}s, but the schedule's runs are {apart} day(s) apart.")
    if facts.interval_seconds and not isinstance(spec, OnceSpec) and len(consecutive) > 2:
        gaps = Counter(int((b - a).total_seconds()) for a, b in pairwise(consecutive))
        common = gaps.most_common(1)[0][0]
        if facts.interval_seconds < 86400 and common != facts.interval_seconds:
            out.append(f"the text says '{facts.said_interval}', but the schedule fires {common} s apart.")
    return out


def _sample(compiled: CompiledSchedule, now: datetime, *, once: bool) -> list[datetime]:
    """Fires spread over the coming weeks (a few after each day's start), on the schedule's wall clock."""
    if once:
        return [t.astimezone(compiled.tz) for t in compiled.next_fires(now, 1)]
    seen: set[datetime] = set()
    starts = [timedelta(minutes=30 * k) for k in range(96)]  # every half hour of two days
    starts += [timedelta(days=d) for d in [*range(2, 36), *range(45, 800, 15)]]  # then the weeks and years
    for offset in starts:
        seen.update(compiled.next_fires(now + offset, 3))
    return sorted(t.astimezone(compiled.tz) for t in seen)


def _period_conflicts(fires: list[datetime], facts: Facts, consecutive: list[datetime]) -> list[str]:
    gaps = [(b - a).total_seconds() for a, b in pairwise(consecutive)]
    if not gaps:
        return []
    common = Counter(int(g) for g in gaps).most_common(1)[0][0]
    shortest = min(gaps)
    several = (
        len(facts.clocks) > 1
        or (facts.weekdays and len(facts.weekdays) > 1)
        or (facts.days_of_month and len(facts.days_of_month) > 1)
    )
    if "hour" in facts.periods and common > 3600:
        return ["the text says hourly (or times an hour), but the schedule fires less often than every hour."]
    if "day" in facts.periods and not several and not 43200 <= common <= 3 * 86400:
        return [f"the text says daily, but the schedule fires {common} s apart."]
    if "week" in facts.periods and not several and shortest < 6 * 86400:
        return ["the text says weekly, but the schedule fires more than once a week."]
    if "month" in facts.periods and not several and shortest < 27 * 86400:
        return ["the text says monthly, but the schedule fires more than once a month."]
    if "year" in facts.periods and not several and shortest < 360 * 86400:
        return ["the text says yearly, but the schedule fires more than once a year."]
    return []


def _clock_conflicts(fires: list[datetime], facts: Facts, *, once: bool) -> list[str]:
    out: list[str] = []
    seen = {(t.hour, t.minute) for t in fires}
    for hour, minute in sorted(seen):
        if not any(minute == c.minute and hour in c.hours for c in facts.clocks):
            said = ", ".join(c.said for c in facts.clocks)
            out.append(
                f"the schedule fires at {hour:02d}:{minute:02d} (wall clock of its timezone), a time the text "
                f"does not say; it says {said}."
            )
            break
    if not once:
        for c in facts.clocks:
            if not any(minute == c.minute and hour in c.hours for hour, minute in seen):
                out.append(f"the text says {c.said}, but the schedule never fires then.")
    return out
