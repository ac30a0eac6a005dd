"""What the rules can tell for certain about a text, even when they cannot read all of it.

The LLM's schedule is checked against these facts: clock times (with their
minutes; a 12-hour reading keeps both halves of the day when the text does not
say which), weekdays (exclusions taken out), days of the month, the interval,
the zone, and a relative delay. Each fact is collected only where its clause is
unambiguous; anything unsure is left out, so a check never rejects a right
answer for a wrong reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta

from app.nl import clauses as C
from app.nl.clauses import Refuse
from app.nl.recurring import _day_number, _interval_seconds, _range_list
from app.nl.times import _SPLIT as _TIME_SPLIT
from app.nl.times import TIME_LIST, number, parse_time

_CLOCKISH = re.compile(r"[ap]\.?m\.?|noon|midnight|midday|\d:\d{2}", re.IGNORECASE)
# Anything that can say "when": without one of these, a text is not a schedule ("make me a sandwich").
SCHEDULE_WORD = re.compile(
    r"\d|\b(?:every|each|daily|weekly|monthly|yearly|annually|hourly|nightly|quarterly|fortnight\w*|bi-?weekly"
    r"|once|twice|thrice|times|today|tonight|tomorrow|tmrw|yesterday|morning|afternoon|evening|night|noon|midnight"
    r"|midday|dawn|dusk|sunrise|sunset|lunch\w*|weekends?|weekdays?|workdays?|(?:mon|tues|wednes|thurs|fri|satur|sun)days?"
    r"|mon|tue|wed|thu|fri|sat|sun|jan\w*|feb\w*|mar\w*|apr\w*|may|june?|july?|aug\w*|sep\w*|oct\w*|nov\w*|dec\w*"
    r"|christmas|easter|hour|minute|second|day|week|month|year|quarter|o'?clock|am|pm|next|later|soon|asap|now"
    r"|before|after|until|till|since|during|cron|schedule\w*|remind\w*|at|in|on|every\w*|evry|daliy)\b|@",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ClockFact:
    """A clock time the text says: its minute and the hours it can mean ("7:45" is 07:45 or 19:45)."""

    said: str
    minute: int
    hours: frozenset[int]


@dataclass
class Facts:
    clocks: list[ClockFact] = field(default_factory=list)
    weekdays: set[int] | None = None  # cron numbering, Sunday 0
    days_of_month: set[int] | None = None
    interval_seconds: int | None = None
    zone: str | None = None
    delay: timedelta | None = None  # "in 90 minutes"
    said_weekdays: str = ""
    said_days: str = ""
    said_interval: str = ""

    @property
    def empty(self) -> bool:
        return not (self.clocks or self.weekdays or self.days_of_month or self.interval_seconds or self.zone)


def looks_like_schedule(text: str) -> bool:
    """Whether the text has any word that can say when; "make me a sandwich" has none."""
    return SCHEDULE_WORD.search(text) is not None


def facts_of(text: str) -> Facts:
    """The facts the rules are certain of in ``text``."""
    from app.nl.rules import _Scan, _take_zones  # the same scanner; imported late (rules imports this module)

    facts = Facts()
    scan = _Scan(text)
    for m in C.REFERENCE.finditer(scan.s):
        scan.mask(*m.span())
    for m in C.RELATIVE.finditer(scan.s):
        if m.group("half"):
            facts.delay = timedelta(minutes=30)
        else:
            from app.nl.once import unit_seconds

            facts.delay = timedelta(
                seconds=number(m.group("n") or m.group("n2")) * unit_seconds(m.group("u") or m.group("u2"))
            )
    for m in C.WINDOW.finditer(scan.s):  # "between 9am and 5pm" bounds the fires; it is not their times
        scan.consume(*m.span())
    times_m = list(TIME_LIST.finditer(scan.s))
    for m in times_m:
        for piece in _TIME_SPLIT.split((m.group("a") or m.group("b")).strip()):
            fact = _clock(piece)
            if fact is not None:
                facts.clocks.append(fact)
    excluded: set[int] = set()
    for m in C.EXCEPT.finditer(scan.s):
        excluded |= _days_in(_range_list_safe(m.group("list")))
        scan.consume(*m.span())
    days = [m for m in C.DAYS.finditer(scan.s) if _recurring_days(m)]
    if len(days) == 1:
        found = _days_in(days[0].group("list"))
        if found:
            facts.weekdays = found - excluded
            facts.said_weekdays = days[0].group(0).strip()
    elif not days and excluded and C.FREQ.search(scan.s):
        facts.weekdays = set(range(7)) - excluded
        facts.said_weekdays = "every day except " + ", ".join(str(d) for d in sorted(excluded))
    doms = [m for m in C.DOM.finditer(scan.s) if m.group("lead") or m.group("suffix")]
    if len(doms) == 1:
        values = {int(re.sub(r"\D", "", p)) for p in C.DOM_SPLIT.split(doms[0].group("list")) if re.sub(r"\D", "", p)}
        if values and all(1 <= v <= 31 for v in values):
            facts.days_of_month = values
            facts.said_days = doms[0].group(0).strip()
    intervals = list(C.INTERVAL.finditer(scan.s))
    if len(intervals) == 1:
        facts.interval_seconds = _interval_seconds(intervals[0])
        facts.said_interval = intervals[0].group(0)
    try:
        _take_zones(scan, times_m)
    except Refuse:
        return facts
    names = {z.name for z in scan.zones}
    if len(names) == 1:
        facts.zone = names.pop()
    return facts


def _clock(piece: str) -> ClockFact | None:
    raw = " ".join(piece.split())
    t = parse_time(raw)
    if t is None:
        bare = re.fullmatch(r"(?:at\s+)?(\d{1,2})", raw)
        if bare and 1 <= int(bare.group(1)) <= 12:  # "at 5": 05:00 or 17:00, either way on the hour
            h = int(bare.group(1)) % 12
            return ClockFact(raw, 0, frozenset({h, h + 12}))
        return None
    explicit = _CLOCKISH.search(raw) and (
        re.search(r"[ap]\.?m|noon|midnight|midday", raw, re.IGNORECASE) or t.hour >= 13 or raw.startswith("0")
    )
    if explicit or (t.hour == 0 and "midnight" in raw.lower()):
        return ClockFact(raw, t.minute, frozenset({t.hour}))
    h = t.hour % 12
    return ClockFact(raw, t.minute, frozenset({h, h + 12}))


def _recurring_days(m: re.Match[str]) -> bool:
    lead = (m.group("lead") or "").lower()
    text = m.group("list")
    plural = any(w.lower().endswith("s") and not w.lower().endswith(("tues", "thurs")) for w in text.split())
    return lead in {"every", "each", "on", "from"} or plural or len(C.DAY_SPLIT.split(text)) >= 2


def _range_list_safe(text: str) -> str:
    try:
        return _range_list(text)
    except Refuse:
        return ""


def _days_in(text: str) -> set[int]:
    out: set[int] = set()
    for part in C.DAY_SPLIT.split(_range_list_safe(text) if text else ""):
        if not part.strip():
            continue
        try:
            out.update(_day_number(part.strip()))
        except Refuse:
            return set()
    return out
