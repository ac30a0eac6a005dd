"""HTTP response shapes, built from ORM rows; never the ORM models themselves."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Generic, TypeVar
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from app.controls.jitter import due_at
from app.db.models import Execution, ExecutionStep, Task
from app.schedules.of_task import compile_task, spec_of

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
    next_run_at: datetime | None
    next_runs: list[datetime]
    next_fires: list[FireOut] = []
    last_fire_at: datetime | None
    parser: str | None = None
    assumptions: list[str] = []
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, task: Task, *, now: datetime, count: int = 5, spread_seconds: int = 0) -> TaskOut:
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
            notify=task.notify,
            next_run_at=task.next_run_at.astimezone(tz) if task.next_run_at else None,
            next_runs=[t.astimezone(tz) for t in next_runs],
            next_fires=[
                FireOut(
                    scheduled_for=t.astimezone(tz),
                    due_at=due_at(
                        task.id,
                        t,
                        jitter_seconds=task.jitter_seconds,
                        timezone=task.timezone,
                        spread_seconds=spread_seconds,
                    ).astimezone(tz),
                )
                for t in next_runs
            ],
            overlap_policy=task.overlap_policy,
            concurrency_key=task.concurrency_key,
            jitter_seconds=task.jitter_seconds,
            max_cost_usd_per_run=task.max_cost_usd_per_run,
            max_tokens_per_run=task.max_tokens_per_run,
            max_cost_usd_per_day=task.max_cost_usd_per_day,
            max_cost_usd_per_month=task.max_cost_usd_per_month,
            pause_on_budget=task.pause_on_budget,
            pause_after_failures=task.pause_after_failures,
            max_delay_seconds=task.max_delay_seconds,
            max_duration_seconds=task.max_duration_seconds,
            pause_note=task.pause_note,
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
    due_at: datetime | None = None
    sla_breach: str | None = None

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
