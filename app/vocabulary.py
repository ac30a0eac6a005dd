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
    DEPENDENCY = "dependency"  # an upstream task's run ended the way the task waits for (docs/triggers.md)


# Runs queued by a request or another task's run rather than by the leader's own clock (a
# dependency run may be queued by a worker process): the leader picks these up at once.
ON_DEMAND_TRIGGERS: tuple[Trigger, ...] = (Trigger.MANUAL, Trigger.EVENT, Trigger.BACKFILL, Trigger.DEPENDENCY)
# Runs asked for on purpose (run now, a retry, a backfill): they still run on a paused task.
# A dependency run is not one of them: pausing a task stops every automatic start, its upstreams' too.
RUNS_WHEN_PAUSED: tuple[Trigger, ...] = (Trigger.MANUAL, Trigger.RETRY, Trigger.BACKFILL)


class HookRefusal(StrEnum):
    """Why an inbound event hook refused a delivery (the ``reason`` label of its metric)."""

    NOT_FOUND = "not_found"  # no such hook
    BAD_TOKEN = "bad_token"
    MISSING_SIGNATURE = "missing_signature"
    BAD_TIMESTAMP = "bad_timestamp"
    STALE_TIMESTAMP = "stale_timestamp"
    BAD_SIGNATURE = "bad_signature"
    REPLAY = "replay"  # a signature already accepted
    BAD_DELIVERY_ID = "bad_delivery_id"
    RATE_LIMITED = "rate_limited"
    INVALID_BODY = "invalid_body"
    TASK_NOT_ACTIVE = "task_not_active"
    RUN_REFUSED = "run_refused"  # the run could not start (the task is busy, inputs refused)


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


class DependencyOn(StrEnum):
    """Which end of an upstream task's run starts its dependents (docs/triggers.md)."""

    SUCCEEDED = "succeeded"  # the run succeeded
    FAILED = "failed"  # the run ran and did not succeed: failed, timed_out or interrupted
    FINISHED = "finished"  # either of those


class DependencyMode(StrEnum):
    """With several upstream tasks: run once all of them have ended so, or on each one's end."""

    ALL = "all"
    ANY = "any"


class KeyScope(StrEnum):
    """What an API key may do: everything, or only read (list, show, preview, explain)."""

    FULL = "full"
    READ_ONLY = "read_only"


class ConditionKind(StrEnum):
    """What a task's run condition checks before a run (docs/triggers.md, "Conditions")."""

    URL_CHANGED = "url_changed"  # the content at a URL differs from the last check's (SHA-256)
    HTTP_OK = "http_ok"  # a URL answers 2xx


class ConditionOutcome(StrEnum):
    MET = "met"  # the run goes ahead
    NOT_MET = "not_met"  # skipped: nothing to do
    ERROR = "error"  # skipped: the condition could not be checked (unreachable, refused, not 2xx for url_changed)


# Runs that check the task's condition: fires by the clock and events. Runs asked for on
# purpose (run now, a retry of a lost run, a backfill) run without it, as they run on a paused task.
CHECKS_CONDITION: tuple[Trigger, ...] = (Trigger.SCHEDULE, Trigger.CATCHUP, Trigger.EVENT)
