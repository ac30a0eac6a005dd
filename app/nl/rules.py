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

from app.errors import InvalidCron
from app.nl import clauses as C
from app.nl.clauses import Refuse as _Refuse
from app.nl.normalize import normalize
from app.nl.once import once_spec as _once
from app.nl.recurring import _MONTHS, _interval_seconds
from app.nl.recurring import cron_text as _cron
from app.nl.recurring import day_fields as _days
from app.nl.recurring import hourly_or_interval as _hourly_or_interval
from app.nl.recurring import window_cron as _window_cron
from app.nl.result import ParsedDescription
from app.nl.times import TIME_LIST, ClockTime, number, parse_time_list
from app.nl.wording import QUOTED, URL, breaks_sentence, instructions_from, name_from
from app.nl.zones import SPLIT_PLACES, ZoneReading, abbreviation_reading, iana_name, offset_reading, place_zone
from app.schedules import compile_schedule
from app.schedules.spec import CronSpec, IntervalSpec, OnceSpec
from app.schedules.timezones import resolve_timezone


@dataclass
class _Scan:
    """The text being read.

    ``s`` is the normalized text (see ``normalize``) with URLs and quotes masked
    (\x01) and consumed clauses blanked to NUL; ``used`` marks the ORIGINAL
    characters that made the schedule, so the instructions are cut from the
    text exactly as the user wrote it.
    """

    text: str
    s: str = ""
    zones: list[ZoneReading] = field(default_factory=list)
    origin: list[tuple[int, int]] = field(default_factory=list)
    used: bytearray = field(default_factory=bytearray)

    def __post_init__(self) -> None:
        masked = self.text
        for pattern in (URL, QUOTED):
            masked = pattern.sub(lambda m: "\x01" * len(m.group(0)), masked)
        norm = normalize(masked)
        self.s, self.origin = norm.text, norm.origin
        self.used = bytearray(len(self.text))

    def consume(self, start: int, end: int) -> None:
        if start >= end:
            return
        self.s = self.s[:start] + "\x00" * (end - start) + self.s[end:]
        first, last = self.origin[start][0], self.origin[end - 1][1]
        self.used[first:last] = b"\x01" * (last - first)

    def mask(self, start: int, end: int) -> None:
        """Hide a span from the clauses but keep it in the instructions (a time the task talks about)."""
        self.s = self.s[:start] + "\x01" * (end - start) + self.s[end:]

    def original(self, start: int, end: int) -> str:
        """The words of the original text behind ``s[start:end]``."""
        if start >= end:
            return ""
        return self.text[self.origin[start][0] : self.origin[end - 1][1]].strip()

    def take(self, pattern: re.Pattern[str], *, most: int = 1, when: bool = True) -> list[re.Match[str]]:
        """Consume every match of ``pattern``; ``when`` False (a keyword it needs is absent) skips the search."""
        if not when:
            return []
        found = list(pattern.finditer(self.s))
        if len(found) > most:
            # the same kind of clause twice: "every monday at 9 and every friday at 5"
            raise _Refuse(*(self.original(*m.span()) for m in found))
        for m in found:
            self.consume(*m.span())
        return found

    def consumed_text(self) -> str:
        return "".join("\x00" if self.used[i] else ch for i, ch in enumerate(self.text))

    def schedule_words(self) -> list[str]:
        """The runs of original text read as the schedule, in order."""
        out: list[str] = []
        i, n = 0, len(self.text)
        while i < n:
            if not self.used[i]:
                i += 1
                continue
            j = i
            while j < n and (self.used[j] or (self.text[j].isspace() and j + 1 < n and self.used[j + 1])):
                j += 1
            words = self.text[i:j].strip(" ,;:.\t\n")
            if words:
                out.append(words)
            i = j
        return out


@dataclass(frozen=True)
class RulesReading:
    """What the rules made of a text: a parse, or the words they could not place."""

    parsed: ParsedDescription | None
    unplaced: list[str]


def parse_with_rules(text: str, *, default_timezone: str | None, now: datetime) -> ParsedDescription | None:
    """Read ``text`` with the rules; None when it needs the LLM. Raises InvalidTimezone for a bad default."""
    return read_with_rules(text, default_timezone=default_timezone, now=now).parsed


def read_with_rules(text: str, *, default_timezone: str | None, now: datetime) -> RulesReading:
    """Read ``text`` with the rules: the parse, or (parsed None) the words that could not be placed."""
    scan = _Scan(text)
    refused = C.REFUSE.search(scan.s)
    if refused:
        end = refused.end()
        while end < len(scan.s) and scan.s[end].isalnum():  # "first mon" -> "first monday"
            end += 1
        return RulesReading(None, [scan.original(refused.start(), end)])
    try:
        return RulesReading(_parse(scan, default_timezone, now), [])
    except _Refuse as exc:
        return RulesReading(None, exc.words)


def _leftovers(scan: _Scan) -> None:
    """Refuse when a word that could change the schedule is left in the instructions."""
    found = [
        *re.finditer(r"(?<=\x00)\s*/\s*[A-Za-z]{2,5}\b", scan.s),  # "9am PT/ET": a second zone
        *C.LEFTOVER.finditer(scan.s),
        *C.SUSPECT.finditer(scan.s),
        *C.SUSPECT_CASE.finditer(scan.s),
        *C.UNKNOWN_ZONE.finditer(scan.s),
    ]
    if found:
        raise _Refuse(*(scan.original(*m.span()) for m in sorted(found, key=lambda m: m.start())))


def _parse(scan: _Scan, default_timezone: str | None, now: datetime) -> ParsedDescription | None:
    assumptions: list[str] = []
    references = list(C.REFERENCE.finditer(scan.s))
    for m in references:
        scan.mask(*m.span())
    # Cheap keyword checks first: a clause whose words are absent is not searched (speed only).
    low = scan.s.lower()
    has = low.__contains__
    line = scan.take(C.CRON_LINE, when=has("*") or sum(ch.isdigit() for ch in low) >= 5)
    macro = scan.take(C.CRON_MACRO, when=has("@"))
    if line or macro:
        return _cron_line(scan, line, macro, default_timezone, now)
    hourly_minute = scan.take(C.HOURLY_MINUTE, when=has("hour"))
    aligned = scan.take(C.ALIGNED_STEP, when=has("min"))
    excluded = scan.take(C.EXCEPT, when=any(map(has, ("except", "but", "exclud", "other than", "apart", "not on"))))
    iso = scan.take(C.ISO_DATE, when=has("-"))
    named = scan.take(C.NAMED_DATE, when=any(map(has, _MONTHS)))
    anchor = scan.take(C.DAY_ANCHOR, when=any(map(has, ("today", "tomorrow", "tonight", "next", "this"))))
    relative = scan.take(C.RELATIVE, when=has("in ") or has("from now"))
    window = scan.take(C.WINDOW, when=has("between") or has("from"))
    hourly_at = scan.take(C.HOURLY_AT, when=has("hour"))
    interval = scan.take(C.INTERVAL, when=has("every") or has("each"))
    hourly = scan.take(C.HOURLY, when=has("hourly"))
    yearly = scan.take(C.YEARLY, when=has("year") or has("annual"))
    dom = scan.take(C.DOM)
    freq = scan.take(C.FREQ)
    days = scan.take(C.DAYS)
    times_m = scan.take(TIME_LIST)
    if references and not times_m:
        raise _Refuse(*(scan.original(*m.span()) for m in references))  # "every day after 3pm": when?
    _take_zones(scan, times_m)
    _leftovers(scan)
    tz_name = _zone_name(scan, default_timezone, assumptions)
    tz = resolve_timezone(tz_name)
    part = _part(anchor, freq, days, times_m)
    times = _times(times_m, part, assumptions)
    if part and not times:
        raise _Refuse(part)  # "every morning", "tomorrow evening": which time?
    # "every 15th of december", "on the 1st of january every year": a date that recurs.
    annual = named if yearly or (named and named[0].group("ev")) else []
    if yearly and not annual:
        raise _Refuse(yearly[0].group(0))
    once = iso or (named if not annual else []) or anchor or relative
    aligned_hourly = hourly_minute + aligned
    recurring = aligned_hourly or hourly_at or interval or hourly or dom or freq or days or annual
    if (once and recurring) or len(once) > 1 or not (once or recurring):
        raise _Refuse(*(m.group(0) for m in [*once, *recurring]))
    if excluded and not (days or freq):
        raise _Refuse(excluded[0].group(0).strip(" ,"))
    schedule: CronSpec | OnceSpec | IntervalSpec
    clock_free = False
    if aligned_hourly:
        if len(aligned_hourly) > 1 or times or window or hourly_at or interval or hourly or annual or once:
            raise _Refuse(*(m.group(0) for m in aligned_hourly))
        minute, hours = _aligned(hourly_minute, aligned)
        doms, months, dows = _days(dom, freq, days, excluded, assumptions)
        schedule = CronSpec(cron=f"{minute} {hours} {doms} {months} {dows}", timezone=tz.key)
    elif window:
        if times or hourly_at or annual or not (interval or hourly):
            raise _Refuse(window[0].group(0))  # "every day between 9 and 5": how often?
        schedule = CronSpec(
            cron=_window_cron(window[0], interval, hourly, dom, freq, days, assumptions, excluded), timezone=tz.key
        )
    elif once:
        schedule, clock_free = _once(iso, named, anchor, relative, times, tz, now, assumptions, part)
    elif (interval or hourly) and (days or excluded) and not (times or dom or annual or hourly_at):
        # "every 30 minutes on weekends", "every hour on weekdays": steps from the top of the hour, on those days
        step = _step_fields(interval, hourly, assumptions)
        doms, months, dows = _days(dom, freq, days, excluded, assumptions)
        schedule = CronSpec(cron=f"{step} {doms} {months} {dows}", timezone=tz.key)
    elif hourly_at or interval or hourly:
        if times or dom or freq or days or annual or excluded or len(hourly_at + interval + hourly) > 1:
            raise _Refuse(*(m.group(0) for m in [*hourly_at, *interval, *hourly]))
        schedule, clock_free = _hourly_or_interval(hourly_at, interval, tz.key, assumptions)
    else:
        schedule = CronSpec(cron=_cron(dom, freq, days, annual, times, assumptions, excluded), timezone=tz.key)
    if not clock_free:
        _note_default_zone(scan, default_timezone, tz.key, assumptions)
    return _result(scan, schedule, assumptions)


def _result(scan: _Scan, schedule: CronSpec | OnceSpec | IntervalSpec, assumptions: list[str]) -> ParsedDescription:
    instructions = instructions_from(scan.text, scan.consumed_text())
    if breaks_sentence(scan.text, scan.consumed_text()):
        instructions = scan.text.strip()
        assumptions.append("the schedule words sit inside the sentence: the instructions are your text as written")
    return ParsedDescription(
        text=scan.text,
        schedule=schedule,
        instructions=instructions,
        name=name_from(instructions) if instructions else "Scheduled task",
        parser="rules",
        assumptions=assumptions,
        schedule_words=scan.schedule_words(),
    )


def _cron_line(
    scan: _Scan, line: list[re.Match[str]], macro: list[re.Match[str]], default_timezone: str | None, now: datetime
) -> ParsedDescription:
    if line and macro:
        raise _Refuse(line[0].group(0), macro[0].group(0))
    _take_zones(scan, [])
    _leftovers(scan)
    assumptions: list[str] = []
    tz = resolve_timezone(_zone_name(scan, default_timezone, assumptions))
    expr = line[0].group("expr") if line else "@" + macro[0].group("m").lower()
    spec = CronSpec(cron=expr, timezone=tz.key)
    try:
        compile_schedule(spec, anchor=now, now=now)
    except InvalidCron:
        raise _Refuse(expr) from None
    _note_default_zone(scan, default_timezone, tz.key, assumptions)
    assumptions.append(f"'{expr}' read as a cron line (minute hour day-of-month month day-of-week)")
    return _result(scan, spec, assumptions)


def _step_fields(interval: list[re.Match[str]], hourly: list[re.Match[str]], assumptions: list[str]) -> str:
    """Minute and hour fields of an interval that divides the hour or the day, counted from midnight."""
    if len(interval + hourly) != 1:
        raise _Refuse(*(m.group(0) for m in interval + hourly))
    seconds = _interval_seconds(interval[0]) if interval else 3600
    if seconds % 60 == 0 and seconds < 3600 and 3600 % seconds == 0:
        fields = f"*/{seconds // 60} *"
    elif seconds % 3600 == 0 and seconds < 86400 and 86400 % seconds == 0:
        fields = "0 *" if seconds == 3600 else f"0 */{seconds // 3600}"
    else:
        raise _Refuse((interval or hourly)[0].group(0))
    said = (interval or hourly)[0].group(0)
    assumptions.append(f"'{said}' on chosen days read as on the clock (from the top of the hour), not from creation")
    return fields


def _aligned(hourly_minute: list[re.Match[str]], aligned: list[re.Match[str]]) -> tuple[str, str]:
    """The minute and hour fields of "every hour on the half hour", "At every 5th minute" and their kin."""
    if aligned:
        m = aligned[0]
        step = number(m.group("n") or m.group("n2"))
        if not 1 <= step < 60 or 60 % step:
            raise _Refuse(m.group(0))  # "every 7th minute" does not come back to the top of the hour
        return (f"*/{step}" if step > 1 else "*"), "*"
    m = hourly_minute[0]
    g = {k: v for k, v in m.groupdict().items() if v}
    hours = "*"
    if "c_n" in g:
        step = int(g["c_n"])
        if not 1 <= step <= 23:
            raise _Refuse(m.group(0))
        hours = f"*/{step}" if step > 1 else "*"
    if g.keys() & {"a_half", "b_half", "e_half"}:
        minute = 30
    elif g.keys() & {"a_q", "b_q", "e_q"}:
        minute = 15
    elif g.keys() & {"a_q3", "b_q3"}:
        minute = 45
    else:
        digits = g.get("a_m") or g.get("a_m3") or g.get("b_m") or g.get("b_m2") or g.get("c_m") or g.get("e_m")
        minute = int(digits) if digits else 0
    if minute > 59:
        raise _Refuse(m.group(0))
    return str(minute), hours


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
        raise _Refuse(*sorted(parts))  # "every morning at 9 in the evening"
    return parts.pop() if parts else None


# -- timezones -------------------------------------------------------------------------


_NOT_THE_SCHEDULE = frozenset({"to", "into", "from", "convert", "converted"})
_UNSURE_ZONE = frozenset({"with", "than", "vs", "versus", "and", "or"})  # "compare with New York time": whose?
# Classic abbreviations people type in lower case too ("9 pst"); the others only in capitals ("EAT" vs "eat").
_LOWER_OK = frozenset({"pst", "pdt", "est", "edt", "cst", "cdt", "mst", "mdt", "utc", "gmt", "cet", "cest", "bst"})


def _take_zones(scan: _Scan, times_m: list[re.Match[str]]) -> None:
    for m in list(C.IANA.finditer(scan.s)) if "/" in scan.s else []:
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
            phrase = " ".join(w.group(0) for w in words[-k:])
            reading = _place(phrase, strict=False)
            if reading is None:
                continue
            start = before.start() if k == len(words) else before.start(1) + words[-k].start()
            prior = words[-k - 1].group(0) if k < len(words) else _word_before(scan.s, before.start(1))
            if prior.lower() in _UNSURE_ZONE:
                raise _Refuse(scan.original(before.start(1) + words[-k].start(), m.end()))
            if prior.lower() in _NOT_THE_SCHEDULE:
                # "convert the report to Tokyo time": the task's words, not the schedule's zone
                scan.mask(before.start(1) + words[-k].start(), m.end())
                break
            # With every word a place, take the "in "/", " before it too; and ")" after "(Central Time".
            end = m.end()
            if "(" in scan.s[start : before.start(1)] and scan.s[end : end + 1] == ")":
                end += 1
            scan.consume(start, end)
            scan.zones.append(reading)
            break
    low = scan.s.lower()
    for m in list(C.OFFSET.finditer(scan.s)) if ("utc" in low or "gmt" in low) else []:
        reading = offset_reading(m.group("z"), m.group("sign"), m.group("h"), m.group("m"))
        if reading is None:
            raise _Refuse(m.group(0))  # "UTC+05:30", "UTC+15": no IANA name says it
        scan.consume(*m.span())
        scan.zones.append(reading)
    for m in list(C.LOCAL_TIME.finditer(scan.s)) if ("local" in low or "my time" in low) else []:
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
        said_in = re.match(r"\s*,?\s*in\s+([A-Z][\w-]*)", scan.s[t.end() :])
        unknown_place = (
            said_in is not None
            and said_in.group(1).lower() not in C.LANGUAGES
            and _place(said_in.group(1), strict=True) is None
            and not any(_place(" ".join(p.group(0) for p in parts[:k]), strict=True) for k in range(len(parts), 1, -1))
        )
        if unknown_place and said_in is not None:
            raise _Refuse(f"in {said_in.group(1)}")  # "at 9am in Portland": a place we cannot place
        for k in range(len(parts), 0, -1):
            phrase = " ".join(p.group(0) for p in parts[:k])
            if phrase.lower() in SPLIT_PLACES:
                raise _Refuse(phrase)  # "9am in Texas": two zones
            reading = _place(phrase, strict=True)
            if reading is not None:
                end = after.start(1) + parts[k - 1].end()
                if scan.s[end : end + 1] == ")":
                    end += 1
                country = re.match(r"\s*,\s*([A-Z][A-Za-z]+(?:\s+[A-Z][A-Za-z]+)?)\b", scan.s[end:])
                if country and place_zone(country.group(1)) == reading.name:  # "in London, UK"
                    end += country.end()
                scan.consume(t.end(), end)
                scan.zones.append(reading)
                break


def _word_before(s: str, index: int) -> str:
    m = re.search(r"(\w+)\W*$", s[:index])
    return m.group(1) if m else ""


def _place(phrase: str, *, strict: bool) -> ZoneReading | None:
    if phrase.isalpha() and len(phrase) <= 4 and (phrase.isupper() or phrase.lower() in _LOWER_OK):
        reading = abbreviation_reading(phrase)
        if reading is not None:
            return reading
    key = phrase.lower()
    if key in SPLIT_PLACES:
        raise _Refuse(phrase)  # "Texas time", "US time": more than one zone
    if strict and key in C.NOT_PLACES:
        return None
    name = place_zone(phrase, before_time=not strict)
    return ZoneReading(name, f"'{phrase}' read as {name}") if name else None


def _zone_name(scan: _Scan, default: str | None, assumptions: list[str]) -> str:
    names = {z.name for z in scan.zones}
    if len(names) > 1:
        raise _Refuse(*sorted(names))  # two different zones named
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
        raise _Refuse(m.group(0))
    for t in parsed:
        if t.assumption:
            assumptions.append(t.assumption)
    return parsed
