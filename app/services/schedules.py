"""Schedules without tasks: preview a spec's next fire times, read plain words; nothing is saved."""

from __future__ import annotations

from datetime import datetime

from app.clock import Clock
from app.errors import ValidationFailed
from app.llm.base import LLMClient
from app.nl import explain, parse_description
from app.schedules import compile_schedule
from app.schedules.spec import AnySpec, within_schedule_range
from app.services.views import ParsedSchedule, SchedulePreview

MAX_PREVIEW = 100


class ScheduleService:
    def __init__(self, clock: Clock, llm: LLMClient | None = None, llm_model: str | None = None) -> None:
        self.clock = clock
        self.llm = llm
        self.llm_model = llm_model

    def preview(self, spec: AnySpec, *, count: int = 5, after: datetime | None = None) -> SchedulePreview:
        """The schedule in words and its next ``count`` fires after ``after`` (default now)."""
        if after is not None and after.tzinfo is None:
            raise ValidationFailed("`after` needs a UTC offset, e.g. 2026-11-23T09:00:00+01:00")
        if after is not None:
            try:
                within_schedule_range(after)
            except ValueError as exc:
                raise ValidationFailed(f"`after` {exc}") from None
        if not 1 <= count <= MAX_PREVIEW:
            raise ValidationFailed(f"`count` must be between 1 and {MAX_PREVIEW}")
        start = after or self.clock.now()
        compiled = compile_schedule(spec, anchor=start)
        return SchedulePreview(
            description=compiled.describe(),
            timezone=compiled.tz.key,
            next_runs=tuple(t.astimezone(compiled.tz) for t in compiled.next_fires(start, count)),
        )

    async def parse(self, text: str, *, timezone: str | None = None) -> ParsedSchedule:
        """What ``text`` says about when and what; AmbiguousSchedule carries the question to ask."""
        now = self.clock.now()
        parsed = await parse_description(text, default_timezone=timezone, now=now, llm=self.llm, model=self.llm_model)
        said = explain(parsed, now=now)
        return ParsedSchedule(
            text=text,
            schedule=parsed.schedule,
            instructions=parsed.instructions,
            name=parsed.name,
            description=said.description,
            next_runs=tuple(r.at for r in said.runs),
            parser=parsed.parser,
            assumptions=tuple(said.assumptions),
            schedule_words=tuple(said.schedule_words),
            runs=tuple(said.runs),
            explanation=said.text(),
        )
