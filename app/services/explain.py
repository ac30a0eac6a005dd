"""Why a task did or did not run: a deterministic explanation built from its state and records.

The chat assistant and MCP clients quote these findings; they do not reason about
records on their own, so "why didn't my 9am digest run?" is answered the same way every
time and only from what is stored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from app.db.models import Execution, Task
from app.services.views import Explanation
from app.vocabulary import ConditionKind, DependencyMode, ExecutionStatus, TaskState, Trigger


@dataclass(frozen=True, kw_only=True)
class UpstreamRun:
    """The upstream run behind a dependency run, as an explanation names it."""

    execution_id: int
    task_id: int
    task_name: str
    status: str


# What a status means when the record carries no reason of its own.
_DEFAULT_REASONS: dict[str, str] = {
    ExecutionStatus.MISSED: "the service was not running at the scheduled time",
    ExecutionStatus.SKIPPED: "the previous run was still going, and a task never runs twice at once",
    ExecutionStatus.INTERRUPTED: "the service stopped while it was running",
    ExecutionStatus.CANCELLED: "it was cancelled",
    ExecutionStatus.FAILED: "it failed",
    ExecutionStatus.TIMED_OUT: "it ran out of time",
}


def spoken(moment: datetime, timezone: str) -> str:
    """``Mon 2026-11-23 09:00 CET``: how explanations write a time."""
    return moment.astimezone(ZoneInfo(timezone)).strftime("%a %Y-%m-%d %H:%M %Z")


def explain_task(
    task: Task,
    records: Sequence[Execution],
    *,
    since: datetime,
    until: datetime,
    unrecorded_fires: Sequence[datetime] = (),
    upstream_runs: Mapping[int, UpstreamRun] | None = None,
    task_names: Mapping[int, str] | None = None,
) -> Explanation:
    """Explain what happened to ``task`` between ``since`` and ``until`` from its ``records``.

    ``records`` are the task's executions scheduled in that window (any order);
    ``unrecorded_fires`` are due times in the window with no record yet (the
    service was down and has not caught up). ``upstream_runs`` (by execution id) and
    ``task_names`` name what dependency runs ran after. Times are written in the task's timezone.
    """
    tz = task.timezone
    who = f"Task {task.id} ({task.name})"
    window = f"between {spoken(since, tz)} and {spoken(until, tz)}"
    findings: list[str] = []
    ordered = sorted(records, key=lambda r: (r.scheduled_for, r.id))

    if task.state == TaskState.PAUSED:
        findings.append(
            f"{who} is paused (last changed {spoken(task.updated_at, tz)}): a paused task does not fire, "
            "and times that pass while it is paused are neither run nor recorded. Resume it to run again."
        )
    elif task.state == TaskState.COMPLETED:
        findings.append(f"{who} was a one-time task and has already fired; it will not run again.")
    if since <= task.created_at <= until:
        findings.append(f"{who} was created at {spoken(task.created_at, tz)}, within this period.")
    if task.after:
        findings.append(_after_sentence(who, task.after, task_names or {}))
    if task.condition:
        findings.append(_condition_sentence(who, task.condition))

    for record in ordered:
        findings.append(_record_sentence(record, tz, (upstream_runs or {}).get(record.upstream_execution_id or 0)))
    for due in sorted(unrecorded_fires):
        findings.append(
            f"No run is recorded for the fire due at {spoken(due, tz)}: the scheduler has not recorded it "
            f"(the service was probably not running); it is recorded by missed-run policy "
            f"'{task.missed_run_policy}' when the scheduler catches up."
        )
    if not ordered and not unrecorded_fires:
        findings.append(f"{who} had no run due {window}, so nothing ran and nothing was recorded.")

    next_run = (
        task.next_run_at.astimezone(ZoneInfo(tz)) if task.state == TaskState.ACTIVE and task.next_run_at else None
    )
    if task.state == TaskState.ACTIVE:
        if task.next_run_at is None:
            findings.append("It has no next run scheduled.")
        elif task.next_run_at > until or not unrecorded_fires:
            findings.append(f"Its next run is at {spoken(task.next_run_at, tz)}.")
    return Explanation(
        task_id=task.id,
        since=since.astimezone(ZoneInfo(tz)),
        until=until.astimezone(ZoneInfo(tz)),
        verdict=_verdict(task, ordered, unrecorded_fires),
        findings=tuple(findings),
        execution_ids=tuple(r.id for r in ordered),
        next_run_at=next_run,
    )


def _after_sentence(who: str, after: Mapping[str, object], names: Mapping[int, str]) -> str:
    upstreams = after.get("tasks") or []
    assert isinstance(upstreams, list)
    listed = ", ".join(f"task {u['task_id']} ({names.get(u['task_id'], '?')}) {u['on']}" for u in upstreams)
    if len(upstreams) < 2:
        return f"{who} also runs after {listed} (trigger 'dependency'), unless it is paused."
    how = "once all of them have" if after.get("mode") == DependencyMode.ALL else "each time one of them has"
    return f"{who} also runs after {listed}: {how} ended so (trigger 'dependency'), unless it is paused."


def _condition_sentence(who: str, condition: Mapping[str, object]) -> str:
    if condition.get(ConditionKind.URL_CHANGED):
        check = f"the content at {condition[ConditionKind.URL_CHANGED]} changed since the last check"
    else:
        check = f"{condition.get(ConditionKind.HTTP_OK)} answers 2xx"
    return (
        f"{who} runs only if {check} (its run condition, checked before each scheduled run); "
        "a fire whose condition is not met, or cannot be checked, is recorded as skipped with what the check found."
    )


def _record_sentence(record: Execution, tz: str, upstream: UpstreamRun | None = None) -> str:
    cause = str(record.trigger)
    if record.trigger == Trigger.DEPENDENCY:
        if upstream is not None:
            cause = (
                f"dependency: after run {upstream.execution_id} of task {upstream.task_id} "
                f"({upstream.task_name}) {upstream.status}"
            )
        elif record.upstream_execution_id is not None:
            cause = f"dependency: after run {record.upstream_execution_id}"
    head = f"Execution {record.id} ({cause}, scheduled for {spoken(record.scheduled_for, tz)})"
    status = record.status
    if status == ExecutionStatus.SUCCEEDED:
        finished = f" at {spoken(record.finished_at, tz)}" if record.finished_at else ""
        took = f" in {record.duration_ms / 1000:.1f} s" if record.duration_ms is not None else ""
        met = f" (condition met: {record.condition_result})" if record.condition_result else ""
        return f"{head} succeeded{finished}{took}{met}."
    if status in (ExecutionStatus.QUEUED, ExecutionStatus.RUNNING):
        return f"{head} is {status} now."
    if status == ExecutionStatus.WAITING:
        return f"{head} is waiting for the task's current run to end; it is queued next, oldest first."
    why = record.error or record.reason or _DEFAULT_REASONS.get(status, status)
    if status in (ExecutionStatus.FAILED, ExecutionStatus.TIMED_OUT):
        verb = "failed" if status == ExecutionStatus.FAILED else "timed out"
        tries = f" (attempt {record.attempt})" if record.attempt > 1 else ""
        return f"{head} {verb}{tries}: {why}."
    verb = {
        ExecutionStatus.MISSED: "was missed",
        ExecutionStatus.SKIPPED: "was skipped",
        ExecutionStatus.INTERRUPTED: "was interrupted",
    }.get(status, f"ended as {status}")
    return f"{head} {verb}: {why}."


def _verdict(task: Task, ordered: Sequence[Execution], unrecorded: Sequence[datetime]) -> str:
    if task.state == TaskState.PAUSED and not ordered:
        return "paused"
    if ordered:
        return str(ordered[-1].status)
    if unrecorded:
        return "unrecorded"
    if task.state == TaskState.COMPLETED:
        return "completed"
    return "nothing_due"
