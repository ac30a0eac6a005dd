"""Schedule specifications: the JSON shape users send, before it is checked.

``kind`` discriminates three shapes. Field-level checks that need no clock or
engine live here; the meaning (cron fields, timezones, instants in the past)
is checked by :func:`app.schedules.compile_schedule`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.vocabulary import ScheduleKind


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    timezone: str = Field(default="UTC", max_length=64, description="IANA timezone name")


class CronSpec(_Spec):
    kind: Literal[ScheduleKind.CRON] = ScheduleKind.CRON
    cron: str = Field(max_length=200, description="5-field cron expression or @macro, standard meaning")


class OnceSpec(_Spec):
    kind: Literal[ScheduleKind.ONCE] = ScheduleKind.ONCE
    at: datetime = Field(description="ISO 8601 instant; a naive time is read in `timezone`")


class IntervalSpec(_Spec):
    kind: Literal[ScheduleKind.INTERVAL] = ScheduleKind.INTERVAL
    every_seconds: int = Field(ge=1, le=366 * 86400)


AnySpec = CronSpec | OnceSpec | IntervalSpec
"""Any one schedule spec (the union every layer uses; declared only here)."""

ScheduleSpec = Annotated[AnySpec, Field(discriminator="kind")]
"""The same union as a pydantic field, told apart by ``kind``."""
