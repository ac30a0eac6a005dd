"""What callers (HTTP, chat, CLI) send to the task services: checked shapes, no storage."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.notify import NotifySpec
from app.schedules.spec import ScheduleSpec

MissedRunPolicy = Literal["skip", "catchup", "fail"]

DEFAULT_MAX_STEPS = 20
DEFAULT_TIMEOUT_SECONDS = 300
DEFAULT_MAX_RETRIES = 3


class _Options(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    missed_run_policy: MissedRunPolicy | None = None
    model: str | None = Field(default=None, min_length=1, max_length=200)
    tools: list[str] | None = Field(default=None, max_length=50)
    max_steps: int | None = Field(default=None, ge=1, le=200)
    timeout_seconds: int | None = Field(default=None, ge=1, le=86_400)
    max_retries: int | None = Field(default=None, ge=0, le=10)
    retry_on_interrupt: bool | None = Field(
        default=None, description="start a run lost with its worker again, as a new attempt (trigger `retry`)"
    )
    enabled: bool | None = None
    notify: NotifySpec | None = Field(default=None, description="where to report runs: webhook and/or e-mail")


class TaskCreate(_Options):
    """Either ``name`` + ``instructions`` + ``schedule``, or ``description`` in plain words."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    instructions: str | None = Field(default=None, min_length=1, max_length=20_000)
    schedule: ScheduleSpec | None = None
    description: str | None = Field(default=None, min_length=1, max_length=2_000)
    timezone: str | None = Field(default=None, max_length=64, description="default timezone for `description`")

    @model_validator(mode="after")
    def _one_way(self) -> TaskCreate:
        if self.description is not None:
            if self.schedule is not None:
                raise ValueError("give either `description` or `schedule`, not both")
            return self
        missing = [f for f in ("name", "instructions", "schedule") if getattr(self, f) is None]
        if missing:
            raise ValueError(
                f"missing {', '.join(missing)}: give `name`, `instructions` and `schedule`, "
                "or a `description` in plain words"
            )
        if self.timezone is not None:
            raise ValueError("`timezone` goes inside `schedule` (it is the default for `description` only)")
        return self


class TaskUpdate(_Options):
    """Fields to change; absent fields stay as they are."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    instructions: str | None = Field(default=None, min_length=1, max_length=20_000)
    schedule: ScheduleSpec | None = None
