"""What to do with fires whose time passed while no scheduler was running (pure policy)."""

from __future__ import annotations

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
