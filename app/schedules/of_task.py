"""The schedule of a stored task: its spec and its compiled form."""

from __future__ import annotations

from app.db.models import Task
from app.schedules import CompiledSchedule, compile_schedule
from app.schedules.spec import AnySpec, CronSpec, IntervalSpec, OnceSpec


def spec_of(task: Task) -> AnySpec:
    """The schedule spec a task was stored with."""
    if task.schedule_kind == "cron":
        return CronSpec(cron=task.cron or "", timezone=task.timezone)
    if task.schedule_kind == "once":
        assert task.run_at is not None
        return OnceSpec(at=task.run_at, timezone=task.timezone)
    return IntervalSpec(every_seconds=task.every_seconds or 1, timezone=task.timezone)


def compile_task(task: Task) -> CompiledSchedule:
    """Compile a stored task's schedule (already validated when stored)."""
    anchor = task.interval_anchor or task.created_at
    return compile_schedule(spec_of(task), anchor=anchor)
