"""What a schedule or a plain-words description would become, before anything is saved."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from app.nl import parse_description
from app.runner.tools import known_tools
from app.schedules import compile_schedule
from app.schedules.spec import CronSpec, IntervalSpec, OnceSpec
from app.services.tasks import TaskDeps

Spec = CronSpec | OnceSpec | IntervalSpec


@dataclass(frozen=True, kw_only=True)
class Preview:
    schedule: dict[str, Any]
    timezone: str
    description: str
    next_runs: list[datetime]  # UTC
    instructions: str | None = None
    name: str | None = None
    parser: str | None = None
    assumptions: list[str] = field(default_factory=list)


async def preview_words(text: str, timezone: str | None, deps: TaskDeps, *, count: int = 5) -> Preview:
    """Parse ``text`` as :class:`TaskService.create` would; raises the same domain errors."""
    now = deps.clock.now()
    parsed = await parse_description(text, default_timezone=timezone, now=now, llm=deps.llm, model=deps.llm_model)
    compiled = compile_schedule(parsed.schedule, anchor=now, now=now)
    return Preview(
        schedule=parsed.schedule.model_dump(mode="json"),
        timezone=compiled.tz.key,
        description=compiled.describe(),
        next_runs=compiled.next_fires(now, count),
        instructions=parsed.instructions,
        name=parsed.name,
        parser=parsed.parser,
        assumptions=list(parsed.assumptions),
    )


def preview_schedule(spec: Spec, *, now: datetime, count: int = 5) -> Preview:
    """Check an explicit schedule and list its next fires from ``now``."""
    compiled = compile_schedule(spec, anchor=now, now=now)
    return Preview(
        schedule=spec.model_dump(mode="json"),
        timezone=compiled.tz.key,
        description=compiled.describe(),
        next_runs=compiled.next_fires(now, count),
    )


def available_tools() -> list[str]:
    return sorted(known_tools())
