"""HTTP response shapes, built from ORM rows; never the ORM models themselves."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Generic, TypeVar
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from app.db.models import Execution, ExecutionStep, Task
from app.schedules.of_task import compile_task, spec_of

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


class TaskOut(BaseModel):
    id: int
    name: str
    instructions: str
    description: str | None
    schedule: dict[str, Any]
    schedule_description: str
    state: str
    enabled: bool
    missed_run_policy: str
    model: str | None
    tools: list[str]
    max_steps: int
    timeout_seconds: int
    max_retries: int
    retry_on_interrupt: bool = False
    notify: dict[str, Any] | None
    next_run_at: datetime | None
    next_runs: list[datetime]
    last_fire_at: datetime | None
    parser: str | None = None
    assumptions: list[str] = []
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, task: Task, *, now: datetime, count: int = 5) -> TaskOut:
        compiled = compile_task(task)
        tz = ZoneInfo(task.timezone)
        next_runs: list[datetime] = []
        if task.state == "active" and task.next_run_at is not None:
            next_runs = [task.next_run_at, *compiled.next_fires(task.next_run_at, count - 1)]
        spec = spec_of(task).model_dump(mode="json")
        if task.schedule_kind == "once" and task.run_at is not None:
            spec["at"] = task.run_at.astimezone(tz).isoformat()
        info = task.parse_info or {}
        return cls(
            id=task.id,
            name=task.name,
            instructions=task.instructions,
            description=task.description,
            schedule=spec,
            schedule_description=compiled.describe(),
            state=task.state,
            enabled=task.state == "active",
            missed_run_policy=task.missed_run_policy,
            model=task.model,
            tools=list(task.tools or []),
            max_steps=task.max_steps,
            timeout_seconds=task.timeout_seconds,
            max_retries=task.max_retries,
            retry_on_interrupt=task.retry_on_interrupt,
            notify=task.notify,
            next_run_at=task.next_run_at.astimezone(tz) if task.next_run_at else None,
            next_runs=[t.astimezone(tz) for t in next_runs],
            last_fire_at=task.last_fire_at.astimezone(tz) if task.last_fire_at else None,
            parser=info.get("parser"),
            assumptions=list(info.get("assumptions", [])),
            created_at=task.created_at,
            updated_at=task.updated_at,
        )


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
    def of(cls, step: ExecutionStep) -> StepOut:
        return cls.model_validate(step, from_attributes=True)


class ExecutionOut(BaseModel):
    id: int
    task_id: int
    trigger: str
    status: str
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

    @classmethod
    def of(cls, execution: Execution) -> ExecutionOut:
        return cls.model_validate(execution, from_attributes=True)


class ExecutionDetailOut(ExecutionOut):
    steps: list[StepOut]


class PreviewOut(BaseModel):
    description: str
    timezone: str
    next_runs: list[datetime]


class ParseOut(BaseModel):
    text: str
    schedule: dict[str, Any]
    instructions: str
    name: str
    description: str
    next_runs: list[datetime]
    parser: str
    assumptions: list[str]
