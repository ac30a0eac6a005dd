"""Plain words -> a checked schedule: the rules parser first, the LLM function call for the rest.

Errors: InvalidTimezone / InvalidCron / ScheduleInPast (the schedule read is not
valid), AmbiguousSchedule (a question for the user: the text is not a schedule,
the LLM asked, the LLM's answer contradicted the text after its repairs, or the
rules could not place some words and no LLM could be used; ``details.unplaced``
lists those words and ``details.llm_unavailable`` says why no LLM answered).
"""

from __future__ import annotations

from datetime import datetime

from app.errors import AmbiguousSchedule, LLMUnavailable, ValidationFailed
from app.llm.base import LLMClient
from app.nl.explain import Explanation, RunExplained, explain
from app.nl.facts import SCHEDULE_WORD, looks_like_schedule
from app.nl.llm_parser import parse_with_llm
from app.nl.result import ParsedDescription
from app.nl.rules import RulesReading, parse_with_rules, read_with_rules
from app.schedules import compile_schedule, resolve_timezone

MAX_TEXT = 2000
_FILLER = frozenset({"at", "in", "on", "@"})


async def parse_description(
    text: str,
    *,
    default_timezone: str | None,
    now: datetime,
    llm: LLMClient | None,
    model: str | None = None,
) -> ParsedDescription:
    """The schedule, instructions and name in ``text``, validated as an explicit schedule would be."""
    text = text.strip()
    if not text:
        raise ValidationFailed("The description is empty: say what to do and when.")
    if len(text) > MAX_TEXT:
        raise ValidationFailed(f"The description is longer than {MAX_TEXT} characters.")
    if default_timezone:
        resolve_timezone(default_timezone)  # a bad default is the caller's error, not the LLM's
    if not looks_like_schedule(text):
        raise AmbiguousSchedule(
            "I found no time, day or repetition in this text. When should it run? "
            "For example 'every weekday at 9am' or 'tomorrow at 15:00'.",
            details={"unplaced": []},
        )
    reading = read_with_rules(text, default_timezone=default_timezone, now=now)
    if reading.parsed is not None:
        compile_schedule(reading.parsed.schedule, anchor=now, now=now)
        return reading.parsed
    if llm is None:
        raise _question(text, reading, "no LLM is configured (LLM_MODEL)")
    try:
        return await parse_with_llm(text, default_timezone=default_timezone, now=now, llm=llm, model=model)
    except LLMUnavailable as exc:
        raise _question(text, reading, exc.message) from exc


def _question(text: str, reading: RulesReading, why: str) -> AmbiguousSchedule:
    """The question for words the rules could not place, when no LLM can read them."""
    words = (
        reading.unplaced or [m.group(0) for m in SCHEDULE_WORD.finditer(text) if m.group(0).lower() not in _FILLER][:8]
    )
    if not words:
        return AmbiguousSchedule(
            f"I found no time, day or repetition in this text, and {why}. When should it run? "
            "For example 'every weekday at 9am' or 'tomorrow at 15:00'.",
            details={"unplaced": [], "llm_unavailable": why},
        )
    listed = ", ".join(f"'{w}'" for w in dict.fromkeys(words))
    return AmbiguousSchedule(
        f"I could not place {listed} in a schedule for sure, and {why}. Could you say when it should run "
        "with a clock time and days, e.g. 'every weekday at 09:00 Europe/Berlin', or give a cron schedule?",
        details={"unplaced": list(dict.fromkeys(words)), "llm_unavailable": why},
    )


__all__ = [
    "Explanation",
    "ParsedDescription",
    "RunExplained",
    "explain",
    "parse_description",
    "parse_with_llm",
    "parse_with_rules",
    "read_with_rules",
]
