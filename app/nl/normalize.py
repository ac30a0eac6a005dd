"""Spellings brought to one form before the clauses read them, each character still tied to the original.

Typos and casual forms ("evry", "daliy", "tmrw", "wkday"), 24-hour and military
times ("0900", "1730 hrs", "17h30", "at 09.00"), compound and short durations
("1 hour and 30 minutes", "2h", "90m", "2.5 hours", "an hour and a half"),
crontab.guru wording ("on day-of-month 1") and "day 10" / "first of the month".
The rewritten text is only read; the instructions are cut from the ORIGINAL
text, so a rewrite can never change what the task is told to do.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

_I = re.IGNORECASE
_ORD = {1: "st", 2: "nd", 3: "rd", 21: "st", 22: "nd", 23: "rd", 31: "st"}


@dataclass
class Normalized:
    """``text`` as rewritten; ``origin[i]`` is the (start, end) in the original of character ``i``."""

    text: str
    origin: list[tuple[int, int]]


def ordinal(n: int) -> str:
    return f"{n}{_ORD.get(n, 'th')}"


def _minutes(total: float) -> str | None:
    if total <= 0 or total != int(total):
        return None
    return f"{int(total)} minutes"


def _duration(m: re.Match[str]) -> str | None:
    hours = float(m.group("h") or 0)
    minutes = float(m.group("m") or 0)
    return _minutes(hours * 60 + minutes)


def _with_lead(m: re.Match[str]) -> str | None:
    total = float(m.group("h") or 0) * 60 + float(m.group("m") or m.group("m2") or 0)
    minutes = _minutes(total)
    return m.group("lead") + minutes if minutes else None


def _military(m: re.Match[str]) -> str | None:
    return f"{m.group('lead') or ''}{m.group('hh')}:{m.group('mm')}"


def _h_clock(m: re.Match[str]) -> str | None:
    return f"{int(m.group('hh')):02d}:{m.group('mm') or '00'}"


def _day_n(m: re.Match[str]) -> str | None:
    n = int(m.group("n"))
    return ordinal(n) if 1 <= n <= 31 else None


_H = r"(?:h|hrs?|hours?)"
_M = r"(?:m|mins?|minutes?)"
_RULES: list[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str | None]]] = [
    (re.compile(r"\b(?:evry|evey|evrey|eveyr|everey|evert|eery)\b", _I), "every"),
    (re.compile(r"\beveryday\b", _I), "every day"),
    (re.compile(r"\b(?:daliy|dialy|daly|dailly)\b", _I), "daily"),
    (
        re.compile(r"\b(?:tmrw|tmrow|tmr|tmw|2moro|2morrow|2mrw|tomorow|tommorow|tommorrow|tomorro|tomoz)\b", _I),
        "tomorrow",
    ),
    (re.compile(r"\b(?:tonite|2nite)\b", _I), "tonight"),
    (re.compile(r"\bwk\s?days\b", _I), "weekdays"),
    (re.compile(r"\bwk\s?day\b", _I), "weekday"),
    (re.compile(r"\bwknds?\b", _I), "weekends"),
    (re.compile(r"\bmornin'?\b", _I), "morning"),
    (re.compile(r"\bwkly\b", _I), "weekly"),
    (re.compile(r"\bhrly\b", _I), "hourly"),
    (re.compile(r"\bmnthly\b", _I), "monthly"),
    # crontab.guru's own words
    (re.compile(r"\bon\s+every\s+day-of-week\s+from\s+", _I), "every "),
    (
        re.compile(r"\bon\s+day-of-month\s+(?P<n>\d{1,2})\b", _I),
        lambda m: f"on the {ordinal(int(m.group('n')))} of every month",
    ),
    # "day 10 of every month", "on day 15": the day of the month
    (
        re.compile(
            r"\bday\s+(?P<n>\d{1,2})\b(?!\s*(?:[:.]\d|%|" + _H + r"\b|" + _M + r"\b|days?\b|weeks?\b|am\b|pm\b))", _I
        ),
        _day_n,
    ),
    (
        re.compile(r"\b(?:the\s+)?first\s+(?:day\s+)?of\s+(?P<w>the|each|every)\s+month\b", _I),
        lambda m: "the 1st of every month",
    ),
    # compound and short durations after "in", "every", "each", or before "from now"
    (
        re.compile(r"(?P<lead>\b(?:in|every|each)\s+)an?\s+hour\s+and\s+a\s+half\b", _I),
        lambda m: m.group("lead") + "90 minutes",
    ),
    (
        re.compile(
            r"(?P<lead>\b(?:in|every|each)\s+)(?:(?P<h>\d+(?:\.\d+)?)\s*"
            + _H
            + r"(?:\s*,?\s*(?:and\s+)?(?P<m>\d+)\s*"
            + _M
            + r")?"
            r"|(?P<m2>\d+(?:\.\d+)?)\s*" + _M + r")\b",
            _I,
        ),
        lambda m: _with_lead(m),
    ),
    (
        re.compile(
            r"\b(?P<h>\d+(?:\.\d+)?)\s*" + _H + r"\s*(?:and\s+)?(?P<m>\d+)\s*" + _M + r"(?=\s+from\s+now\b)", _I
        ),
        _duration,
    ),
    # 24-hour and military clock times
    (re.compile(r"(?<![\w:.\-/])(?P<lead>)(?P<hh>0\d|1\d|2[0-3])(?P<mm>[0-5]\d)\s*(?:hrs|hours|h)\b", _I), _military),
    (re.compile(r"(?<![\w:.\-/])(?P<lead>)(?P<hh>0\d)(?P<mm>[0-5]\d)\b(?![\-/:.]\d)", _I), _military),
    (
        re.compile(
            r"(?P<lead>(?:\bat|@)\s*)(?P<hh>1\d|2[0-3])(?P<mm>[0-5]\d)\b(?![\-/:.]\d|\s*(?:am|pm|a\.m|p\.m))", _I
        ),
        _military,
    ),
    (re.compile(r"(?<![\w:.\-/])(?P<hh>[01]?\d|2[0-3])h(?P<mm>[0-5]\d)?\b", _I), _h_clock),
    (
        re.compile(
            r"(?P<lead>(?:\bat|@)\s*)(?P<hh>[01]?\d|2[0-3])\.(?P<mm>[0-5]\d)\b(?!\.\d|\s*(?:am|pm|a\.m|p\.m))", _I
        ),
        _military,
    ),
    (re.compile(r"\b12\s+(?P<w>noon|midnight)\b", _I), lambda m: m.group("w")),
    (re.compile(r"\b(?P<t>\d{1,2}:[0-5]\d)\s*h\b", _I), lambda m: m.group("t")),
]


def normalize(text: str) -> Normalized:
    """``text`` with the rewrites above applied, and where each character came from."""
    current = text
    origin = [(i, i + 1) for i in range(len(text))]
    for pattern, replacement in _RULES:
        pieces: list[str] = []
        spans: list[tuple[int, int]] = []
        last = 0
        changed = False
        for m in pattern.finditer(current):
            new = replacement if isinstance(replacement, str) else replacement(m)
            if new is None or new == m.group(0):
                continue
            start, end = m.span()
            pieces.append(current[last:start])
            spans.extend(origin[last:start])
            if start < end:
                src = (origin[start][0], origin[end - 1][1])
            else:
                src = (origin[start][0], origin[start][0]) if start < len(origin) else (len(text), len(text))
            pieces.append(new)
            spans.extend([src] * len(new))
            last = end
            changed = True
        if changed:
            pieces.append(current[last:])
            spans.extend(origin[last:])
            current = "".join(pieces)
            origin = spans
    return Normalized(current, origin)
