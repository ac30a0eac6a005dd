"""Read use cases for people looking at the service: run pages, task summaries, what fires next, health.

Everything here is bounded: record pages go by cursor, aggregates by a time
window, upcoming fires by a count, so no screen ever loads all records.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import islice
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from app.clock import Clock
from app.db.models import Execution, Task
from app.db.repositories import ExecutionRepository, TaskFilter, TaskRepository
from app.db.repositories.overview import (
    FAILED_STATUSES,
    Cursor,
    OverviewRepository,
    RunFilter,
    TaskTotals,
)
from app.errors import NotFound
from app.schedules.of_task import compile_task
from app.services.views import RunView, TaskView
from app.services.workers import queue_view

__all__ = [
    "FAILED_STATUSES",
    "Cursor",
    "DayUsage",
    "Fire",
    "Health",
    "OverviewService",
    "RunDetail",
    "RunFilter",
    "RunRow",
    "RunsPage",
    "TaskFilter",
    "TaskRow",
    "TaskTotals",
    "Upcoming",
    "dst_change_on",
]

# A scheduled run that starts within this much of its time counts as on time.
ON_TIME_MS = 60_000
_UPCOMING_LIMIT = 5_000  # fires listed at most, across all tasks
_UPCOMING_TASKS = 5_000  # tasks due in the window examined at most


@dataclass(frozen=True, kw_only=True)
class RunRow:
    execution: RunView  # times in its task's timezone
    task_name: str


@dataclass(frozen=True, kw_only=True)
class RunDetail:
    run: RunView  # with its steps
    task_name: str | None  # None when the task has been deleted
    retries: tuple[int, ...] = ()  # ids of later attempts of this run


@dataclass(frozen=True, kw_only=True)
class RunsPage:
    rows: list[RunRow]
    newer: Cursor | None  # pass as ``after`` for the page of newer records
    older: Cursor | None  # pass as ``before`` for the page of older records


@dataclass(frozen=True, kw_only=True)
class TaskRow:
    task: TaskView
    last: RunView | None
    week: TaskTotals | None


@dataclass(frozen=True, kw_only=True)
class DayUsage:
    day: date
    runs: int
    failed: int
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float


@dataclass(frozen=True, kw_only=True)
class Fire:
    task_id: int
    task_name: str
    timezone: str
    at: datetime  # UTC


@dataclass(frozen=True, kw_only=True)
class Upcoming:
    start: datetime
    until: datetime
    fires: list[Fire]
    truncated: bool
    busiest: list[tuple[datetime, int]] = field(default_factory=list)  # (minute, fires) with 2 or more


@dataclass(frozen=True, kw_only=True)
class Health:
    queued: int
    running: int
    by_status: dict[str, int]
    failures: int
    started: int
    on_time: int
    last_recorded_at: datetime | None
    since: datetime

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.started if self.started else None


class OverviewService:
    def __init__(self, session: AsyncSession, clock: Clock) -> None:
        self.clock = clock
        self.session = session
        self.repo = OverviewRepository(session)
        self.tasks = TaskRepository(session)
        self.executions = ExecutionRepository(session)

    async def runs_page(
        self, flt: RunFilter, *, before: Cursor | None = None, after: Cursor | None = None, limit: int = 50
    ) -> RunsPage:
        """One page of records newest first, with cursors to the neighbouring pages (None at either end)."""
        rows = await self.repo.runs_page(flt, before=before, after=after, limit=limit + 1)
        if after is not None:
            more_newer = len(rows) > limit
            rows = rows[-limit:] if more_newer else rows
            more_older = True
        else:
            more_older = len(rows) > limit
            rows = rows[:limit]
            more_newer = before is not None
        tasks = await self.repo.tasks_by_id([r.task_id for r in rows])
        out = [
            RunRow(execution=RunView.of(r, tasks[r.task_id].timezone), task_name=tasks[r.task_id].name)
            if r.task_id in tasks
            else RunRow(execution=RunView.of(r, "UTC"), task_name=f"task {r.task_id}")
            for r in rows
        ]
        first, last = (rows[0], rows[-1]) if rows else (None, None)
        return RunsPage(
            rows=out,
            newer=Cursor(scheduled_for=first.scheduled_for, id=first.id) if first and more_newer else None,
            older=Cursor(scheduled_for=last.scheduled_for, id=last.id) if last and more_older else None,
        )

    async def task_choices(self) -> list[tuple[int, str]]:
        return await self.repo.task_choices()

    async def run(self, execution_id: int) -> RunDetail:
        """One record with its steps, in its task's timezone, and the task's name; NotFound when there is none."""
        execution = await self.executions.get(execution_id)
        if execution is None:
            raise NotFound("execution", execution_id)
        steps = await self.executions.steps(execution_id)
        task = await self.tasks.get(execution.task_id)
        return RunDetail(
            run=RunView.of(execution, task.timezone if task else "UTC", steps),
            task_name=task.name if task else None,
            retries=tuple(await self.repo.retries_of(execution.task_id, execution.id)),
        )

    async def task_rows(self, tasks: Sequence[TaskView]) -> list[TaskRow]:
        """Each task with its latest record and its runs and cost over the last 7 days."""
        ids = [t.id for t in tasks]
        last = await self.repo.last_status(ids)
        week = await self.repo.totals(ids, since=self.clock.now() - timedelta(days=7))
        return [TaskRow(task=t, last=_view(last.get(t.id), t.timezone), week=week.get(t.id)) for t in tasks]

    async def recent_runs(self, task: TaskView, limit: int = 60) -> list[RunView]:
        """The task's latest ``limit`` records, newest first."""
        rows = await self.repo.runs_page(RunFilter(task_id=task.id), before=None, after=None, limit=limit)
        return [RunView.of(r, task.timezone) for r in rows]

    async def usage_by_day(self, task: TaskView, *, days: int = 14) -> list[DayUsage]:
        """Runs, failures, tokens and cost per calendar day in the task's zone, newest day first."""
        tz = ZoneInfo(task.timezone)
        today = self.clock.now().astimezone(tz).date()
        first = today - timedelta(days=days - 1)
        start = datetime.combine(first, datetime.min.time(), tzinfo=tz)
        buckets: dict[date, list[float]] = {first + timedelta(days=i): [0, 0, 0, 0, 0.0] for i in range(days)}
        for at, prompt, completion, cost, status in await self.repo.usage_rows(task.id, since=start):
            b = buckets.get(at.astimezone(tz).date())
            if b is None:
                continue
            b[0] += 1
            b[1] += status in FAILED_STATUSES
            b[2] += prompt
            b[3] += completion
            b[4] += cost or 0.0
        return [
            DayUsage(
                day=d,
                runs=int(b[0]),
                failed=int(b[1]),
                prompt_tokens=int(b[2]),
                completion_tokens=int(b[3]),
                cost_usd=b[4],
            )
            for d, b in sorted(buckets.items(), reverse=True)
        ]

    async def upcoming(self, *, hours: float, limit: int = _UPCOMING_LIMIT) -> Upcoming:
        """Every fire of every active task due within ``hours`` from now, in time order.

        Starts from each task's stored next fire and steps with the same compiled
        schedule the scheduler fires by, so this is what will fire (barring changes).
        """
        start = self.clock.now()
        until = start + timedelta(hours=hours)
        tasks = await self.repo.due_tasks(until=until, limit=_UPCOMING_TASKS)
        # Each task's fires come in time order, so merging them yields the soonest fires overall
        # while computing only as many as are listed.
        merged = heapq.merge(*(_fires(task, until) for task in tasks), key=lambda f: (f.at, f.task_id))
        fires = list(islice(merged, limit + 1))
        truncated = len(fires) > limit
        fires = fires[:limit]
        per_minute: dict[datetime, int] = {}
        for f in fires:
            minute = f.at.replace(second=0, microsecond=0)
            per_minute[minute] = per_minute.get(minute, 0) + 1
        busiest = sorted(((m, n) for m, n in per_minute.items() if n >= 2), key=lambda x: (-x[1], x[0]))
        return Upcoming(start=start, until=until, fires=fires, truncated=truncated, busiest=busiest[:20])

    async def health(self, *, hours: int = 24) -> Health:
        now = self.clock.now()
        since = now - timedelta(hours=hours)
        queue = await queue_view(self.session, now=now)
        counts = await self.repo.health(since=since, now=now, on_time_ms=ON_TIME_MS)
        return Health(
            queued=queue.queued,
            running=queue.running,
            by_status=counts.by_status,
            failures=sum(counts.by_status.get(s, 0) for s in FAILED_STATUSES),
            started=counts.started,
            on_time=counts.on_time,
            last_recorded_at=counts.last_recorded_at,
            since=since,
        )


def _view(execution: Execution | None, timezone: str) -> RunView | None:
    return RunView.of(execution, timezone) if execution is not None else None


def _fires(task: Task, until: datetime) -> Iterator[Fire]:
    """A task's fires from its stored next fire up to ``until``, stepped as the scheduler steps them."""
    compiled = compile_task(task)
    at = task.next_run_at
    while at is not None and at <= until:
        yield Fire(task_id=task.id, task_name=task.name, timezone=task.timezone, at=at)
        at = compiled.next_fire(at)


def dst_change_on(day: date, tz: ZoneInfo) -> timedelta | None:
    """How far the clock moves on ``day`` in ``tz`` (+1 h in spring, -1 h in autumn), or None."""
    start = datetime.combine(day, datetime.min.time(), tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=tz)
    before, after = start.utcoffset(), end.utcoffset()
    if before is None or after is None or before == after:
        return None
    return after - before
