"""Clock times and counts as people write them: 9am, 9:30 pm, 17:45, noon, midnight, "at 9", "two".

Each reading returns the (hour, minute) and, when the text did not say it outright,
the assumption to show the user ("'9' read as 09:00").
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

UNIT_SECONDS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400, "week": 7 * 86400}
UNIT = r"(?:seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|weeks?)"

# One clock time. Bare numbers ("9") only count after "at"; see TIME_LIST.
_AMPM = r"(?:a\.?m\.?|p\.?m\.?)(?![a-z])"
ATOM = (
    r"(?:noon|midday|midnight"
    r"|\d{1,2}(?:[:.]\d{2})?\s*" + _AMPM + r"|\d{1,2}:\d{2}(?!\s*" + _AMPM + r")"
    r"|\d{1,2}(?:\s*o'?clock)?(?![\d:.]|\s*(?:%|" + UNIT + r"\b|st\b|nd\b|rd\b|th\b)))"
)
_SEP = r"\s*(?:,\s*(?:and\s+)?|and\s+|&\s*)(?:at\s+)?"
# "at 9 and 17", "at 9am, 1pm and 5pm", "9:30pm", "at noon".
TIME_LIST = re.compile(
    r"(?:\bat\s+|@\s*)(?P<a>" + ATOM + r"(?:" + _SEP + ATOM + r")*)"
    r"|(?<![\w:.])(?P<b>(?:noon|midday|midnight|\d{1,2}(?:[:.]\d{2})?\s*" + _AMPM + r"|\d{1,2}:\d{2})"
    r"(?:" + _SEP + ATOM + r")*)",
    re.IGNORECASE,
)
_ATOM_RE = re.compile(
    r"(?P<word>noon|midday|midnight)"
    r"|(?P<h>\d{1,2})(?:[:.](?P<m>\d{2}))?\s*(?P<ap>[ap])?\.?m?\.?(?:\s*o'?clock)?",
    re.IGNORECASE,
)
_SPLIT = re.compile(_SEP, re.IGNORECASE)


@dataclass(frozen=True)
class ClockTime:
    hour: int
    minute: int
    assumption: str | None = None


def number(word: str) -> int:
    """The value of a digit string or a number word from NUMBER."""
    return int(word) if word.isdigit() else NUMBER_WORDS[word.lower()]


def parse_time_list(text: str) -> list[ClockTime] | None:
    """The clock times in a TIME_LIST match, or None when one is not a real or unambiguous time."""
    out: list[ClockTime] = []
    for part in _SPLIT.split(text.strip()):
        one = parse_time(part)
        if one is None:
            return None
        out.append(one)
    return out


def parse_time(text: str) -> ClockTime | None:
    """One clock time; None for impossible ("13pm", "25:00") or ambiguous ("at 5") times."""
    m = _ATOM_RE.fullmatch(text.strip())
    if m is None:
        return None
    word = m.group("word")
    if word:
        return ClockTime(0, 0) if word.lower() == "midnight" else ClockTime(12, 0)
    hour, minute = int(m.group("h")), int(m.group("m") or 0)
    ap = (m.group("ap") or "").lower()
    if minute > 59:
        return None
    if ap:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if ap == "p" else 0)
        return ClockTime(hour, minute)
    if hour > 23:
        return None
    spelled = f"{hour:02d}:{minute:02d}"
    if m.group("m") is not None:
        # "17:45" and "09:30" are plainly 24-hour; "5:30" might mean the afternoon.
        if hour >= 13 or hour == 0 or m.group("h").startswith("0"):
            return ClockTime(hour, minute)
        return ClockTime(hour, minute, f"'{text.strip()}' read as {spelled} (24-hour clock)")
    if 1 <= hour <= 6:
        return None  # "at 5" is as likely 17:00 as 05:00: let the LLM ask
    return ClockTime(hour, minute, f"'{text.strip()}' read as {spelled}")
