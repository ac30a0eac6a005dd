"""Schedule preview and plain-words parsing; nothing is saved."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, TypeVar

from fastapi import APIRouter, Query
from pydantic import Field, ValidationError

from app.api.deps import AppState, State
from app.api.params import NO_NUL
from app.api.schemas import ParseOut, ParseRunOut, PreviewOut
from app.errors import ValidationFailed
from app.services.inputs import AnySpec, CronSpec, IntervalSpec, OnceSpec, TextInput
from app.services.schedules import ScheduleService
from app.vocabulary import ScheduleKind

router = APIRouter(prefix="/api/schedules", tags=["schedules"])
_T = TypeVar("_T")


class ParseIn(TextInput):
    text: str = Field(min_length=1, max_length=2000)
    timezone: str | None = Field(default=None, max_length=64)


@router.get("/preview")
async def preview(
    state: State,
    kind: ScheduleKind,
    cron: Annotated[str | None, Query(max_length=200, pattern=NO_NUL)] = None,
    at: datetime | None = None,
    every_seconds: int | None = None,
    timezone: Annotated[str, Query(max_length=64, pattern=NO_NUL)] = "UTC",
    count: Annotated[int, Query(ge=1, le=100)] = 5,
    after: datetime | None = None,
) -> PreviewOut:
    """The schedule in words and its next ``count`` fire times after ``after`` (default now)."""
    try:
        if kind == ScheduleKind.CRON:
            spec: AnySpec = CronSpec(cron=_need("cron", cron), timezone=timezone)
        elif kind == ScheduleKind.ONCE:
            spec = OnceSpec(at=_need("at", at), timezone=timezone)
        else:
            spec = IntervalSpec(every_seconds=_need("every_seconds", every_seconds), timezone=timezone)
    except ValidationError as exc:
        raise ValidationFailed("; ".join(str(e["msg"]) for e in exc.errors())) from None
    preview = _schedules(state).preview(spec, count=count, after=after)
    return PreviewOut(description=preview.description, timezone=preview.timezone, next_runs=list(preview.next_runs))


@router.post("/parse")
async def parse(body: ParseIn, state: State) -> ParseOut:
    """Read a schedule and instructions from plain words and show what was understood."""
    parsed = await _schedules(state).parse(body.text, timezone=body.timezone)
    return ParseOut(
        text=parsed.text,
        schedule=parsed.schedule.model_dump(mode="json"),
        instructions=parsed.instructions,
        name=parsed.name,
        description=parsed.description,
        next_runs=list(parsed.next_runs),
        parser=parsed.parser,
        assumptions=list(parsed.assumptions),
        schedule_words=list(parsed.schedule_words),
        runs=[ParseRunOut(at=r.at, local=r.local, dst_change=r.dst_change) for r in parsed.runs],
        explanation=parsed.explanation,
    )


def _schedules(state: AppState) -> ScheduleService:
    return ScheduleService(state.clock, state.llm, state.settings.llm_model)


def _need(name: str, value: _T | None) -> _T:
    if value is None:
        raise ValidationFailed(f"`{name}` is required for this kind of schedule")
    return value
