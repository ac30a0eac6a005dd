"""The schedule engine: validate, describe and compute fire times (one engine for previews and firing)."""

from app.schedules.compiled import CompiledSchedule, compile_schedule, resolve_local, validate_schedule
from app.schedules.cron import CronExpression
from app.schedules.spec import CronSpec, IntervalSpec, OnceSpec, ScheduleSpec
from app.schedules.timezones import resolve_timezone, suggest_timezones

__all__ = [
    "CompiledSchedule",
    "CronExpression",
    "CronSpec",
    "IntervalSpec",
    "OnceSpec",
    "ScheduleSpec",
    "compile_schedule",
    "resolve_local",
    "resolve_timezone",
    "suggest_timezones",
    "validate_schedule",
]
