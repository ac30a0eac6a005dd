"""The deterministic rules parser: common English schedule phrases, no LLM, well under a millisecond.

The text is scanned clause by clause (dates, relative times, intervals, day words,
clock times, timezones); each clause found is masked out, and what is left becomes
the instructions. The parser answers only when it can account for every schedule
word: anything it cannot express exactly (every other day, the first Monday, the
last day of the month, a clause given twice) makes it return None, so that the LLM
parser, which can ask the user, gets the text. It never returns a guess; each
reading that is not literal ("'9' read as 09:00") is listed in the assumptions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from app.nl import clauses as C
from app.nl.clauses import Refuse as _Refuse
from app.nl.once import once_spec as _once
from app.nl.recurring import cron_text as _cron
from app.nl.recurring import hourly_or_interval as _hourly_or_interval
from app.nl.recurring import window_cron as _window_cron
from app.nl.result import ParsedDescription
from app.nl.times import TIME_LIST, ClockTime, parse_time_list
from app.nl.wording import QUOTED, URL, instructions_from, name_from
from app.nl.zones import ZoneReading, abbreviation_reading, iana_name, offset_reading, place_zone
from app.schedules.spec import CronSpec, IntervalSpec, OnceSpec
from app.schedules.timezones import resolve_timezone


@dataclass
class _Scan:
    """The text being read: ``s`` is the text with URLs masked and consumed clauses blanked to NUL."""

    text: str
    s: str = ""
    zones: list[ZoneReading] = field(default_factory=list)

    def __post_init__(self) -> None:
        s = self.text
        for pattern in (URL, QUOTED):
            s = pattern.sub(lambda m: "\x01" * len(m.group(0)), s)
        self.s = s

    def consume(self, start: int, end: int) -> None:
        self.s = self.s[:start] + "\x00" * (end - start) + self.s[end:]

    def take(self, pattern: re.Pattern[str], *, most: int = 1) -> list[re.Match[str]]:
        found = list(pattern.finditer(self.s))
        if len(found) > most:
            raise _Refuse  # the same kind of clause twice: "every monday at 9 and every friday at 5"
        for m in found:
            self.consume(*m.span())
        return found


def parse_with_rules(text: str, *, default_timezone: str | None, now: datetime) -> ParsedDescription | None:
    """Read ``text`` with the rules; None when it needs the LLM. Raises InvalidTimezone for a bad default."""
    scan = _Scan(text)
    if C.REFUSE.search(scan.s):
        return None
    try:
        return _parse(scan, default_timezone, now)
    except _Refuse:
        return None


def _parse(scan: _Scan, default_timezone: str | None, now: datetime) -> ParsedDescription | None:
    assumptions: list[str] = []
    iso = scan.take(C.ISO_DATE)
    named = scan.take(C.NAMED_DATE)
    anchor = scan.take(C.DAY_ANCHOR)
    relative = scan.take(C.RELATIVE)
    window = scan.take(C.WINDOW)
    hourly_at = scan.take(C.HOURLY_AT)
    interval = scan.take(C.INTERVAL)
    hourly = scan.take(C.HOURLY)
    yearly = scan.take(C.YEARLY)
    dom = scan.take(C.DOM)
    freq = scan.take(C.FREQ)
    days = scan.take(C.DAYS)
    times_m = scan.take(TIME_LIST)
    _take_zones(scan, times_m)
    if C.LEFTOVER.search(scan.s) or C.UNKNOWN_ZONE.search(scan.s):
        raise _Refuse
    tz_name = _zone_name(scan, default_timezone, assumptions)
    tz = resolve_timezone(tz_name)
    part = _part(anchor, freq, days, times_m)
    times = _times(times_m, part, assumptions)
    if part and not times:
        raise _Refuse  # "every morning", "tomorrow evening": which time?
    # "every 15th of december", "on the 1st of january every year": a date that recurs.
    annual = named if yearly or (named and named[0].group("ev")) else []
    if yearly and not annual:
        raise _Refuse
    once = iso or (named if not annual else []) or anchor or relative
    recurring = hourly_at or interval or hourly or dom or freq or days or annual
    if (once and recurring) or len(once) > 1 or not (once or recurring):
        raise _Refuse
    schedule: CronSpec | OnceSpec | IntervalSpec
    clock_free = False
    if window:
        if times or hourly_at or annual or not (interval or hourly):
            raise _Refuse  # "every day between 9 and 5": how often?
        schedule = CronSpec(
            cron=_window_cron(window[0], interval, hourly, dom, freq, days, assumptions), timezone=tz.key
        )
    elif once:
        schedule, clock_free = _once(iso, named, anchor, relative, times, tz, now, assumptions, part)
    elif hourly_at or interval or hourly:
        if times or dom or freq or days or annual or len(hourly_at + interval + hourly) > 1:
            raise _Refuse
        schedule, clock_free = _hourly_or_interval(hourly_at, interval, tz.key, assumptions)
    else:
        schedule = CronSpec(cron=_cron(dom, freq, days, annual, times, assumptions), timezone=tz.key)
    if not clock_free:
        _note_default_zone(scan, default_timezone, tz.key, assumptions)
    instructions = instructions_from(scan.text, scan.s)
    return ParsedDescription(
        text=scan.text,
        schedule=schedule,
        instructions=instructions,
        name=name_from(instructions) if instructions else "Scheduled task",
        parser="rules",
        assumptions=assumptions,
    )


def _part(
    anchor: list[re.Match[str]], freq: list[re.Match[str]], days: list[re.Match[str]], times: list[re.Match[str]]
) -> str | None:
    """The one part of the day said ("tonight", "every morning", "at 9 in the evening"), if any."""
    parts: set[str] = set()
    for m in anchor:
        if (m.group("w") or "").lower() == "tonight":
            parts.add("night" if m.group("part") else "tonight")
        if m.group("part"):
            parts.add(m.group("part").lower())
    for m in freq:
        if m.group("dpart"):
            parts.add(m.group("dpart").lower())
        elif m.group("nightly") and times:
            parts.add("night")
    for m in days:
        if m.group("dpart"):
            parts.add(m.group("dpart").lower())
    for m in times:
        if m.group("part") or m.group("night"):
            parts.add((m.group("part") or "night").lower())
    if len(parts) > 1:
        raise _Refuse  # "every morning at 9 in the evening"
    return parts.pop() if parts else None


# -- timezones -------------------------------------------------------------------------


def _take_zones(scan: _Scan, times_m: list[re.Match[str]]) -> None:
    for m in list(C.IANA.finditer(scan.s)):
        name = iana_name(m.group("z"))
        if name is not None:
            scan.consume(*m.span())
            scan.zones.append(ZoneReading(name, None))
    for m in list(C.ZONE_WORD.finditer(scan.s)):
        before = C.ZONE_BEFORE.search(scan.s, 0, m.start())
        if before is None:
            continue
        words = list(re.finditer(r"\S+", before.group(1)))
        for k in range(len(words), 0, -1):  # "new york time", "york time": the longest place wins
            reading = _place(" ".join(w.group(0) for w in words[-k:]), strict=False)
            if reading is not None:
                # With every word a place, take the "in "/", " before it too.
                start = before.start() if k == len(words) else before.start(1) + words[-k].start()
                scan.consume(start, m.end())
                scan.zones.append(reading)
                break
    for m in list(C.OFFSET.finditer(scan.s)):
        reading = offset_reading(m.group("z"), m.group("sign"), m.group("h"), m.group("m"))
        if reading is None:
            raise _Refuse  # "UTC+05:30", "UTC+15": no IANA name says it
        scan.consume(*m.span())
        scan.zones.append(reading)
    for m in list(C.LOCAL_TIME.finditer(scan.s)):
        scan.consume(*m.span())
    for m in list(C.ABBREVIATION.finditer(scan.s)):
        reading = abbreviation_reading(m.group("z"))
        if reading is not None:
            scan.consume(*m.span())
            scan.zones.append(reading)
    for t in times_m:  # "at 9am in Tokyo", "at 9 (pst)": a place right after a clock time
        after = C.ZONE_AFTER.match(scan.s, t.end())
        if after is None:
            continue
        parts = list(re.finditer(r"\S+", after.group(1)))
        for k in range(len(parts), 0, -1):
            reading = _place(" ".join(p.group(0) for p in parts[:k]), strict=True)
            if reading is not None:
                end = after.start(1) + parts[k - 1].end()
                if scan.s[end : end + 1] == ")":
                    end += 1
                scan.consume(t.end(), end)
                scan.zones.append(reading)
                break


def _place(phrase: str, *, strict: bool) -> ZoneReading | None:
    reading = abbreviation_reading(phrase) if phrase.isalpha() and len(phrase) <= 4 else None
    if reading is not None:
        return reading
    if strict and phrase.lower() in C.NOT_PLACES:
        return None
    name = place_zone(phrase)
    return ZoneReading(name, f"'{phrase}' read as {name}") if name else None


def _zone_name(scan: _Scan, default: str | None, assumptions: list[str]) -> str:
    names = {z.name for z in scan.zones}
    if len(names) > 1:
        raise _Refuse  # two different zones named
    if names:
        for z in scan.zones:
            if z.assumption and z.assumption not in assumptions:
                assumptions.append(z.assumption)
        return names.pop()
    return default or "UTC"


def _note_default_zone(scan: _Scan, default: str | None, used: str, assumptions: list[str]) -> None:
    if scan.zones:
        return
    if default:
        assumptions.append(f"no timezone given: used {used} from your default")
    else:
        assumptions.append("no timezone given: used UTC")


# -- clock times -----------------------------------------------------------------------


def _times(found: list[re.Match[str]], part: str | None, assumptions: list[str]) -> list[ClockTime]:
    if not found:
        return []
    m = found[0]
    parsed = parse_time_list(m.group("a") or m.group("b"), part)
    if parsed is None:
        raise _Refuse
    for t in parsed:
        if t.assumption:
            assumptions.append(t.assumption)
    return parsed
