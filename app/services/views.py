"""Read models: what services hand to every client (API, chat, CLI, MCP, dashboard).

Frozen values built from stored rows in ONE place, so "next runs", "the
schedule in words" and times in the task's timezone are computed the same way
for every client. Times are aware and in the task's timezone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar
from zoneinfo import ZoneInfo

from app.controls.jitter import due_at
from app.db.models import Execution, ExecutionStep, Task, TaskTemplate
from app.nl import RunExplained
from app.redact import REDACTED, is_secret_key
from app.schedules.of_task import compile_task, spec_of
from app.schedules.spec import AnySpec, OnceSpec
from app.services.placeholders import placeholders as placeholder_names
from app.vocabulary import (
    UNFINISHED_STATUSES,
    DependencyMode,
    DependencyOn,
    ExecutionStatus,
    MissedRunPolicy,
    ScheduleKind,
    TaskKind,
    TaskState,
    Trigger,
)

DEFAULT_NEXT_RUNS = 5
T = TypeVar("T")


def _local(moment: datetime | None, tz: ZoneInfo) -> datetime | None:
    return moment.astimezone(tz) if moment is not None else None


@dataclass(frozen=True, kw_only=True)
class FireView:
    """An upcoming fire: its nominal time and when it is due (after jitter or spread)."""

    scheduled_for: datetime
    due_at: datetime


@dataclass(frozen=True, kw_only=True)
class UpstreamView:
    """A task this one runs after, and which end of its runs counts."""

    task_id: int
    on: DependencyOn


@dataclass(frozen=True, kw_only=True)
class AfterView:
    """What a task runs after (docs/triggers.md): every upstream (``all``) or each one (``any``)."""

    mode: DependencyMode
    tasks: tuple[UpstreamView, ...]

    @classmethod
    def of(cls, stored: dict[str, Any] | None) -> AfterView | None:
        if not stored:
            return None
        return cls(
            mode=DependencyMode(stored["mode"]),
            tasks=tuple(UpstreamView(task_id=int(u["task_id"]), on=DependencyOn(u["on"])) for u in stored["tasks"]),
        )


@dataclass(frozen=True, kw_only=True)
class TaskView:
    """A task with its schedule in words and its next run times (nominal, and with when each is due)."""

    id: int
    name: str
    instructions: str
    description: str | None
    schedule: AnySpec
    schedule_kind: ScheduleKind
    schedule_description: str
    timezone: str
    state: TaskState
    missed_run_policy: MissedRunPolicy
    model: str | None
    tools: tuple[str, ...]
    max_steps: int
    timeout_seconds: int
    max_retries: int
    notify: dict[str, Any] | None
    next_run_at: datetime | None
    next_runs: tuple[datetime, ...]
    last_fire_at: datetime | None
    parser: str | None
    assumptions: tuple[str, ...]
    revision: int
    created_at: datetime
    updated_at: datetime
    # Controls (docs/controls.md)
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
    retry_on_interrupt: bool = False  # a run lost with its worker starts again (docs/operations.md)
    condition: dict[str, Any] | None = None  # checked before each fire runs (docs/triggers.md, "Conditions")
    next_fires: tuple[FireView, ...] = ()  # next_runs with their due times
    after: AfterView | None = None  # the tasks it runs after (docs/triggers.md)
    # What a run does (docs/task-kinds.md); secret request headers are shown as [REDACTED].
    kind: TaskKind = TaskKind.AGENT
    http: dict[str, Any] | None = None
    function: str | None = None
    template_id: int | None = None
    params: dict[str, str] | None = None

    @property
    def enabled(self) -> bool:
        return self.state == TaskState.ACTIVE

    @classmethod
    def of(cls, task: Task, *, next_runs: int = DEFAULT_NEXT_RUNS, spread_seconds: int = 0) -> TaskView:
        """The view of a stored task, listing up to ``next_runs`` upcoming fire times.

        ``spread_seconds`` is the ``SPREAD_ROUND_HOURS`` window that, with the task's own
        jitter, moves each fire's due time (:func:`app.controls.jitter.due_at`).
        """
        tz = ZoneInfo(task.timezone)
        compiled = compile_task(task)
        upcoming: list[datetime] = []
        if task.state == TaskState.ACTIVE and task.next_run_at is not None and next_runs > 0:
            upcoming = [task.next_run_at, *compiled.next_fires(task.next_run_at, next_runs - 1)]
        local_runs = tuple(t.astimezone(tz) for t in upcoming)
        fires = tuple(
            FireView(
                scheduled_for=t,
                due_at=due_at(
                    task.id,
                    t,
                    jitter_seconds=task.jitter_seconds,
                    timezone=task.timezone,
                    spread_seconds=spread_seconds,
                ).astimezone(tz),
            )
            for t in local_runs
        )
        spec = spec_of(task)
        if isinstance(spec, OnceSpec):
            spec = spec.model_copy(update={"at": spec.at.astimezone(tz)})
        info = task.parse_info or {}
        return cls(
            id=task.id,
            name=task.name,
            instructions=task.instructions,
            description=task.description,
            schedule=spec,
            schedule_kind=ScheduleKind(task.schedule_kind),
            schedule_description=compiled.describe(),
            timezone=task.timezone,
            state=TaskState(task.state),
            missed_run_policy=MissedRunPolicy(task.missed_run_policy),
            model=task.model,
            tools=tuple(task.tools or ()),
            max_steps=task.max_steps,
            timeout_seconds=task.timeout_seconds,
            max_retries=task.max_retries,
            notify=task.notify,
            next_run_at=_local(task.next_run_at, tz) if task.state == TaskState.ACTIVE else None,
            next_runs=local_runs,
            last_fire_at=_local(task.last_fire_at, tz),
            parser=info.get("parser"),
            assumptions=tuple(info.get("assumptions", ())),
            revision=task.revision,
            created_at=task.created_at.astimezone(tz),
            updated_at=task.updated_at.astimezone(tz),
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
            retry_on_interrupt=bool(task.retry_on_interrupt),
            condition=task.condition,
            next_fires=fires,
            after=AfterView.of(task.after),
            kind=TaskKind(task.kind or TaskKind.AGENT),
            http=shown_http(task.http),
            function=task.function,
            template_id=task.template_id,
            params=dict(task.params) if task.params is not None else None,
        )


def shown_http(spec: dict[str, Any] | None) -> dict[str, Any] | None:
    """An http task's request as every client sees it: secret header values never leave the service."""
    if spec is None:
        return None
    headers = {k: (REDACTED if is_secret_key(k) and v else v) for k, v in (spec.get("headers") or {}).items()}
    return {**spec, "headers": headers}


@dataclass(frozen=True, kw_only=True)
class TemplateView:
    """A prompt template, its placeholder names and the tasks made from it."""

    id: int
    name: str
    description: str | None
    instructions: str
    placeholders: tuple[str, ...]
    task_ids: tuple[int, ...]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, template: TaskTemplate, task_ids: Sequence[int] = ()) -> TemplateView:
        return cls(
            id=template.id,
            name=template.name,
            description=template.description,
            instructions=template.instructions,
            placeholders=placeholder_names(template.instructions),
            task_ids=tuple(task_ids),
            created_at=template.created_at,
            updated_at=template.updated_at,
        )


@dataclass(frozen=True, kw_only=True)
class StepView:
    """One LLM call or tool call of a run, in order."""

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
    def of(cls, step: ExecutionStep, tz: ZoneInfo) -> StepView:
        return cls(
            index=step.index,
            kind=step.kind,
            name=step.name,
            input=step.input,
            output=step.output,
            error=step.error,
            started_at=step.started_at.astimezone(tz),
            latency_ms=step.latency_ms,
            prompt_tokens=step.prompt_tokens,
            completion_tokens=step.completion_tokens,
            cost_usd=step.cost_usd,
            attempt=step.attempt,
        )


@dataclass(frozen=True, kw_only=True)
class RunView:
    """One execution record; ``steps`` is filled only when one run is read in full."""

    id: int
    task_id: int
    timezone: str  # the task's; every time below is in it
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
    due_at: datetime | None = None  # the nominal time moved by jitter/spread (docs/controls.md)
    sla_breach: str | None = None
    retry_of: int | None = None  # a retry attempt: the first attempt's record
    worker_id: str | None = None  # the worker that ran (or runs) it
    cancel_requested_at: datetime | None = None
    steps: tuple[StepView, ...] | None = None
    inputs: dict[str, Any] | None = None  # what the run was started with (a JSON object)
    condition_result: str | None = None  # what the task's condition check found, when it was checked
    upstream_execution_id: int | None = None  # a dependency run: the upstream run whose end queued it
    instructions: str | None = None  # the exact instructions an agent run was given

    @classmethod
    def of(cls, execution: Execution, timezone: str, steps: Sequence[ExecutionStep] | None = None) -> RunView:
        tz = ZoneInfo(timezone)
        return cls(
            id=execution.id,
            task_id=execution.task_id,
            timezone=timezone,
            trigger=Trigger(execution.trigger),
            status=ExecutionStatus(execution.status),
            reason=execution.reason,
            scheduled_for=execution.scheduled_for.astimezone(tz),
            started_at=_local(execution.started_at, tz),
            finished_at=_local(execution.finished_at, tz),
            duration_ms=execution.duration_ms,
            trigger_delay_ms=execution.trigger_delay_ms,
            model=execution.model,
            output=execution.output,
            error=execution.error,
            prompt_tokens=execution.prompt_tokens,
            completion_tokens=execution.completion_tokens,
            cost_usd=execution.cost_usd,
            attempt=execution.attempt,
            due_at=_local(execution.due_at, tz),
            sla_breach=execution.sla_breach,
            retry_of=execution.retry_of,
            worker_id=execution.worker_id,
            cancel_requested_at=_local(execution.cancel_requested_at, tz),
            steps=tuple(StepView.of(s, tz) for s in steps) if steps is not None else None,
            inputs=execution.inputs,
            condition_result=execution.condition_result,
            upstream_execution_id=execution.upstream_execution_id,
            instructions=execution.instructions,
        )


@dataclass(frozen=True, kw_only=True)
class Page(Generic[T]):
    """One page of a list and how many items the whole list holds."""

    items: tuple[T, ...]
    total: int


@dataclass(frozen=True, kw_only=True)
class StatusTotal:
    status: ExecutionStatus
    runs: int


@dataclass(frozen=True, kw_only=True)
class RunTotals:
    """Runs counted by status, with tokens and cost summed, over a period."""

    task_id: int | None
    since: datetime
    until: datetime
    by_status: tuple[StatusTotal, ...]
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float
    runs_with_known_cost: int
    runs_that_executed: int

    @property
    def runs(self) -> int:
        return sum(s.runs for s in self.by_status)


@dataclass(frozen=True, kw_only=True)
class Explanation:
    """Why a task did or did not run in a period: findings in order (each citing ids), a verdict."""

    task_id: int
    since: datetime
    until: datetime
    verdict: str  # paused | completed | an execution status | nothing_due | unrecorded
    findings: tuple[str, ...]
    execution_ids: tuple[int, ...] = field(default_factory=tuple)
    next_run_at: datetime | None = None


@dataclass(frozen=True, kw_only=True)
class SchedulePreview:
    description: str
    timezone: str
    next_runs: tuple[datetime, ...]


@dataclass(frozen=True, kw_only=True)
class ParsedSchedule:
    """What plain words were understood as; nothing is saved."""

    text: str
    schedule: AnySpec
    instructions: str
    name: str
    description: str
    next_runs: tuple[datetime, ...]
    parser: str
    assumptions: tuple[str, ...]
    schedule_words: tuple[str, ...] = ()
    runs: tuple[RunExplained, ...] = ()  # next runs on the local clock, clock changes flagged
    explanation: str = ""


@dataclass(frozen=True, kw_only=True)
class RunProgress:
    """A run as it stands (without steps) and its steps from some index on: one look at a run being followed."""

    run: RunView
    steps: tuple[StepView, ...]

    @property
    def finished(self) -> bool:
        """True once the run will change no more (neither queued, running nor waiting)."""
        return self.run.status not in UNFINISHED_STATUSES
