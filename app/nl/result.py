"""What a plain-words description was understood as: a schedule, instructions, a name, and why."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from app.schedules.spec import CronSpec, IntervalSpec, OnceSpec


@dataclass(frozen=True, kw_only=True)
class ParsedDescription:
    """The schedule read from ``text``; ``assumptions`` lists every reading that was not literal."""

    text: str
    schedule: CronSpec | OnceSpec | IntervalSpec
    instructions: str
    name: str
    parser: Literal["rules", "llm"]
    assumptions: list[str] = field(default_factory=list)
    schedule_words: list[str] = field(default_factory=list)  # the words read as the schedule
