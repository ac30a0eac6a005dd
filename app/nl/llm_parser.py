"""The LLM parser: one forced function call returns the schedule, checked like any explicit schedule.

The model answers through the ``set_schedule`` tool, whose strict JSON schema holds
the schedule fields, the instructions, a name, its assumptions, and ``question``
for text it cannot read exactly. Its schedule passes the same validators as an
explicit one; a rejected answer goes back as the tool result for a bounded number
of repairs. Errors: AmbiguousSchedule (the model asked, or never got it right),
LLMUnavailable (the provider failed).
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from app.errors import AmbiguousSchedule, LLMUnavailable, ValidationFailed
from app.llm.base import LLMClient, LLMError, LLMPermanentError, LLMResponse
from app.nl.check import conflicts
from app.nl.facts import Facts, facts_of
from app.nl.result import ParsedDescription
from app.nl.wording import name_from
from app.nl.zones import place_zone
from app.schedules import compile_schedule, resolve_timezone
from app.schedules.spec import CronSpec, IntervalSpec, OnceSpec

TOOL_NAME = "set_schedule"
_NULLABLE_STR = {"type": ["string", "null"]}
SCHEDULE_TOOL: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": TOOL_NAME,
        "description": "Record the schedule and instructions read from the user's text, or ask one question.",
        "strict": True,
        "parameters": {
            "type": "object",
            "additionalProperties": False,
            "required": [
                "kind",
                "cron",
                "at",
                "every_seconds",
                "timezone",
                "instructions",
                "name",
                "assumptions",
                "question",
            ],
            "properties": {
                "kind": {"type": "string", "enum": ["cron", "once", "interval"]},
                "cron": {**_NULLABLE_STR, "description": "kind=cron: 5-field standard cron, e.g. '0 9 * * 1-5'"},
                "at": {**_NULLABLE_STR, "description": "kind=once: local ISO 8601 time, e.g. '2026-12-24T18:00:00'"},
                "every_seconds": {"type": ["integer", "null"], "description": "kind=interval: seconds >= 1"},
                "timezone": {"type": "string", "description": "IANA name, e.g. 'Europe/Berlin'"},
                "instructions": {"type": "string", "description": "what the task does each run, no schedule words"},
                "name": {"type": "string", "description": "short title, at most 60 characters"},
                "assumptions": {"type": "array", "items": {"type": "string"}},
                "question": {
                    **_NULLABLE_STR,
                    "description": "set ONLY when the schedule cannot be expressed "
                    "exactly: the question to ask the user; otherwise null",
                },
            },
        },
    },
}
_FORCE = {"type": "function", "function": {"name": TOOL_NAME}}

_SYSTEM = """You turn a user's description of a recurring or one-time task into a schedule.
Current time: {now} ({weekday}), in the user's default timezone {tz}.
Default timezone: {tz} (use it unless the text names another zone; name zones as IANA names).

Always answer by calling {tool} exactly once. Schedule kinds:
- cron: standard 5-field Vixie cron "minute hour day-of-month month day-of-week" read on the wall clock of
  `timezone`; day-of-week 0 and 7 are Sunday. When BOTH day-of-month and day-of-week are restricted, cron fires
  on days matching EITHER field (OR, not AND): "0 9 1-7 * 1" means "the 1st to 7th, and every Monday".
  So "the first Monday of the month", "the last day of the month", "every other day" or "every 2 weeks" cannot
  be written in cron: set `question` to ask the user how to proceed (e.g. offer a close alternative).
- once: `at` is a local ISO 8601 date-time in `timezone`, in the future relative to the current time.
- interval: `every_seconds`, counted from when the task is created.
`instructions` is what the agent should do on each run, without the schedule words; `name` is a short title.
List in `assumptions` every reading that was not literal (e.g. "'9' read as 09:00").
If anything about WHEN is unclear, set `question` instead of guessing; otherwise set `question` to null."""


async def parse_with_llm(
    text: str,
    *,
    default_timezone: str | None,
    now: datetime,
    llm: LLMClient,
    model: str | None,
    max_repairs: int = 2,
    timeout: float = 30.0,  # noqa: ASYNC109 - passed to the provider call
) -> ParsedDescription:
    """Read ``text`` with one forced function call (plus up to ``max_repairs`` corrections).

    Raises AmbiguousSchedule when the model asks a question or never produces a valid schedule,
    LLMUnavailable when the provider cannot be used.
    """
    tz = resolve_timezone(default_timezone or "UTC")
    local = now.astimezone(tz)
    system = _SYSTEM.format(now=local.isoformat(timespec="seconds"), weekday=f"{local:%A}", tz=tz.key, tool=TOOL_NAME)
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": system},
        {"role": "user", "content": text},
    ]
    facts = facts_of(text)
    problem = ""
    for _ in range(max_repairs + 1):
        response = await _call(llm, messages, model, timeout)
        messages.append(response.raw_message or {"role": "assistant", "content": response.content})
        call = next((c for c in response.tool_calls if c.name == TOOL_NAME), None)
        if call is None:
            problem = f"you must call {TOOL_NAME}"
            messages.append({"role": "user", "content": f"Answer by calling {TOOL_NAME}."})
            continue
        for other in response.tool_calls:
            if other is not call:  # every tool call needs an answer, or the next request is invalid
                messages.append({"role": "tool", "tool_call_id": other.id, "content": "ignored"})
        try:
            return _accept(text, call.arguments, now, facts, default_timezone)
        except ValidationFailed as exc:
            if isinstance(exc, AmbiguousSchedule):
                raise
            problem = exc.message
        messages.append(
            {
                "role": "tool",
                "tool_call_id": call.id,
                "content": f"Rejected: {problem} Call {TOOL_NAME} again with a corrected schedule, "
                "or set `question` to ask the user.",
            }
        )
    raise AmbiguousSchedule(
        f"I could not turn this into a valid schedule ({problem}). Could you say when it should run "
        "more precisely, e.g. 'every weekday at 09:00 Europe/Berlin'?",
        details={"last_error": problem},
    )


async def _call(
    llm: LLMClient,
    messages: list[dict[str, Any]],
    model: str | None,
    timeout: float,  # noqa: ASYNC109
) -> LLMResponse:
    try:
        return await llm.complete(
            messages, model=model, tools=[SCHEDULE_TOOL], tool_choice=_FORCE, timeout=timeout, max_tokens=600
        )
    except LLMPermanentError as exc:  # includes LLMNotConfigured
        raise LLMUnavailable(f"the LLM refused the request: {exc.message}") from exc
    except (LLMError, OSError) as exc:
        raise LLMUnavailable(f"the LLM is unreachable: {exc}") from exc
    except (IndexError, KeyError, AttributeError, TypeError, ValueError) as exc:
        # A completion without choices or message: the provider answered, but not a completion.
        raise LLMUnavailable(f"the LLM's answer was not a usable completion ({type(exc).__name__})") from exc


def _accept(text: str, arguments: str, now: datetime, facts: Facts, default_timezone: str | None) -> ParsedDescription:
    """The model's answer as a checked ParsedDescription; ValidationFailed says what to repair.

    Beyond the validators of an explicit schedule, the answer must agree with what the
    rules are certain of in the text (``facts``): see ``app.nl.check``.
    """
    try:
        args = json.loads(arguments)
    except json.JSONDecodeError as exc:
        raise ValidationFailed(f"the arguments are not valid JSON ({exc.msg}).") from None
    if not isinstance(args, dict):
        raise ValidationFailed("the arguments must be a JSON object.")
    if args.get("question"):
        raise AmbiguousSchedule(str(args["question"]))
    spec = _spec(args)
    if isinstance(spec, CronSpec):
        fields = spec.cron.split()
        if len(fields) == 5 and not fields[2].startswith("*") and not fields[4].startswith("*"):
            raise ValidationFailed(
                f"cron {spec.cron!r} restricts both day-of-month and day-of-week, so it fires on days matching "
                "EITHER. If that is not what the user meant, set `question`."
            )
    compiled = compile_schedule(spec, anchor=now, now=now)  # InvalidCron, InvalidTimezone, ScheduleInPast
    found = conflicts(spec, facts, now=now, default_timezone=default_timezone)
    if found:
        raise ValidationFailed(" ".join(found))
    instructions = str(args.get("instructions") or "").strip()
    name = str(args.get("name") or "").strip()[:60] or (name_from(instructions) if instructions else "Scheduled task")
    assumptions = [str(a) for a in args.get("assumptions") or [] if str(a).strip()]
    if not facts.clocks and not facts.delay and not isinstance(spec, IntervalSpec):
        # Never a silent time of day: say that the model chose it.
        first = compiled.next_fire(now)
        if first is not None:
            local = first.astimezone(compiled.tz)
            assumptions.append(f"your words give no clock time: the model chose {local:%H:%M} ({spec.timezone})")
    dropped_place = facts.zone is None and any(
        place_zone(w.strip(".,;:!?()"), before_time=True) for w in _removed_words(text, instructions)
    )
    if instructions and (
        dropped_place or (instructions not in text and not _only_schedule_removed(text, instructions))
    ):
        # Instructions are never rewritten: keep the user's own words when the model paraphrased them.
        assumptions.append("the instructions are your text as written")
        instructions = text
    return ParsedDescription(
        text=text,
        schedule=spec,
        instructions=instructions,
        name=name,
        parser="llm",
        assumptions=assumptions,
        schedule_words=_removed_words(text, instructions),
    )


def _words(text: str) -> list[str]:
    words = (w.lower().strip(".,;:!?()\"'") for w in re.findall(r"\S+", text))
    return [w for w in words if w]


def _only_schedule_removed(text: str, instructions: str) -> bool:
    """Whether ``instructions`` are ``text``'s own words in order, some left out (the schedule's)."""
    source = iter(_words(text))
    return all(any(w == s for s in source) for w in _words(instructions))


def _removed_words(text: str, instructions: str) -> list[str]:
    if instructions == text:
        return []
    kept = set(_words(instructions))
    return [w for w in re.findall(r"\S+", text) if w.lower().strip(",.;:!?") not in kept]


def _spec(args: dict[str, Any]) -> CronSpec | OnceSpec | IntervalSpec:
    kind, timezone = args.get("kind"), args.get("timezone") or "UTC"
    try:
        if kind == "cron":
            return CronSpec(cron=str(args.get("cron") or ""), timezone=timezone)
        if kind == "once":
            return OnceSpec(at=args.get("at"), timezone=timezone)
        if kind == "interval":
            return IntervalSpec(every_seconds=args.get("every_seconds"), timezone=timezone)
    except ValidationError as exc:
        details = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise ValidationFailed(f"invalid {kind} schedule: {details}.") from None
    raise ValidationFailed(f"kind must be cron, once or interval, not {kind!r}.")
