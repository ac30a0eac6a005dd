"""Run records: list and read them, explain why a task did (not) run, count and sum them."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from app.clock import Clock, SystemClock
from app.db.models import Execution, Task
from app.db.repositories import ExecutionFilter, ExecutionRepository, TaskRepository
from app.errors import NotFound, ValidationFailed
from app.schedules.of_task import compile_task
from app.services.explain import UpstreamRun, explain_task
from app.services.views import Explanation, Page, RunProgress, RunTotals, RunView, StatusTotal, StepView
from app.vocabulary import NOT_EXECUTED_STATUSES, ExecutionStatus, TaskState

__all__ = ["ExecutionFilter", "ExecutionService"]

EXPLAIN_WINDOW = timedelta(hours=24)
TOTALS_WINDOW = timedelta(days=7)
_EXPLAIN_RECORDS = 200
_UNRECORDED_LIMIT = 50


class ExecutionService:
    def __init__(self, session: AsyncSession, clock: Clock | None = None) -> None:
        self.executions = ExecutionRepository(session)
        self.tasks = TaskRepository(session)
        self.clock = clock or SystemClock()

    async def list(self, flt: ExecutionFilter, *, limit: int, offset: int) -> Page[RunView]:
        """Records newest first (by scheduled time); a filter on a missing task is NotFound."""
        if flt.task_id is not None and await self.tasks.get(flt.task_id) is None:
            raise NotFound("task", flt.task_id)
        rows, total = await self.executions.list(flt, limit=limit, offset=offset)
        return Page(items=tuple(await self._views(rows)), total=total)

    async def get(self, execution_id: int) -> RunView:
        """One record with its steps, or NotFound."""
        execution = await self.executions.get(execution_id)
        if execution is None:
            raise NotFound("execution", execution_id)
        steps = await self.executions.steps(execution_id)
        zone = (await self.tasks.timezones([execution.task_id])).get(execution.task_id, "UTC")
        return RunView.of(execution, zone, steps)

    async def progress(self, execution_id: int, *, from_step: int = 0) -> RunProgress:
        """The run without its steps, and its steps from index ``from_step`` on; NotFound if no such run.

        The record is read before the steps: a run seen finished has written all its steps.
        """
        execution = await self.executions.get(execution_id)
        if execution is None:
            raise NotFound("execution", execution_id)
        zone = (await self.tasks.timezones([execution.task_id])).get(execution.task_id, "UTC")
        steps = await self.executions.steps(execution_id, from_index=from_step)
        tz = ZoneInfo(zone)
        return RunProgress(run=RunView.of(execution, zone), steps=tuple(StepView.of(s, tz) for s in steps))

    async def explain(
        self, task_id: int, *, since: datetime | None = None, until: datetime | None = None
    ) -> Explanation:
        """Why ``task_id`` did or did not run between ``since`` (default 24 h ago) and ``until`` (default now)."""
        task = await self._task(task_id)
        now = self.clock.now()
        until = min(until or now, now)
        since = since or until - EXPLAIN_WINDOW
        if since > until:
            raise ValidationFailed("The period starts after it ends: `since` must be before `until`.")
        records, _ = await self.executions.list(
            ExecutionFilter(task_id=task.id, since=since, until=until + timedelta(microseconds=1)),
            limit=_EXPLAIN_RECORDS,
            offset=0,
        )
        recorded = {r.scheduled_for for r in records}
        unrecorded = [t for t in _unrecorded(task, since, until) if t not in recorded]
        upstream_runs: dict[int, UpstreamRun] = {}
        for upstream_id in sorted({r.upstream_execution_id for r in records if r.upstream_execution_id}):
            upstream = await self.executions.get(upstream_id)
            if upstream is not None:
                upstream_runs[upstream_id] = UpstreamRun(
                    execution_id=upstream.id, task_id=upstream.task_id, task_name="", status=str(upstream.status)
                )
        named = {u.task_id for u in upstream_runs.values()}
        named |= {int(u["task_id"]) for u in (task.after or {}).get("tasks", [])}
        names = await self.tasks.names(named)
        upstream_runs = {i: replace(u, task_name=names.get(u.task_id, "deleted")) for i, u in upstream_runs.items()}
        return explain_task(
            task,
            records,
            since=since,
            until=until,
            unrecorded_fires=unrecorded,
            upstream_runs=upstream_runs,
            task_names=names,
        )

    async def totals(
        self, *, task_id: int | None = None, since: datetime | None = None, until: datetime | None = None
    ) -> RunTotals:
        """Runs by status, tokens and known cost over [since, until) (default: the last 7 days)."""
        if task_id is not None:
            await self._task(task_id)
        now = self.clock.now()
        until = until or now
        since = since or until - TOTALS_WINDOW
        rows = await self.executions.totals(task_id=task_id, since=since, until=until)
        executed = [r for r in rows if r.status not in NOT_EXECUTED_STATUSES]
        return RunTotals(
            task_id=task_id,
            since=since,
            until=until,
            by_status=tuple(StatusTotal(status=ExecutionStatus(r.status), runs=r.runs) for r in rows),
            prompt_tokens=sum(r.prompt_tokens for r in rows),
            completion_tokens=sum(r.completion_tokens for r in rows),
            cost_usd=round(sum(r.cost_usd for r in rows), 6),
            runs_with_known_cost=sum(r.runs_with_cost for r in rows),
            runs_that_executed=sum(r.runs for r in executed),
        )

    async def _task(self, task_id: int) -> Task:
        task = await self.tasks.get(task_id)
        if task is None:
            raise NotFound("task", task_id)
        return task

    async def _views(self, rows: Sequence[Execution]) -> builtins.list[RunView]:
        zones = await self.tasks.timezones(r.task_id for r in rows)
        return [RunView.of(r, zones.get(r.task_id, "UTC")) for r in rows]


def _unrecorded(task: Task, since: datetime, until: datetime) -> list[datetime]:
    """Due times in [since, until] the scheduler has not recorded yet (its ``next_run_at`` passed)."""
    if task.state != TaskState.ACTIVE or task.next_run_at is None:
        return []
    compiled = compile_task(task)
    due: list[datetime] = []
    at: datetime | None = task.next_run_at
    while at is not None and at <= until and len(due) < _UNRECORDED_LIMIT:
        if at >= since:
            due.append(at)
        at = compiled.next_fire(at)
    return due
