"""What to do with fires whose time passed while no scheduler was running (policy, pure but for threads)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.scheduler.writer import Fire
from app.schedules import CompiledSchedule

# More missed fires than this per task are summarised in the last record's reason.
MAX_RECORDED_MISSED = 1000


@dataclass(frozen=True, kw_only=True)
class StoredTask:
    """The columns the scheduler needs to plan a task's fires."""

    id: int
    policy: str
    kind: str
    next_run_at: datetime | None
    revision: int


def plan_recovery(
    task: StoredTask, compiled: CompiledSchedule, *, now: datetime, grace: timedelta
) -> tuple[list[Fire], datetime | None]:
    """Fires to record for the time the service was down, and the task's next fire after ``now``.

    Fires no older than ``grace`` still run (late); older ones follow the task's policy:
    ``skip`` records them ``missed``, ``fail`` records them ``failed``, ``catchup`` runs
    the latest once (trigger ``catchup``) and records the others as covered by it.
    """
    start = task.next_run_at
    if start is None or start > now:
        return [], (start if start is not None else compiled.next_fire(now))
    next_after_now = compiled.next_fire(now)
    due = [start, *compiled.fires_between(start, now, limit=MAX_RECORDED_MISSED)]
    overflow = len(due) > MAX_RECORDED_MISSED
    due = due[:MAX_RECORDED_MISSED]
    once = task.kind == "once"
    late_cutoff = now - grace
    late = [t for t in due if t >= late_cutoff]
    missed = [t for t in due if t < late_cutoff]
    fires: list[Fire] = []

    def fire(at: datetime, *, status: str, reason: str | None = None, trigger: str = "schedule") -> Fire:
        return Fire(
            task_id=task.id,
            scheduled_for=at,
            trigger=trigger,
            status=status,
            reason=reason,
            next_run_at=next_after_now,
            complete=once,
            revision=task.revision,
        )

    if missed:
        span = f"between {missed[0].isoformat()} and {missed[-1].isoformat()}"
        more = " (more fires were missed than are recorded one by one)" if overflow else ""
        if task.policy == "catchup" and not late:
            covered = f"covered by the catch-up run for {missed[-1].isoformat()}"
            fires += [fire(t, status="missed", reason=f"the service was down; {covered}") for t in missed[:-1]]
            fires.append(
                fire(
                    missed[-1],
                    trigger="catchup",
                    status="queued",
                    reason=f"catch-up run for {len(missed)} fire(s) missed {span}{more}",
                )
            )
        else:
            status = "failed" if task.policy == "fail" else "missed"
            why = {
                "fail": "the service was not running at this time; missed-run policy 'fail'",
                "catchup": "the service was down; a later fire ran instead",
            }.get(task.policy, "the service was not running at this time; missed-run policy 'skip'")
            fires += [fire(t, status=status, reason=why + more) for t in missed]
    for i, t in enumerate(late):
        if i == len(late) - 1:
            fires.append(fire(t, status="queued"))
        else:
            fires.append(fire(t, status="missed", reason="the scheduler fell behind; a later fire ran instead"))
    return fires, (None if once else next_after_now)


@dataclass(frozen=True, kw_only=True)
class LeftQueued:
    """A run found ``queued`` when a scheduler starts: its previous leader never ran it."""

    execution_id: int
    trigger: str
    scheduled_for: datetime
    policy: str  # the task's missed-run policy
    attempt: int = 1


@dataclass(frozen=True, kw_only=True)
class Settled:
    """What becomes of a :class:`LeftQueued` run that is not run: its final status and why."""

    execution_id: int
    status: str
    reason: str


def settle_left_queued(run: LeftQueued, *, now: datetime, grace: timedelta) -> Settled | None:
    """None when ``run`` should still run; else how to record it, per its task's missed-run policy.

    A fire left queued by a crash is late like any fire whose time passed while the
    service was down: within ``grace`` it runs; older, ``skip`` records it ``missed``,
    ``fail`` records it ``failed``, and ``catchup`` runs it (it is the catch-up run).
    Runs someone asked for by hand (trigger ``manual``), catch-up runs, dependency runs (an
    upstream run ended: nothing would queue them again) and retries of
    runs lost with their worker always run.
    """
    if (
        run.trigger in ("manual", "catchup", "retry", "dependency")
        or run.policy == "catchup"
        or run.scheduled_for >= now - grace
    ):
        return None
    late = _duration(now - run.scheduled_for)
    again = " (restarted after it was interrupted before its first model call)" if run.attempt > 1 else ""
    if run.policy == "fail":
        why = f"the service was down when this run was due{again} and came back {late} late; missed-run policy 'fail'"
        return Settled(execution_id=run.execution_id, status="failed", reason=why)
    why = f"the service was down when this run was due{again} and came back {late} late; missed-run policy 'skip'"
    return Settled(execution_id=run.execution_id, status="missed", reason=why)


def _duration(span: timedelta) -> str:
    seconds = int(span.total_seconds())
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h"


async def plan_all(
    tasks: Sequence[tuple[StoredTask, CompiledSchedule]], *, now: datetime, grace: timedelta
) -> list[tuple[list[Fire], datetime | None]]:
    """:func:`plan_recovery` for each task; tasks with fires to account for are planned in a thread.

    Accounting for a long downtime walks many fires per task (and near a DST change
    each costs more), which must not hold the event loop that records other fires.
    """
    due = [i for i, (task, _c) in enumerate(tasks) if task.next_run_at is not None and task.next_run_at <= now]
    plans: list[tuple[list[Fire], datetime | None] | None] = [None] * len(tasks)
    for i, (task, compiled) in enumerate(tasks):
        if task.next_run_at is None or task.next_run_at > now:
            plans[i] = plan_recovery(task, compiled, now=now, grace=grace)
    if due:

        def plan_due() -> list[tuple[list[Fire], datetime | None]]:
            return [plan_recovery(tasks[i][0], tasks[i][1], now=now, grace=grace) for i in due]

        for i, plan in zip(due, await asyncio.to_thread(plan_due), strict=True):
            plans[i] = plan
    return [p for p in plans if p is not None]
