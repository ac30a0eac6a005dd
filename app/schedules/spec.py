"""Schedule specifications: the JSON shape users send, before it is checked.

``kind`` discriminates three shapes. Field-level checks that need no clock or
engine live here; the meaning (cron fields, timezones, instants in the past)
is checked by :func:`app.schedules.compile_schedule`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from app.vocabulary import ScheduleKind

# Instants a schedule may name: wide enough for any real plan, and far enough from the ends
# of ``datetime`` (years 1 and 9999) that converting zones and stepping to later fires never
# leaves the representable range.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)


def within_schedule_range(value: datetime) -> datetime:
    """``value`` if it lies between 1900 and 9000 (naive: read as wall time); else a ValueError."""
    probe = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    if not EARLIEST <= probe < LATEST:
        raise ValueError("must be between the years 1900 and 9000")
    return value


def _whole_number(value: Any) -> Any:
    # JSON `true` is not 1, and "900" is not a number; an integral float (900.0) is.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("must be a whole number")
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError("must be a whole number")
        return int(value)
    return value


ScheduleInstant = Annotated[datetime, AfterValidator(within_schedule_range)]
WholeNumber = Annotated[int, BeforeValidator(_whole_number)]


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    timezone: str = Field(default="UTC", max_length=64, description="IANA timezone name")


class CronSpec(_Spec):
    kind: Literal[ScheduleKind.CRON] = ScheduleKind.CRON
    cron: str = Field(max_length=200, description="5-field cron expression or @macro, standard meaning")


class OnceSpec(_Spec):
    kind: Literal[ScheduleKind.ONCE] = ScheduleKind.ONCE
    at: ScheduleInstant = Field(description="ISO 8601 instant; a naive time is read in `timezone`")


class IntervalSpec(_Spec):
    kind: Literal[ScheduleKind.INTERVAL] = ScheduleKind.INTERVAL
    every_seconds: WholeNumber = Field(ge=1, le=366 * 86400)


AnySpec = CronSpec | OnceSpec | IntervalSpec
"""Any one schedule spec (the union every layer uses; declared only here)."""

ScheduleSpec = Annotated[AnySpec, Field(discriminator="kind")]
"""The same union as a pydantic field, told apart by ``kind``."""
