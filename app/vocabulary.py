"""The domain's words, declared once: task states and kinds, run statuses, triggers, schedule kinds, policies.

Every layer (models, services, HTTP schemas, chat, CLI, MCP) uses these enums
instead of bare strings. They are ``StrEnum``s, so each member *is* its JSON
value (``TaskState.ACTIVE == "active"``) and stored rows and JSON keep the
same text as before.
"""

from __future__ import annotations

from enum import StrEnum


class TaskState(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    COMPLETED = "completed"


class ExecutionStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    TIMED_OUT = "timed_out"
    CANCELLED = "cancelled"
    SKIPPED = "skipped"
    MISSED = "missed"
    INTERRUPTED = "interrupted"
    WAITING = "waiting"  # recorded (a backfilled fire, say) and queued behind the task's current run


# Statuses in which a task counts as "running"; at most one such row per task.
ACTIVE_STATUSES: tuple[ExecutionStatus, ...] = (ExecutionStatus.QUEUED, ExecutionStatus.RUNNING)
# Records not finished: running, queued to run, or waiting their turn behind the task's current run.
UNFINISHED_STATUSES: tuple[ExecutionStatus, ...] = (*ACTIVE_STATUSES, ExecutionStatus.WAITING)
# Statuses of records whose fire never started an agent run.
NOT_EXECUTED_STATUSES: tuple[ExecutionStatus, ...] = (
    ExecutionStatus.MISSED,
    ExecutionStatus.SKIPPED,
    ExecutionStatus.QUEUED,
    ExecutionStatus.WAITING,
)


class Trigger(StrEnum):
    SCHEDULE = "schedule"
    MANUAL = "manual"
    CATCHUP = "catchup"
    RETRY = "retry"
    EVENT = "event"
    BACKFILL = "backfill"


# Runs queued by a request rather than by the leader's own clock: the leader picks these up.
ON_DEMAND_TRIGGERS: tuple[Trigger, ...] = (Trigger.MANUAL, Trigger.EVENT, Trigger.BACKFILL)
# Runs asked for on purpose (run now, a retry, a backfill): they still run on a paused task.
RUNS_WHEN_PAUSED: tuple[Trigger, ...] = (Trigger.MANUAL, Trigger.RETRY, Trigger.BACKFILL)


class ScheduleKind(StrEnum):
    CRON = "cron"
    ONCE = "once"
    INTERVAL = "interval"


class TaskKind(StrEnum):
    """What a run does (docs/task-kinds.md): an LLM agent run, one HTTP request, or a registered function."""

    AGENT = "agent"
    HTTP = "http"
    FUNCTION = "function"


class MissedRunPolicy(StrEnum):
    SKIP = "skip"
    CATCHUP = "catchup"
    FAIL = "fail"


class OverlapPolicy(StrEnum):
    """What a fire does while the task's previous run is still queued or running (docs/controls.md)."""

    SKIP = "skip"
    BUFFER_ONE = "buffer_one"
    CANCEL_OTHER = "cancel_other"
    ALLOW = "allow"


class KeyScope(StrEnum):
    """What an API key may do: everything, or only read (list, show, preview, explain)."""

    FULL = "full"
    READ_ONLY = "read_only"
