"""The tools' arguments (checked shapes, whose JSON schemas models read), shared by chat and MCP."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.services.inputs import (
    AfterIn,
    ConcurrencyKeyIn,
    ConditionSpec,
    ControlInput,
    HttpSpec,
    ModelPriceIn,
    PauseNote,
    ScheduleSpec,
    UpstreamIn,
)
from app.vocabulary import ExecutionStatus, MissedRunPolicy, ScheduleKind, TaskKind, TaskState, Trigger

TIME_HELP = (
    "ISO 8601 (a time without offset is in the user's timezone), 'today', 'yesterday', "
    "or a span back from now such as '24h' or '7 days'"
)

CONDITION_HELP = (
    'Optional check before each fire, costing no LLM call: {"url_changed": URL} runs only if the content '
    'at URL changed since the last check, {"http_ok": URL} only if URL answers 2xx; otherwise the fire is '
    "recorded skipped with the reason."
)


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# The controls that can be switched off (app.services.inputs.NULLABLE_CONTROLS; a test keeps them equal).
NullableControl = Literal[
    "concurrency_key",
    "max_cost_usd_per_run",
    "max_tokens_per_run",
    "max_cost_usd_per_day",
    "max_cost_usd_per_month",
    "pause_after_failures",
    "max_delay_seconds",
    "max_duration_seconds",
]


class NoArgs(_Args):
    pass


class TaskRef(_Args):
    task_id: int = Field(ge=1, description="The task's id.")


class PauseOrResume(_Args, PauseNote):
    task_id: int = Field(ge=1, description="The task's id.")


class KeyRef(_Args):
    key: str = Field(min_length=1, max_length=100, description="The concurrency key, e.g. 'slack'.")


class SetConcurrencyKey(KeyRef, ConcurrencyKeyIn):
    pass


class ModelRef(_Args):
    model: str = Field(
        min_length=1, max_length=200, description="The model as litellm spells it, e.g. 'ollama/llama3'."
    )


class SetModelPrice(ModelRef, ModelPriceIn):
    pass


class RunNow(TaskRef):
    inputs: dict[str, Any] | None = Field(
        default=None,
        description="Optional JSON object (at most 64 KiB) given to the run; the agent sees it as data.",
    )
    idempotency_key: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="Optional: the same key within 24 hours answers the first run instead of starting another.",
    )


class RunRef(_Args):
    execution_id: int = Field(ge=1, description="The execution's (run's) id.")


class ScheduleTask(_Args, ControlInput):
    description: str | None = Field(
        default=None,
        min_length=1,
        max_length=2000,
        description="What to do and when, in the user's own words, e.g. 'every weekday at 9am, check ...'.",
    )
    schedule: ScheduleSpec | None = Field(
        default=None,
        description="An explicit schedule instead of words: cron (5 fields), once (ISO 8601 `at`) or interval.",
    )
    instructions: str | None = Field(
        default=None,
        min_length=1,
        max_length=20_000,
        description="What the agent does each run; needed with `schedule`, optional with `description`.",
    )
    name: str | None = Field(default=None, min_length=1, max_length=200, description="A short name.")
    timezone: str | None = Field(default=None, description="IANA timezone for words that name none.")
    model: str | None = Field(default=None, min_length=1, max_length=200, description="LLM for the runs.")
    tools: list[str] | None = Field(default=None, max_length=50, description="Tools the agent may use.")
    missed_run_policy: MissedRunPolicy | None = None
    condition: ConditionSpec | None = Field(default=None, description=CONDITION_HELP)
    after: AfterIn | UpstreamIn | None = Field(
        default=None,
        description=(
            "Also run after other tasks' runs end: {'tasks': [{'task_id': 3, 'on': 'succeeded'}], "
            "'mode': 'all' (once every one has ended so) or 'any' (on each end)}; 'on' is succeeded, "
            "failed or finished. The upstream run's output reaches the run as input."
        ),
    )
    kind: TaskKind | None = Field(
        default=None, description="agent (default), http (one HTTP request per run) or function (a registered one)"
    )
    http: HttpSpec | None = Field(default=None, description="kind http: the request (method, url, headers, body)")
    function: str | None = Field(default=None, max_length=200, description="kind function: its registered name")
    template: int | str | None = Field(
        default=None, description="a prompt template's id or name, instead of instructions"
    )
    params: dict[str, str] | None = Field(default=None, description="values for the template's {{placeholders}}")

    @model_validator(mode="after")
    def _when(self) -> ScheduleTask:
        if (self.description is None) == (self.schedule is None):
            raise ValueError("give either `description` (plain words) or `schedule` (explicit), not both or neither")
        agent = self.kind in (None, TaskKind.AGENT)
        if self.schedule is not None and agent and self.instructions is None and self.template is None:
            raise ValueError("`instructions` (or a `template`) are needed with an explicit `schedule`")
        return self


class FindTasks(_Args):
    query: str | None = Field(default=None, max_length=200, description="Words in the name or instructions.")
    state: TaskState | None = None
    kind: ScheduleKind | None = Field(default=None, description="Only this kind of schedule.")
    limit: int = Field(default=20, ge=1, le=50)
    offset: int = Field(default=0, ge=0, description="Skip this many (paging).")


class CancelSchedule(_Args):
    task_id: int = Field(ge=1, description="The task's id.")
    pause: bool = Field(
        default=False, description="true: pause the task (keeps it and its history); false: delete it for good."
    )


class UpdateTask(_Args, ControlInput):
    task_id: int = Field(ge=1)
    name: str | None = Field(default=None, min_length=1, max_length=200)
    instructions: str | None = Field(default=None, min_length=1)
    schedule_text: str | None = Field(default=None, description="A new schedule in words, e.g. 'every day at 10am'.")
    cron: str | None = Field(default=None, description="A new 5-field cron schedule.")
    at: str | None = Field(default=None, description="Run once at this ISO 8601 time instead.")
    every_seconds: int | None = Field(default=None, ge=1, description="Run at this interval instead.")
    timezone: str | None = Field(default=None, description="IANA timezone for the (new) schedule.")
    missed_run_policy: MissedRunPolicy | None = None
    model: str | None = None
    tools: list[str] | None = None
    max_steps: int | None = Field(default=None, ge=1, le=200)
    timeout_seconds: int | None = Field(default=None, ge=1, le=86_400)
    max_retries: int | None = Field(default=None, ge=0, le=10)
    condition: ConditionSpec | None = Field(default=None, description=CONDITION_HELP)
    remove_condition: bool = Field(default=False, description="Remove the task's run condition (runs every fire).")
    clear: list[NullableControl] | None = Field(
        default=None,
        max_length=8,
        description="Controls to switch off (their limit or key removed), e.g. ['max_cost_usd_per_day'].",
    )

    after: AfterIn | UpstreamIn | None = Field(
        default=None,
        description=(
            "Replace what it runs after: other tasks' runs end: {'tasks': [{'task_id': 3, 'on': 'succeeded'}], "
            "'mode': 'all' (once every one has ended so) or 'any' (on each end)}; 'on' is succeeded, "
            "failed or finished. The upstream run's output reaches the run as input."
        ),
    )
    clear_after: bool = Field(default=False, description="true: stop running after other tasks.")

    @model_validator(mode="after")
    def _set_or_clear(self) -> UpdateTask:
        if self.remove_condition and self.condition is not None:
            raise ValueError("give either `condition` or `remove_condition`, not both")
        if self.clear_after and self.after is not None:
            raise ValueError("give either `after` or `clear_after`, not both")
        both = sorted(set(self.clear or ()) & {n for n in self.model_fields_set if getattr(self, n) is not None})
        if both:
            raise ValueError(f"{', '.join(both)}: give a value or clear it, not both")
        return self


class ListRuns(_Args):
    task_id: int | None = Field(default=None, ge=1)
    status: ExecutionStatus | None = None
    trigger: Trigger | None = Field(default=None, description="Only runs started this way.")
    since: str | None = Field(default=None, description=f"Scheduled at or after: {TIME_HELP}.")
    until: str | None = Field(default=None, description=f"Scheduled before: {TIME_HELP}.")
    limit: int = Field(default=20, ge=1, le=50)


class Explain(_Args):
    task_id: int = Field(ge=1)
    at: str | None = Field(
        default=None,
        description=f"The time asked about ('why didn't it run at ...?'); looks an hour either side: {TIME_HELP}.",
    )
    since: str | None = Field(default=None, description=f"Start of the period (default 24h ago): {TIME_HELP}.")
    until: str | None = Field(default=None, description=f"End of the period (default now): {TIME_HELP}.")


class Preview(_Args):
    kind: ScheduleKind
    cron: str | None = Field(default=None, max_length=200, description="For kind=cron: 5 fields or @macro.")
    at: str | None = Field(default=None, description="For kind=once: ISO 8601 time.")
    every_seconds: int | None = Field(default=None, ge=1, description="For kind=interval.")
    timezone: str = Field(default="UTC", max_length=64, description="IANA timezone.")
    count: int = Field(default=5, ge=1, le=50, description="How many next runs to list.")


class Totals(_Args):
    task_id: int | None = Field(default=None, ge=1, description="One task, or all tasks when absent.")
    since: str | None = Field(default=None, description=f"Start (default 7 days ago): {TIME_HELP}.")
    until: str | None = Field(default=None, description=f"End (default now): {TIME_HELP}.")
