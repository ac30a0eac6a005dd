"""The API's JSON shapes as typed dictionaries (docs/openapi.json is the contract they follow).

Plain dicts at run time, so callers can print exactly what the server sent;
typed for mypy and editors.
"""

from __future__ import annotations

from typing import Any, Generic, Literal, NotRequired, TypedDict, TypeVar

T = TypeVar("T")

TaskState = Literal["active", "paused", "completed"]
MissedRunPolicy = Literal["skip", "catchup", "fail"]


class Page(TypedDict, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


class Schedule(TypedDict, total=False):
    kind: Literal["cron", "once", "interval"]
    cron: str
    at: str
    every_seconds: int
    timezone: str


class Condition(TypedDict, total=False):
    """A run condition (docs/triggers.md, "Conditions"): exactly one of the two keys."""

    url_changed: str
    http_ok: str


class ControlFields(TypedDict, total=False):
    """A task's controls (docs/controls.md), as sent and as answered."""

    overlap_policy: Literal["skip", "buffer_one", "cancel_other", "allow"]
    concurrency_key: str | None
    jitter_seconds: int
    max_cost_usd_per_run: float | None
    max_tokens_per_run: int | None
    max_cost_usd_per_day: float | None
    max_cost_usd_per_month: float | None
    pause_on_budget: bool
    pause_after_failures: int | None
    max_delay_seconds: int | None
    max_duration_seconds: int | None


class Upstream(TypedDict):
    task_id: int
    on: Literal["succeeded", "failed", "finished"]


class After(TypedDict):
    """The tasks a task runs after (docs/triggers.md); as sent, one Upstream alone also works."""

    mode: Literal["all", "any"]
    tasks: list[Upstream]


TaskKind = Literal["agent", "http", "function"]


class HttpRequest(TypedDict, total=False):
    """An http task's request (secret header values answer as ``[REDACTED]``)."""

    method: str
    url: str
    headers: dict[str, str]
    body: str | None
    expected_status: int | None


class TaskFields(ControlFields, total=False):
    """What a task is made of when created or changed (every field optional here)."""

    name: str
    kind: TaskKind
    instructions: str
    template: int | str | None
    params: dict[str, str]
    http: HttpRequest
    function: str
    schedule: Schedule
    description: str
    timezone: str
    missed_run_policy: MissedRunPolicy
    model: str | None
    tools: list[str]
    max_steps: int
    timeout_seconds: int
    max_retries: int
    retry_on_interrupt: bool
    enabled: bool
    notify: dict[str, Any] | None
    condition: Condition | None
    after: After | Upstream | None


class TaskControls(ControlFields, total=False):
    """Controls a task answers with (docs/controls.md): the fields, a pause note and due times."""

    pause_note: str | None
    next_fires: list[dict[str, str]]


class Task(TaskControls):
    id: int
    name: str
    kind: NotRequired[TaskKind]
    instructions: str
    template_id: NotRequired[int | None]
    params: NotRequired[dict[str, str] | None]
    http: NotRequired[HttpRequest | None]
    function: NotRequired[str | None]
    description: str | None
    schedule: Schedule
    schedule_description: str
    state: TaskState
    enabled: bool
    missed_run_policy: MissedRunPolicy
    model: str | None
    tools: list[str]
    max_steps: int
    timeout_seconds: int
    max_retries: int
    retry_on_interrupt: NotRequired[bool]
    notify: dict[str, Any] | None
    condition: NotRequired[Condition | None]
    after: NotRequired[After | None]
    next_run_at: str | None
    next_runs: list[str]
    last_fire_at: str | None
    parser: str | None
    assumptions: list[str]
    created_at: str
    updated_at: str


class Execution(TypedDict):
    id: int
    task_id: int
    trigger: str
    status: str
    reason: str | None
    scheduled_for: str
    started_at: str | None
    finished_at: str | None
    duration_ms: int | None
    trigger_delay_ms: int | None
    model: str | None
    output: str | None
    error: str | None
    prompt_tokens: int | None
    completion_tokens: int | None
    cost_usd: float | None
    attempt: int
    due_at: NotRequired[str | None]
    sla_breach: NotRequired[str | None]
    retry_of: NotRequired[int | None]  # a retry attempt: the first attempt's record
    worker_id: NotRequired[str | None]  # the worker that ran (or runs) it
    cancel_requested_at: NotRequired[str | None]
    inputs: NotRequired[dict[str, Any] | None]
    condition_result: NotRequired[str | None]  # what the task's run condition found before this run
    upstream_execution_id: NotRequired[int | None]  # a dependency run: the upstream run whose end queued it
    instructions: NotRequired[str | None]  # the exact instructions an agent run was given


class BackfillFire(TypedDict):
    scheduled_for: str
    window_start: str | None
    status: str  # new | queued | waiting | already_recorded
    execution_id: int | None


class Backfill(TypedDict):
    task_id: int
    timezone: str
    start: str
    end: str
    dry_run: bool
    limit: int
    total: int
    new: int
    already_recorded: int
    fires: list[BackfillFire]


class Step(TypedDict):
    index: int
    kind: Literal["llm", "tool", "http", "function"]
    name: str
    input: Any
    output: Any
    error: str | None
    started_at: str
    latency_ms: float
    prompt_tokens: int | None
    completion_tokens: int | None
    cost_usd: float | None
    attempt: int


class RunEvent(TypedDict):
    """One event of a followed run: ``status`` and ``end`` carry an :class:`Execution`, ``step`` a :class:`Step`."""

    event: Literal["status", "step", "end"]
    data: Any


class ExecutionDetail(Execution):
    steps: list[Step]


class Template(TypedDict):
    id: int
    name: str
    description: str | None
    instructions: str
    placeholders: list[str]
    task_ids: list[int]
    created_at: str
    updated_at: str


class TemplateFields(TypedDict, total=False):
    name: str
    instructions: str
    description: str | None
    params: dict[str, str]  # in a change: values for new placeholders, for tasks that have none


class RegisteredFunction(TypedDict):
    name: str
    target: str
    summary: str | None
    problem: str | None


class Functions(TypedDict):
    items: list[RegisteredFunction]
    total: int


class Preview(TypedDict):
    description: str
    timezone: str
    next_runs: list[str]


class UpcomingFire(TypedDict):
    task_id: int
    task_name: str
    timezone: str
    at: str


class BusyMinute(TypedDict):
    at: str
    count: int


class Upcoming(TypedDict):
    hours: float
    start: str
    until: str
    items: list[UpcomingFire]
    total: int
    truncated: bool
    busiest: list[BusyMinute]


class ParsedSchedule(TypedDict):
    text: str
    schedule: Schedule
    instructions: str
    name: str
    description: str
    next_runs: list[str]
    parser: Literal["rules", "llm"]
    assumptions: list[str]


class ChatAction(TypedDict):
    tool: str
    arguments: dict[str, Any]
    result: dict[str, Any]


class ChatReply(TypedDict):
    conversation_id: str
    reply: str
    actions: list[ChatAction]
    pending_action: dict[str, Any] | None


class Conversation(TypedDict):
    id: str
    title: str
    timezone: str
    turns: int
    pending_action: dict[str, Any] | None
    created_at: str
    updated_at: str


class ConversationDetail(Conversation):
    messages: list[dict[str, Any]]


class ApiKey(TypedDict):
    id: int
    name: str
    prefix: str
    created_at: str
    revoked_at: str | None


class NewApiKey(ApiKey):
    key: str


class Readiness(TypedDict):
    status: str
    checks: dict[str, Any]


class TaskBundle(TypedDict):
    """Tasks as exported: portable definitions keyed by name (no ids, no run state)."""

    version: int
    tasks: list[TaskFields]


class ImportChange(TypedDict):
    name: str
    action: Literal["create", "update", "unchanged"]
    changes: list[str]
    id: int | None


class ImportReport(TypedDict):
    dry_run: bool
    created: int
    updated: int
    unchanged: int
    items: list[ImportChange]


class Worker(TypedDict):
    id: str
    kind: str  # worker | serve | in-process
    hostname: str
    pid: int
    concurrency: int
    started_at: str
    last_heartbeat: str
    stopped_at: str | None
    alive: bool
    running: list[int]


class QueueState(TypedDict):
    queued: int
    running: int
    oldest_queued_age_seconds: float | None


class Workers(TypedDict):
    items: list[Worker]
    total: int
    queue: QueueState
