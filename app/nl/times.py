"""Clock times and counts as people write them: 9am, 9:30 pm, 17:45, noon, nine, half past nine, "at 9".

Each reading returns the (hour, minute) and, when the text did not say it outright,
the assumption to show the user ("'9' read as 09:00"). A part of the day said next
to the time ("9 in the evening", "tonight at 8", "every morning at 7") decides the
12-hour reading of a bare hour, and must agree with an explicit one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
    "forty-five": 45,
    "sixty": 60,
    "ninety": 90,
}
NUMBER = r"(?:\d{1,4}|" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + ")"
HOUR_WORDS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve")
HOUR_WORD = r"(?:" + "|".join(sorted(HOUR_WORDS, key=len, reverse=True)) + ")"
# Words that would continue a spelled time ("nine thirty", "10 to 9", "9 30"): never a bare hour then.
_NUMBER_ON = (
    r"(?:" + HOUR_WORD + r"|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty"
    r"|fifty|oh|o|hundred|past|before|after|of|and\s+a\s+half)\b|\d"
)

UNIT_SECONDS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400, "week": 7 * 86400}
UNIT = r"(?:seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|weeks?)"

# One clock time. Bare numbers ("9") only count after "at"; see TIME_LIST.
_AMPM = r"(?:a\.?m\.?|p\.?m\.?)(?![a-z])"
_REL_BASE = r"(?:noon|midnight|\d{1,2}(?![\d:]|\.\d)|" + HOUR_WORD + r")"


def _atom(more: str) -> str:
    """One clock time; a bare hour must not be followed by ``more`` ("nine thirty", "9 30", "10 to 9")."""
    bare_end = r"(?![\w:\-–/]|\.\d|\s+[ap]\.?\s+m\b|\s+(?:" + more + r")|\s*(?:%|" + UNIT + r"\b))"
    return (
        r"(?:(?:a\s+)?(?:half|quarter)\s+(?:past|to)\s+"
        + _REL_BASE
        + r"(?:\s*"
        + _AMPM
        + r")?"
        + bare_end
        + r"|noon|midday|midnight"
        r"|\d{1,2}(?:[:.]\d{2})?\s*" + _AMPM + r"|\d{1,2}:\d{2}(?!\s*" + _AMPM + r")(?![\d:]|\.\d)"
        r"|"
        + HOUR_WORD
        + r"(?:\s*"
        + _AMPM
        + r"|\s*o'?clock)?"
        + bare_end
        + r"|\d{1,2}(?:\s*o'?clock)?(?![\d:]|\.\d|\s*(?:st\b|nd\b|rd\b|th\b))"
        + bare_end
        + ")"
    )


ATOM = _atom(_NUMBER_ON + r"|(?:to|till|til|until)\b")
# The start of a window, "from 9 to 17": "to" ends it.
WINDOW_ATOM = _atom(_NUMBER_ON)
_SEP = r"\s*(?:,\s*(?:and\s+)?|and\s+|&\s*)(?:at\s+)?"
# The part of the day said right after the time: "at 9 in the evening", "at 10 at night".
_PART_AFTER = r"(?:\s*,?\s*(?:in\s+the\s+(?P<part>morning|afternoon|evening)|at\s+(?P<night>night))\b)?"
# "at 9 and 17", "at 9am, 1pm and 5pm", "9:30pm", "at noon", "at half past nine in the morning".
TIME_LIST = re.compile(
    r"(?:(?:\bat\s+|@\s*)(?P<a>" + ATOM + r"(?:" + _SEP + ATOM + r")*)"
    r"|(?<![\w:.])(?P<b>(?:noon|midday|midnight|\d{1,2}(?:[:.]\d{2})?\s*" + _AMPM + r"|\d{1,2}:\d{2}(?![\d:]|\.\d))"
    r"(?:" + _SEP + ATOM + r")*))" + _PART_AFTER,
    re.IGNORECASE,
)
_ATOM_RE = re.compile(
    r"(?:(?:a\s+)?(?P<rel>half|quarter)\s+(?P<dir>past|to)\s+)?"
    r"(?:(?P<word>noon|midday|midnight)|(?P<hw>" + HOUR_WORD + r")|(?P<h>\d{1,2})(?:[:.](?P<m>\d{2}))?)"
    r"\s*(?:(?P<ap>[ap])\.?m\.?)?(?:\s*o'?clock)?",
    re.IGNORECASE,
)
_SPLIT = re.compile(_SEP, re.IGNORECASE)

# Hours a part of the day allows once read (the bare hours it turns into the afternoon).
_PART_HOURS: dict[str, tuple[frozenset[int], range, int]] = {
    "morning": (frozenset(range(1, 12)), range(1, 12), 0),
    "afternoon": (frozenset(range(12, 19)), range(1, 7), 12),
    "evening": (frozenset(range(17, 24)), range(5, 12), 12),
    "tonight": (frozenset(range(17, 24)), range(5, 12), 12),
    "night": (frozenset([*range(19, 24), *range(0, 6)]), range(7, 12), 12),
}


@dataclass(frozen=True)
class ClockTime:
    hour: int
    minute: int
    assumption: str | None = None


def number(word: str) -> int:
    """The value of a digit string or a number word from NUMBER."""
    return int(word) if word.isdigit() else NUMBER_WORDS[word.lower()]


def parse_time_list(text: str, part: str | None = None) -> list[ClockTime] | None:
    """The clock times in a TIME_LIST match, or None when one is not a real or unambiguous time."""
    out: list[ClockTime] = []
    for piece in _SPLIT.split(text.strip()):
        one = parse_time(piece, part)
        if one is None:
            return None
        out.append(one)
    return out


def parse_time(text: str, part: str | None = None) -> ClockTime | None:
    """One clock time; None for impossible ("13pm", "25:00") or ambiguous ("at 5") times.

    ``part`` ("morning", "afternoon", "evening", "tonight", "night") is the part of the day
    said with it: it reads a bare "9" as 21:00 in the evening, and refuses a time outside it.
    """
    raw = " ".join(text.split())
    m = _ATOM_RE.fullmatch(raw)
    if m is None:
        return None
    word = (m.group("word") or "").lower()
    ap = (m.group("ap") or "").lower()
    if word:
        if ap or (part and not (word == "midnight" and part == "night")):
            return None  # "midnight in the evening", "noon pm": say it plainly ("every night at midnight" is)
        base = ClockTime(0, 0) if word == "midnight" else ClockTime(12, 0)
        return _relative(base, m, raw)
    hour = HOUR_WORDS.index(m.group("hw").lower()) + 1 if m.group("hw") else int(m.group("h"))
    minute = int(m.group("m") or 0)
    if minute > 59 or (m.group("rel") and m.group("m")):
        return None
    if ap:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if ap == "p" else 0)
        if part and hour not in _PART_HOURS[part][0]:
            return None  # "9am in the evening"
        return _relative(ClockTime(hour, minute), m, raw)
    if hour > 23:
        return None
    explicit_24h = m.group("m") is not None and (hour >= 13 or hour == 0 or m.group("h").startswith("0"))
    if explicit_24h or hour >= 13:
        # "17:45" and "09:30" are plainly 24-hour ("17" after "at" too); "5:30" might mean the afternoon.
        if part and hour not in _PART_HOURS[part][0]:
            return None
        if m.group("m") is None and part is None:
            return _relative(ClockTime(hour, minute, f"'{raw}' read as {hour:02d}:00"), m, raw)
        return _relative(ClockTime(hour, minute), m, raw)
    if part is not None:
        allowed, bare, shift = _PART_HOURS[part]
        if hour not in bare:
            return None  # "12 in the evening", "2 at night": which day, or which half?
        hour = hour % 12 + shift
        if hour not in allowed:
            return None
        said = (
            f"tonight at {raw}"
            if part == "tonight"
            else f"{raw} at night"
            if part == "night"
            else f"{raw} in the {part}"
        )
        return _relative(ClockTime(hour, minute, f"'{said}' read as {hour:02d}:{minute:02d}"), m, raw)
    spelled = f"{hour:02d}:{minute:02d}"
    if m.group("m") is not None:
        if 1 <= hour <= 6:
            return None  # "at 2:30" is as likely 14:30 as 02:30: let the LLM ask
        return ClockTime(hour, minute, f"'{raw}' read as {spelled} (24-hour clock)")
    if 1 <= hour <= 6 or hour == 0:
        return None  # "at 5" is as likely 17:00 as 05:00: let the LLM ask
    return _relative(ClockTime(hour, minute, f"'{raw}' read as {spelled}"), m, raw)


def _relative(base: ClockTime, m: re.Match[str], raw: str) -> ClockTime:
    """``base`` moved by "half past" / "quarter past" / "quarter to"; the reading is reported."""
    rel = (m.group("rel") or "").lower()
    if not rel:
        return base
    offset = 30 if rel == "half" else 15
    total = (base.hour * 60 + base.minute + (offset if m.group("dir").lower() == "past" else -offset)) % 1440
    hour, minute = divmod(total, 60)
    return ClockTime(hour, minute, f"'{raw}' read as {hour:02d}:{minute:02d}")
