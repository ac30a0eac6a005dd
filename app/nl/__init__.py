"""Plain words -> a checked schedule: the rules parser first, the LLM function call for the rest.

Errors: InvalidTimezone / InvalidCron / ScheduleInPast (the schedule read is not
valid), AmbiguousSchedule (the LLM needs the user to say more), LLMUnavailable
(the rules could not read the text and no LLM answered).
"""

from __future__ import annotations

from datetime import datetime

from app.errors import LLMUnavailable, ValidationFailed
from app.llm.base import LLMClient
from app.nl.llm_parser import parse_with_llm
from app.nl.result import ParsedDescription
from app.nl.rules import parse_with_rules
from app.schedules import compile_schedule, resolve_timezone

MAX_TEXT = 2000


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
    parsed = parse_with_rules(text, default_timezone=default_timezone, now=now)
    if parsed is not None:
        compile_schedule(parsed.schedule, anchor=now, now=now)
        return parsed
    if llm is None:
        raise LLMUnavailable(
            "The rules parser could not read this text and no LLM is configured: give the schedule "
            "explicitly (cron, once or interval) or configure LLM_MODEL."
        )
    return await parse_with_llm(text, default_timezone=default_timezone, now=now, llm=llm, model=model)


__all__ = ["ParsedDescription", "parse_description", "parse_with_llm", "parse_with_rules"]
