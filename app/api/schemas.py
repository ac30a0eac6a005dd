"""HTTP response shapes, built from the services' read models."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from app.services.functions import RegisteredFunction
from app.services.views import RunView, StepView, TaskView, TemplateView
from app.vocabulary import (
    DependencyMode,
    DependencyOn,
    ExecutionStatus,
    MissedRunPolicy,
    TaskKind,
    TaskState,
    Trigger,
)

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


class FireOut(BaseModel):
    """An upcoming fire: its nominal time and when it is due (after jitter or spread)."""

    scheduled_for: datetime
    due_at: datetime


class UpstreamOut(BaseModel):
    task_id: int
    on: DependencyOn


class AfterOut(BaseModel):
    """The tasks this one runs after: once all have ended so (``all``), or on each one's end (``any``)."""

    mode: DependencyMode
    tasks: list[UpstreamOut]


class TaskOut(BaseModel):
    id: int
    name: str
    kind: TaskKind = TaskKind.AGENT
    instructions: str
    template_id: int | None = None
    params: dict[str, str] | None = None
    http: dict[str, Any] | None = None
    function: str | None = None
    description: str | None
    schedule: dict[str, Any]
    schedule_description: str
    state: TaskState
    enabled: bool
    missed_run_policy: MissedRunPolicy
    model: str | None
    tools: list[str]
    max_steps: int
    timeout_seconds: int
    max_retries: int
    retry_on_interrupt: bool = False
    notify: dict[str, Any] | None
    overlap_policy: str = "skip"
    concurrency_key: str | None = None
    jitter_seconds: int = 0
    max_cost_usd_per_run: float | None = None
    max_tokens_per_run: int | None = None
    max_cost_usd_per_day: float | None = None
    max_cost_usd_per_month: float | None = None
    pause_on_budget: bool = False
    pause_after_failures: int | None = None
    max_delay_seconds: int | None = None
    max_duration_seconds: int | None = None
    pause_note: str | None = None
    condition: dict[str, Any] | None = None
    after: AfterOut | None = None
    next_run_at: datetime | None
    next_runs: list[datetime]
    next_fires: list[FireOut] = []
    last_fire_at: datetime | None
    parser: str | None = None
    assumptions: list[str] = []
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, task: TaskView) -> TaskOut:
        fields = {name: getattr(task, name) for name in cls.model_fields}
        fields["schedule"] = task.schedule.model_dump(mode="json")
        fields["next_fires"] = [FireOut.model_validate(f, from_attributes=True) for f in task.next_fires]
        fields["after"] = AfterOut.model_validate(asdict(task.after)) if task.after is not None else None
        fields["created_at"] = task.created_at.astimezone(UTC)  # stamps answer in UTC, as before
        fields["updated_at"] = task.updated_at.astimezone(UTC)
        return cls.model_validate(fields)


class StepOut(BaseModel):
    index: int
    kind: str
    name: str
    input: Any
    output: Any
    error: str | None
    started_at: datetime
    latency_ms: float
    prompt_tokens: int | None
    completion_tokens: int | None
    cost_usd: float | None
    attempt: int

    @classmethod
    def of(cls, step: StepView) -> StepOut:
        return cls.model_validate({**asdict(step), "started_at": step.started_at.astimezone(UTC)})


class ExecutionOut(BaseModel):
    id: int
    task_id: int
    trigger: Trigger
    status: ExecutionStatus
    reason: str | None
    scheduled_for: datetime
    started_at: datetime | None
    finished_at: datetime | None
    duration_ms: int | None
    trigger_delay_ms: int | None
    model: str | None
    output: str | None
    error: str | None
    prompt_tokens: int | None
    completion_tokens: int | None
    cost_usd: float | None
    attempt: int
    retry_of: int | None = None  # a retry attempt: the first attempt's record
    worker_id: str | None = None  # the worker that ran (or runs) it
    cancel_requested_at: datetime | None = None
    due_at: datetime | None = None
    sla_breach: str | None = None
    inputs: dict[str, Any] | None = None
    condition_result: str | None = None  # what the task's run condition found before this run
    upstream_execution_id: int | None = None  # a dependency run: the upstream run whose end queued it
    instructions: str | None = None  # the exact instructions an agent run was given

    @classmethod
    def of(cls, run: RunView) -> ExecutionOut:
        fields = {name: getattr(run, name) for name in cls.model_fields}
        for name in ("scheduled_for", "started_at", "finished_at", "cancel_requested_at"):
            if fields[name] is not None:
                fields[name] = fields[name].astimezone(UTC)  # records answer in UTC, as before
        return cls.model_validate(fields)


class ExecutionDetailOut(ExecutionOut):
    steps: list[StepOut]

    @classmethod
    def of_run(cls, run: RunView) -> ExecutionDetailOut:
        return cls(**ExecutionOut.of(run).model_dump(), steps=[StepOut.of(s) for s in run.steps or ()])


class PreviewOut(BaseModel):
    description: str
    timezone: str
    next_runs: list[datetime]


class ParseRunOut(BaseModel):
    at: datetime
    local: str
    dst_change: str | None = None


class ParseOut(BaseModel):
    text: str
    schedule: dict[str, Any]
    instructions: str
    name: str
    description: str
    next_runs: list[datetime]
    parser: str
    assumptions: list[str]
    schedule_words: list[str] = []
    runs: list[ParseRunOut] = []
    explanation: str = ""


class RunNowIn(BaseModel):
    """Optional body of ``POST /api/tasks/{id}/run``."""

    model_config = ConfigDict(extra="forbid")

    inputs: dict[str, Any] | None = Field(
        default=None, description="A JSON object (at most 64 KiB) given to the run; the agent sees it as data."
    )
    idempotency_key: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        pattern=r"^[^\x00]*$",
        description="The same key within 24 hours answers the first run instead of starting another.",
    )


class TemplateOut(BaseModel):
    id: int
    name: str
    description: str | None
    instructions: str
    placeholders: list[str]
    task_ids: list[int]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, template: TemplateView) -> TemplateOut:
        return cls.model_validate(
            {
                **asdict(template),
                "created_at": template.created_at.astimezone(UTC),
                "updated_at": template.updated_at.astimezone(UTC),
            }
        )


class FunctionOut(BaseModel):
    name: str
    target: str
    summary: str | None
    problem: str | None = None

    @classmethod
    def of(cls, function: RegisteredFunction) -> FunctionOut:
        return cls.model_validate(asdict(function))


class FunctionList(BaseModel):
    items: list[FunctionOut]
    total: int
