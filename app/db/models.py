"""ORM models: tasks, their execution records and each record's steps.

Models are storage only; HTTP shapes live in ``app.api.schemas``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from app.db.types import StrEnumText, UTCDateTime
from app.vocabulary import ACTIVE_STATUSES, ExecutionStatus, MissedRunPolicy, ScheduleKind, TaskKind, TaskState, Trigger

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# BIGINT on PostgreSQL, but INTEGER on SQLite so the key is its rowid and autoincrements.
BigId = BigInteger().with_variant(Integer(), "sqlite")

__all__ = ["ACTIVE_STATUSES", "Base", "BigId", "Execution", "ExecutionStep", "Task", "TaskTemplate"]


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Task(Base):
    __tablename__ = "tasks"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200))
    instructions: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)  # original plain-words text, if any
    parse_info: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # parser, assumptions
    # What a run does (docs/task-kinds.md). An agent task made from a template keeps the
    # template's instructions filled with ``params`` in ``instructions``, re-filled when the
    # template changes; http tasks keep their request in ``http``, function tasks the
    # registered function's name in ``function``.
    kind: Mapped[TaskKind] = mapped_column(StrEnumText(TaskKind), default=TaskKind.AGENT, server_default="agent")
    http: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    function: Mapped[str | None] = mapped_column(String(200))
    template_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("task_templates.id", ondelete="SET NULL"), index=True
    )
    params: Mapped[dict[str, str] | None] = mapped_column(JSON(none_as_null=True))

    schedule_kind: Mapped[ScheduleKind] = mapped_column(StrEnumText(ScheduleKind))
    cron: Mapped[str | None] = mapped_column(String(200))
    run_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    every_seconds: Mapped[int | None] = mapped_column(Integer)
    timezone: Mapped[str] = mapped_column(String(64))
    interval_anchor: Mapped[datetime | None] = mapped_column(UTCDateTime)

    missed_run_policy: Mapped[MissedRunPolicy] = mapped_column(
        StrEnumText(MissedRunPolicy), default=MissedRunPolicy.SKIP
    )
    model: Mapped[str | None] = mapped_column(String(200))
    tools: Mapped[list[str]] = mapped_column(JSON, default=list)
    max_steps: Mapped[int] = mapped_column(Integer)
    timeout_seconds: Mapped[int] = mapped_column(Integer)
    max_retries: Mapped[int] = mapped_column(Integer)
    # A run lost with its worker starts again as a new attempt (trigger "retry").
    retry_on_interrupt: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    # Where to report runs: {"webhook_url": ..., "email": ..., "on": "failure" | "always"}.
    notify: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    # Controls (docs/controls.md): overlap, concurrency, jitter, budgets, failures, SLA.
    overlap_policy: Mapped[str] = mapped_column(String(16), default="skip", server_default="skip")
    concurrency_key: Mapped[str | None] = mapped_column(String(100))
    jitter_seconds: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    max_cost_usd_per_run: Mapped[float | None] = mapped_column(Float)
    max_tokens_per_run: Mapped[int | None] = mapped_column(Integer)
    max_cost_usd_per_day: Mapped[float | None] = mapped_column(Float)
    max_cost_usd_per_month: Mapped[float | None] = mapped_column(Float)
    pause_on_budget: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    pause_after_failures: Mapped[int | None] = mapped_column(Integer)
    pause_note: Mapped[str | None] = mapped_column(Text)  # why the task is paused, shown everywhere
    resumed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # failure streaks count from here
    max_delay_seconds: Mapped[int | None] = mapped_column(Integer)
    max_duration_seconds: Mapped[int | None] = mapped_column(Integer)
    # Checked before a run (app.runner.conditions): {"url_changed": URL} or {"http_ok": URL}.
    condition: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    # Dependencies as declared: {"mode": "all" | "any", "tasks": [{"task_id": 3, "on": "succeeded"}]}.
    # Shown as set; queries use the edges in ``task_dependencies`` (app.db.dependency_models), written with it.
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))

    state: Mapped[TaskState] = mapped_column(StrEnumText(TaskState), default=TaskState.ACTIVE)
    next_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The latest scheduled time already accounted for (recorded); missed fires start after it.
    last_fire_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("ix_tasks_state_next_run_at", "state", "next_run_at"),
        Index("ix_tasks_updated_at", "updated_at"),
        Index("ix_tasks_concurrency_key", "concurrency_key"),
        # SQLite: never hand a deleted task's id to a new task (the leader may still hold the old one).
        {"sqlite_autoincrement": True},
    )


class TaskTemplate(Base):
    """Instructions with ``{{placeholder}}`` names that agent tasks fill with their own ``params``."""

    __tablename__ = "task_templates"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    instructions: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = ({"sqlite_autoincrement": True},)


class TaskTombstone(Base):
    """A deleted task's id and when it went: how a leader in another process hears of deletions."""

    __tablename__ = "task_tombstones"

    task_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    deleted_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class Execution(Base):
    __tablename__ = "executions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    task_id: Mapped[int] = mapped_column(BigId, ForeignKey("tasks.id", ondelete="CASCADE"))
    trigger: Mapped[Trigger] = mapped_column(StrEnumText(Trigger))
    status: Mapped[ExecutionStatus] = mapped_column(StrEnumText(ExecutionStatus))
    reason: Mapped[str | None] = mapped_column(Text)
    scheduled_for: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    trigger_delay_ms: Mapped[int | None] = mapped_column(Integer)
    model: Mapped[str | None] = mapped_column(String(200))
    output: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    prompt_tokens: Mapped[int | None] = mapped_column(Integer)
    completion_tokens: Mapped[int | None] = mapped_column(Integer)
    cost_usd: Mapped[float | None] = mapped_column(Float)
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # What the run was started with (a JSON object), shown to the agent as data.
    inputs: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    # A caller's key: the same key (per task) answers the first execution instead of starting another.
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    # Where the period this run covers starts, when fixed as it was queued (a backfilled fire's own window).
    window_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The worker holding a running run (see app.db.worker_models.Worker), a cancel asked
    # for while it ran, and for a retry attempt the first attempt's record.
    worker_id: Mapped[str | None] = mapped_column(String(64))
    cancel_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    retry_of: Mapped[int | None] = mapped_column(BigId, ForeignKey("executions.id", ondelete="SET NULL"))
    # Controls: when the fire may start (scheduled_for plus jitter), the overlap slot it
    # holds while queued or running (app.controls.overlap), and any SLA breach, in words.
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    slot: Mapped[int | None] = mapped_column(Integer, default=0)
    sla_breach: Mapped[str | None] = mapped_column(Text)
    # The task's condition as this run checked it: what it found, in words, and for
    # url_changed the SHA-256 (hex) of the content read, which the next check compares with.
    condition_result: Mapped[str | None] = mapped_column(Text)
    condition_hash: Mapped[str | None] = mapped_column(String(64))
    # A dependency run: the upstream run whose end queued it (for ``all``, the end that completed the set).
    upstream_execution_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("executions.id", ondelete="SET NULL"))
    # The exact instructions an agent run was given (a template may change later).
    instructions: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        # No fire is recorded (and so run) twice.
        UniqueConstraint("task_id", "scheduled_for"),
        UniqueConstraint("task_id", "idempotency_key"),
        # An upstream run's end queues a dependent task at most once, whoever notices it first.
        UniqueConstraint("task_id", "upstream_execution_id"),
        # Overlap: at most one queued-or-running row per (task, slot); NULL (policy allow) never conflicts.
        Index(
            "uq_executions_one_active_per_task_slot",
            "task_id",
            "slot",
            unique=True,
            postgresql_where=text("status IN ('queued', 'running')"),
            sqlite_where=text("status IN ('queued', 'running')"),
        ),
        Index("ix_executions_task_id_status", "task_id", "status"),
        Index("ix_executions_status_scheduled_for", "status", "scheduled_for"),
        Index("ix_executions_scheduled_for", "scheduled_for"),
        Index("ix_executions_worker_id", "worker_id"),
        Index("ix_executions_finished_at", "finished_at"),  # metrics: runs finished in the last 24 h
        # The last condition check of a task (app.runner.conditions): only rows that stored a hash.
        Index(
            "ix_executions_condition_checks",
            "task_id",
            "started_at",
            postgresql_where=text("condition_hash IS NOT NULL"),
            sqlite_where=text("condition_hash IS NOT NULL"),
        ),
        # The dependency sweep reads an upstream task's recent ends.
        Index("ix_executions_task_id_finished_at", "task_id", "finished_at"),
        {"sqlite_autoincrement": True},
    )


class ExecutionStep(Base):
    __tablename__ = "execution_steps"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    execution_id: Mapped[int] = mapped_column(BigId, ForeignKey("executions.id", ondelete="CASCADE"))
    index: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(8))
    name: Mapped[str] = mapped_column(String(200))
    input: Mapped[Any] = mapped_column(JSON)
    output: Mapped[Any] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    latency_ms: Mapped[float] = mapped_column(Float)
    prompt_tokens: Mapped[int | None] = mapped_column(Integer)
    completion_tokens: Mapped[int | None] = mapped_column(Integer)
    cost_usd: Mapped[float | None] = mapped_column(Float)
    attempt: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (UniqueConstraint("execution_id", "index"), {"sqlite_autoincrement": True})


class ConcurrencyKey(Base):
    """A named limit on how many runs of the tasks naming it may run at once, across all workers."""

    __tablename__ = "concurrency_keys"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    max_running: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ModelPrice(Base):
    """A model's price per million tokens, for models litellm has no price for (or to override it)."""

    __tablename__ = "model_prices"

    model: Mapped[str] = mapped_column(String(200), primary_key=True)
    input_per_million: Mapped[float] = mapped_column(Float)
    output_per_million: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


# Chat tables live in their own module; import them so the metadata (and Alembic) sees them.
from app.db import chat_models, dependency_models, hook_models, ops_models, worker_models  # noqa: E402, F401
