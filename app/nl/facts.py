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
from app.nl.once import unit_seconds
from app.nl.recurring import _day_number, _interval_seconds, _range_list
from app.nl.times import _SPLIT as _TIME_SPLIT
from app.nl.times import TIME_LIST, number, parse_time
from app.nl.zones import SPLIT_PLACES, place_zone

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


_ADJ = r"(?:the|a|an|my|our|your|their|this|that|its|his|her)"
# "the quarterly report", "our daily standup": adjectives, not a schedule.
_ADJECTIVE_USE = re.compile(
    r"\b" + _ADJ + r"\s+(?:daily|weekly|monthly|quarterly|yearly|annual|hourly|nightly|morning|evening|afternoon"
    r"|night|midday|noon|weekend|weekday|lunch|dinner|breakfast)\b",
    re.IGNORECASE,
)
_HOURS = {
    "morning": set(range(5, 12)), "afternoon": set(range(12, 18)), "evening": set(range(17, 23)),
    "night": {*range(19, 24), *range(0, 6)}, "tonight": set(range(17, 24)), "lunch": set(range(11, 15)),
    "dawn": set(range(4, 9)), "dusk": set(range(16, 22)), "after work": set(range(16, 22)),
    "close of business": set(range(16, 20)), "end of day": set(range(16, 24)),
    "business hours": set(range(7, 19)), "breakfast": set(range(6, 11)), "dinner": set(range(17, 23)),
}  # fmt: skip
_PART_ALIASES = {
    "sunrise": "dawn", "daybreak": "dawn", "sunset": "dusk", "nightly": "night", "cob": "close of business",
    "eod": "end of day", "supper": "dinner", "lunchtime": "lunch", "lunch time": "lunch",
}  # fmt: skip
_PART_WORDS = re.compile(
    r"(?:\b(?:in|during|through|throughout|over)\s+the\s+|(?<!\bthe )(?<!\ba )(?<!\bmy )(?<!\bour )(?<!\byour )\b)"
    r"(?P<w>mornings?|afternoons?|evenings?|nights?|nightly|tonight|lunch\s?time|lunch|dawn|sunrise|daybreak|dusk"
    r"|sunset|after\s+work|close\s+of\s+business|cob|eod|end\s+of\s+(?:the\s+)?(?:business\s+)?day"
    r"|(?:business|office|working|work)\s+hours|breakfast|dinner|supper)\b(?!')",
    re.IGNORECASE,
)
_PERIOD_WORDS = re.compile(
    r"(?<!\bthe )(?<!\ba )(?<!\bmy )(?<!\bour )(?<!\byour )\b"
    r"(?:(?P<hour>hourly|every\s+hour|each\s+hour|an\s+hour|per\s+hour)"
    r"|(?P<day>daily|every\s?day|each\s+day|nightly|a\s+day|per\s+day)"
    r"|(?P<week>weekly|every\s+week|each\s+week|a\s+week)"
    r"|(?P<month>monthly|every\s+month|each\s+month|a\s+month)"
    r"|(?P<year>yearly|annually|every\s+year|each\s+year|a\s+year))\b(?!')",
    re.IGNORECASE,
)
_ONE_TIME = re.compile(
    r"\b(?:today|tomorrow|tonight|tmrw|soon|asap|in\s+a\s+(?:bit|while|moment|minute|sec)|later(?:\s+today|\s+on)?"
    r"|next\s+(?:week|month|year|mon|tue|wed|thu|fri|sat|sun)\w*|this\s+(?:mon|tue|wed|thu|fri|sat|sun)\w*"
    r"|(?:the\s+)?day\s+after\s+tomorrow|\d{4}-\d{2}-\d{2})\b(?!')",
    re.IGNORECASE,
)
# What no cron line or interval can keep: a bound, a condition, a moving date.
_CANNOT = re.compile(
    r"\b(?:until|(?<!\bthe )till|for\s+the\s+(?:next|following|coming)"
    r"|for\s+(?:an?|one|two|three|\d+)\s+(?:hours?|days?|weeks?|months?)"
    r"|holidays?|full\s+moon|new\s+moon|unless|only\s+if|if\s+it|when\s+it|while|starting|beginning|from\s+(?:next|tomorrow)"
    r"|after\s+(?:that|which)|easter|thanksgiving|last\s+(?:day|week(?:day)?|mon|tue|wed|thu|fri|sat|sun)\w*"
    r"|end\s+of\s+(?:the\s+|each\s+|every\s+)?(?:month|quarter|year))\b",
    re.IGNORECASE,
)
_HALF_HOUR = re.compile(
    r"\bhalf\s+(?P<h>one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|\d{1,2})\b"
    r"(?!\s*(?:past|an?\s+hour|hours?))",
    re.IGNORECASE,
)
_PER = re.compile(
    r"\b(?P<n>once|twice|thrice|two|three|four|five|six|\d+)\s+(?:times\s+)?(?:an?|per|each|every)\s+(?P<u>hour|day|week)\b",
    re.IGNORECASE,
)
_EVERY_N = re.compile(
    r"\b(?:every|each)\s+(?P<n>other|second|\d+|two|three|four|five|six|seven|eight|nine|ten|twelve)\s+"
    r"(?P<u>day|week|month|year)s?\b",
    re.IGNORECASE,
)
_IMPOSSIBLE_CLOCK = re.compile(r"(?:2[4-9]|[3-9]\d):\d{2}|\d{1,2}:[6-9]\d|(?:1[3-9]|2\d)\s*[ap]\.?m\.?", re.IGNORECASE)
# Words that say which day(s); a clock time alone ("at 9am check mail") does not.
_WHEN = re.compile(
    r"\b(?:every|each|daily|weekly|monthly|yearly|annually|hourly|nightly|quarterly|once|twice|thrice|today|tonight"
    r"|tomorrow|tmrw|weekends?|weekdays?|workdays?|(?:mon|tues|wednes|thurs|fri|satur|sun)days?"
    r"|mon|tue|tues|wed|thu|thurs|fri|sat|sun|next|this|mornings|evenings|nights|\d{1,2}(?:st|nd|rd|th)"
    r"|jan\w*|feb\w*|mar(?:ch)?|apr\w*|may|june?|july?|aug\w*|sep\w*|oct\w*|nov\w*|dec\w*|\d{4}-\d{2}-\d{2}"
    r"|in\s+\d+|from\s+now|christmas|easter|new\s+year|fortnight\w*|bi-?weekly|bi-?monthly|semi-?\w+|times"
    r"|biannual\w*|hour|minute|second|sunday|per)\b",
    re.IGNORECASE,
)
_UNKNOWN_ZONE = re.compile(r"\b(?P<p>[A-Z][a-z]+)\s+time\b(?!\s?zone)")
_ZONEISH = re.compile(
    r"\b[A-Z][a-z]+\s+time\b|\btime\s?zone\b|\b(?:utc|gmt|zulu)\b|\b[A-Z]{2,4}T\b|\w/\w|\bin\s+[A-Z][a-z]+"
    r"|\b(?:local|my)\s+time\b",
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
    parts: list[tuple[str, set[int]]] = field(default_factory=list)  # ("lunch", {11..14})
    periods: set[str] = field(default_factory=set)  # "hour", "day", "week", "month", "year"
    one_time: str = ""  # the words that make it happen once ("tomorrow")
    cannot: str = ""  # words no cron line or interval can keep ("until", "holidays")
    zone_words: bool = False  # the text names or hints at a zone
    unknown_zone: str = ""  # a zone named that the rules cannot place ("Mordor time", "in Indiana")
    per: tuple[int, str] | None = None  # "twice an hour" -> (2, "hour")
    every_n: tuple[int, str] | None = None  # "every other week" -> (2, "week"), "every 3 months" -> (3, "month")
    bad_clock: str = ""  # a time that does not exist ("25:00", "13pm")
    zones_named: int = 0  # how many different zones the text names
    when_words: bool = False  # any word that says which day(s): a period, a weekday, a date, "tomorrow"...

    @property
    def empty(self) -> bool:
        return not (self.clocks or self.weekdays or self.days_of_month or self.interval_seconds or self.zone)


def looks_like_schedule(text: str) -> bool:
    """Whether the text has any word that can say when; "make me a sandwich" has none."""
    return SCHEDULE_WORD.search(_ADJECTIVE_USE.sub(" ", text)) is not None


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
            elif _IMPOSSIBLE_CLOCK.fullmatch(" ".join(piece.split())):
                facts.bad_clock = piece.strip()
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
    for m in _HALF_HOUR.finditer(scan.s):  # British "half nine" is 09:30
        h = number(m.group("h")) % 12
        facts.clocks.append(ClockFact(m.group(0), 30, frozenset({h, h + 12})))
    for m in _PART_WORDS.finditer(scan.s):
        word = " ".join(m.group("w").lower().split()).rstrip("s") if m.group("w").lower() != "business hours" else ""
        key = next((k for k in _HOURS if word.startswith(k) or k in word), None)
        key = key or _PART_ALIASES.get(word)
        if "hours" in m.group("w").lower():
            key = "business hours"
        if key:
            facts.parts.append((m.group("w"), _HOURS[key]))
    for m in _PERIOD_WORDS.finditer(scan.s):
        facts.periods.update(k for k, v in m.groupdict().items() if v)
    every_n = _EVERY_N.search(text)
    if every_n:
        n = every_n.group("n").lower()
        facts.every_n = (2 if n in {"other", "second"} else number(n), every_n.group("u").lower())
    facts.when_words = bool(_WHEN.search(text))
    per = _PER.search(text)
    if per:
        count = per.group("n").lower()
        value = {"twice": 2, "thrice": 3, "once": 1}.get(count) or number(count)
        facts.per = (value, per.group("u").lower())
    unknown = _UNKNOWN_ZONE.search(scan.s)
    if unknown and not place_zone(unknown.group("p"), before_time=True):
        facts.unknown_zone = unknown.group(0)
    for m in re.finditer(r"\bin\s+(?P<p>[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)", text):
        if m.group("p").lower() in SPLIT_PLACES:
            facts.unknown_zone = m.group(0)
    one = _ONE_TIME.search(text)
    facts.one_time = one.group(0) if one else ""
    cannot = _CANNOT.search(text)
    facts.cannot = cannot.group(0) if cannot else ""
    facts.zone_words = bool(_ZONEISH.search(text)) or _names_place(text)
    try:
        _take_zones(scan, times_m)
    except Refuse:
        return facts
    names = {z.name for z in scan.zones}
    facts.zones_named = len(names)
    if len(names) == 1:
        facts.zone = names.pop()
    return facts


def _clock(piece: str) -> ClockFact | None:
    raw = " ".join(piece.split())
    t = parse_time(raw)
    if t is None:
        bare = re.fullmatch(r"(?:at\s+)?(\d{1,2})(?:[:.]([0-5]\d))?", raw)
        if bare and 1 <= int(bare.group(1)) <= 12:  # "at 5", "at 2:30": either half of the day, minute known
            h = int(bare.group(1)) % 12
            return ClockFact(raw, int(bare.group(2) or 0), frozenset({h, h + 12}))
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


def _names_place(text: str) -> bool:
    words = re.findall(r"[A-Za-z]+", text)
    for i, w in enumerate(words[1:], start=1):  # a capitalized place inside the sentence ("in Madrid")
        if not w[0].isupper() or w.lower() in C.NOT_PLACES:
            continue
        if place_zone(w) or (i + 1 < len(words) and place_zone(f"{w} {words[i + 1]}")):
            return True
    return False
