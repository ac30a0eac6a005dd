"""Schedule preview and plain-words parsing; nothing is saved."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal, TypeVar

from fastapi import APIRouter, Query
from pydantic import Field, ValidationError

from app.api.deps import State
from app.api.params import NO_NUL
from app.api.schemas import ParseOut, PreviewOut
from app.errors import ValidationFailed
from app.nl import parse_description
from app.schedules import compile_schedule
from app.schedules.spec import CronSpec, IntervalSpec, OnceSpec, within_schedule_range
from app.services.inputs import TextInput

router = APIRouter(prefix="/api/schedules", tags=["schedules"])
_T = TypeVar("_T")


class ParseIn(TextInput):
    text: str = Field(min_length=1, max_length=2000)
    timezone: str | None = Field(default=None, max_length=64)


@router.get("/preview")
async def preview(
    state: State,
    kind: Literal["cron", "once", "interval"],
    cron: Annotated[str | None, Query(max_length=200, pattern=NO_NUL)] = None,
    at: datetime | None = None,
    every_seconds: int | None = None,
    timezone: Annotated[str, Query(max_length=64, pattern=NO_NUL)] = "UTC",
    count: Annotated[int, Query(ge=1, le=100)] = 5,
    after: datetime | None = None,
) -> PreviewOut:
    """The schedule in words and its next ``count`` fire times after ``after`` (default now)."""
    now = state.clock.now()
    if after is not None and after.tzinfo is None:
        raise ValidationFailed("`after` needs a UTC offset, e.g. 2026-11-23T09:00:00+01:00")
    if after is not None:
        try:
            within_schedule_range(after)
        except ValueError as exc:
            raise ValidationFailed(f"`after` {exc}") from None
    start = after or now
    try:
        if kind == "cron":
            spec: CronSpec | OnceSpec | IntervalSpec = CronSpec(cron=_need("cron", cron), timezone=timezone)
        elif kind == "once":
            spec = OnceSpec(at=_need("at", at), timezone=timezone)
        else:
            spec = IntervalSpec(every_seconds=_need("every_seconds", every_seconds), timezone=timezone)
    except ValidationError as exc:
        raise ValidationFailed("; ".join(str(e["msg"]) for e in exc.errors())) from None
    compiled = compile_schedule(spec, anchor=start)
    return PreviewOut(
        description=compiled.describe(),
        timezone=compiled.tz.key,
        next_runs=[t.astimezone(compiled.tz) for t in compiled.next_fires(start, count)],
    )


@router.post("/parse")
async def parse(body: ParseIn, state: State) -> ParseOut:
    """Read a schedule and instructions from plain words and show what was understood."""
    now = state.clock.now()
    parsed = await parse_description(
        body.text, default_timezone=body.timezone, now=now, llm=state.llm, model=state.settings.llm_model
    )
    compiled = compile_schedule(parsed.schedule, anchor=now, now=now)
    return ParseOut(
        text=body.text,
        schedule=parsed.schedule.model_dump(mode="json"),
        instructions=parsed.instructions,
        name=parsed.name,
        description=compiled.describe(),
        next_runs=[t.astimezone(compiled.tz) for t in compiled.next_fires(now, 5)],
        parser=parsed.parser,
        assumptions=list(parsed.assumptions),
    )


def _need(name: str, value: _T | None) -> _T:
    if value is None:
        raise ValidationFailed(f"`{name}` is required for this kind of schedule")
    return value
