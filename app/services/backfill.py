"""Backfill: the fires a task's schedule would have had in a past window, and a run for each not recorded.

The times are the engine's own (:mod:`app.schedules`, clock changes included). Each
fire is recorded once (unique on task + scheduled time), so fires already recorded,
by the clock or an earlier backfill, are never run again. A task runs one run at a
time: the first new fire is queued and the rest wait (``waiting``) and are queued in
order as each run ends. Each run is told its own period: from the schedule's previous
fire up to its own time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.clock import Clock
from app.db.models import Task
from app.db.repositories import ExecutionRepository, FireRow, TaskRepository
from app.errors import NotFound, ValidationFailed
from app.schedules import CompiledSchedule
from app.schedules.of_task import compile_task
from app.schedules.spec import EARLIEST, LATEST
from app.services.events import RunQueued
from app.services.unit_of_work import record
from app.vocabulary import ExecutionStatus, Trigger

MAX_FIRES = 1000
# How far back to look for the fire before a window's first (that run's period start).
_LOOKBACK = (timedelta(minutes=1), timedelta(hours=1), timedelta(days=1), timedelta(days=32), timedelta(days=367))


@dataclass(frozen=True, kw_only=True)
class BackfillFire:
    scheduled_for: datetime  # in the task's timezone
    window_start: datetime | None
    status: str  # new (dry run) | queued | waiting | already_recorded
    execution_id: int | None


@dataclass(frozen=True, kw_only=True)
class BackfillReport:
    task_id: int
    timezone: str
    start: datetime
    end: datetime
    dry_run: bool
    fires: tuple[BackfillFire, ...]

    @property
    def new(self) -> int:
        return sum(1 for f in self.fires if f.status != "already_recorded")

    @property
    def already_recorded(self) -> int:
        return sum(1 for f in self.fires if f.status == "already_recorded")


class BackfillService:
    def __init__(self, session: AsyncSession, clock: Clock) -> None:
        self.session = session
        self.clock = clock
        self.tasks = TaskRepository(session)
        self.executions = ExecutionRepository(session)

    async def backfill(self, task_id: int, start: datetime, end: datetime, *, dry_run: bool) -> BackfillReport:
        """The fires in [start, end] (at most 1,000); unless ``dry_run``, a run for each not yet recorded."""
        for name, value in (("start", start), ("end", end)):
            if value.tzinfo is None:
                raise ValidationFailed(f"`{name}` needs a UTC offset, e.g. 2026-11-01T00:00:00+01:00")
            if not EARLIEST <= value < LATEST:  # what schedules may name; near year 1 the arithmetic overflows
                raise ValidationFailed(
                    f"`{name}` must be between the years 1900 and 9000", details={name: value.isoformat()}
                )
        now = self.clock.now()
        if start >= end:
            raise ValidationFailed(
                "`start` must be before `end`", details={"start": start.isoformat(), "end": end.isoformat()}
            )
        if end > now:
            raise ValidationFailed(
                "`end` is in the future: backfill fills past windows; later fires run on schedule.",
                details={"end": end.isoformat(), "now": now.isoformat()},
            )
        task = await self.tasks.get(task_id, key_share=True)
        if task is None:
            raise NotFound("task", task_id)
        compiled = compile_task(task)
        times = compiled.fires_between(start - timedelta(microseconds=1), end, limit=MAX_FIRES + 1)
        if len(times) > MAX_FIRES:
            raise ValidationFailed(
                f"The window holds more than {MAX_FIRES} fires of this schedule (the {MAX_FIRES}th is at "
                f"{times[MAX_FIRES - 1].isoformat()}); backfill a shorter window at a time.",
                details={"limit": MAX_FIRES, "last_within_limit": times[MAX_FIRES - 1].isoformat()},
            )
        starts = [_previous_fire(compiled, times[0]) if times else None, *times[:-1]]
        recorded = await self.executions.existing_keys([(task.id, t) for t in times])
        fresh = [(t, s) for t, s in zip(times, starts, strict=True) if (task.id, t) not in recorded]
        outcome: dict[datetime, tuple[str, int | None]] = {}
        if not dry_run and fresh:
            outcome = await self._record(task, fresh, now)
        tz = compiled.tz
        fires = []
        for t, s in zip(times, starts, strict=True):
            if (task.id, t) in recorded:
                status, execution_id = "already_recorded", None
            else:
                status, execution_id = outcome.get(t, ("new", None))
            fires.append(
                BackfillFire(
                    scheduled_for=t.astimezone(tz),
                    window_start=s.astimezone(tz) if s is not None else None,
                    status=status,
                    execution_id=execution_id,
                )
            )
        return BackfillReport(
            task_id=task.id,
            timezone=task.timezone,
            start=start.astimezone(tz),
            end=end.astimezone(tz),
            dry_run=dry_run,
            fires=tuple(fires),
        )

    async def _record(
        self, task: Task, fresh: list[tuple[datetime, datetime | None]], now: datetime
    ) -> dict[datetime, tuple[str, int | None]]:
        tz = compile_task(task).tz
        rows = [
            FireRow(
                task_id=task.id,
                scheduled_for=t,
                trigger=Trigger.BACKFILL,
                status=ExecutionStatus.WAITING,
                reason=f"backfill of the fire at {t.astimezone(tz).isoformat()}",
                window_start=s,
            )
            for t, s in fresh
        ]
        inserted = await self.executions.insert_fires(rows, now=now)
        outcome: dict[datetime, tuple[str, int | None]] = {at: ("waiting", i) for i, _tid, at in inserted}
        # A concurrent backfill may have recorded some of these first: they are theirs.
        for t, _s in fresh:
            outcome.setdefault(t, ("already_recorded", None))
        promoted = set(await self.executions.promote_waiting(task.id))
        for at, (_status, execution_id) in list(outcome.items()):
            if execution_id is not None and execution_id in promoted:
                outcome[at] = ("queued", execution_id)
                record(self.session, RunQueued(execution_id=execution_id, task_id=task.id))
        if inserted and not promoted:
            # The task has a run going: the leader queues these as it ends. Tell it anyway.
            record(self.session, RunQueued(execution_id=inserted[0][0], task_id=task.id))
        return outcome


def _previous_fire(compiled: CompiledSchedule, at: datetime) -> datetime | None:
    """The schedule's last fire before ``at`` within about a year, or None."""
    for back in _LOOKBACK:
        earlier = compiled.fires_between(at - back, at - timedelta(microseconds=1), limit=100_000)
        if earlier:
            return earlier[-1]
    return None
