"""The APScheduler 3 parts: a trigger over our schedule engine, a job store, an executor.

APScheduler decides *when* to wake; everything else is ours:

- :class:`ScheduleTrigger` asks :mod:`app.schedules` for fire times, so previews and
  firing share one engine with standard cron meaning (APScheduler's own CronTrigger
  counts day-of-week from Monday, rejects 7 and ANDs the day fields).
- :class:`TaskJobStore` keeps jobs in memory, loaded from and written back to our
  ``tasks`` table by :class:`~app.scheduler.core.SchedulerCore`, and hands out due
  jobs in chunks so one wake-up never holds the event loop for long.
- :class:`FireExecutor` does not run anything: it turns each due fire into a
  :class:`~app.scheduler.writer.Fire` for the batched record writer.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from apscheduler.executors.base import BaseExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.triggers.base import BaseTrigger

from app.schedules import CompiledSchedule


class ScheduleTrigger(BaseTrigger):  # type: ignore[misc]
    __slots__ = ("_last", "compiled")

    def __init__(self, compiled: CompiledSchedule) -> None:
        self.compiled = compiled
        self._last: tuple[datetime, datetime | None] | None = None

    def next_after(self, after: datetime) -> datetime | None:
        """The next fire after ``after``; remembered, because a fire asks twice (us, then APScheduler)."""
        if self._last is None or self._last[0] != after:
            self._last = (after, self.compiled.next_fire(after))
        return self._last[1]

    def get_next_fire_time(self, previous_fire_time: datetime | None, now: datetime) -> datetime | None:
        after = previous_fire_time if previous_fire_time is not None else now - timedelta(microseconds=1)
        return self.next_after(after)

    def __str__(self) -> str:
        return self.compiled.describe()


class TaskJobStore(MemoryJobStore):  # type: ignore[misc]
    """In-memory jobs, at most ``chunk`` due jobs handed out per wake-up."""

    def __init__(self, chunk: int = 500) -> None:
        super().__init__()
        self.chunk = chunk

    def get_due_jobs(self, now: datetime) -> list[Any]:
        due: list[Any] = []
        for job, timestamp in self._jobs:
            if timestamp is None or timestamp > now.timestamp() or len(due) >= self.chunk:
                break
            due.append(job)
        return due


FireSink = Callable[[int, list[datetime], ScheduleTrigger], None]


class FireExecutor(BaseExecutor):  # type: ignore[misc]
    """Hands due fires to ``sink(task_id, run_times, trigger)``; never blocks, never runs jobs."""

    def __init__(self, sink: FireSink) -> None:
        super().__init__()
        self._sink = sink

    def submit_job(self, job: Any, run_times: list[datetime]) -> None:
        # Bypass BaseExecutor's max_instances bookkeeping: overlap is decided (and recorded
        # as `skipped`) by the database, which also sees runs started by other processes.
        self._sink(int(job.id), run_times, job.trigger)

    def _do_submit_job(self, job: Any, run_times: list[datetime]) -> None:  # pragma: no cover
        raise NotImplementedError


def never_called() -> None:  # pragma: no cover
    """Placeholder job function: :class:`FireExecutor` intercepts every submission."""
    raise RuntimeError("taskrunner jobs are dispatched by FireExecutor")
