"""What callers (HTTP, chat, CLI) send to the task services: checked shapes, no storage."""

from __future__ import annotations

import re
from typing import Any, Literal

import httpx
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from app.notify import NotifySpec
from app.runner.conditions import ConditionSpec
from app.runner.fetch import URLRefused, check_http_url
from app.schedules.spec import EARLIEST, LATEST, AnySpec, CronSpec, IntervalSpec, OnceSpec, ScheduleSpec
from app.vocabulary import DependencyMode, DependencyOn, MissedRunPolicy, OverlapPolicy, TaskKind

__all__ = [
    "EARLIEST",
    "LATEST",
    "AfterIn",
    "AnySpec",
    "ConditionSpec",
    "ControlInput",
    "CronSpec",
    "HttpSpec",
    "IntervalSpec",
    "MissedRunPolicy",
    "OnceSpec",
    "OverlapPolicy",
    "ScheduleSpec",
    "TaskCreate",
    "TaskKind",
    "TaskUpdate",
    "TemplateCreate",
    "TemplateUpdate",
    "UpstreamIn",
]

CONCURRENCY_KEY_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$"

# Controls (docs/controls.md); in an update, null clears the nullable ones.
CONTROL_FIELDS = (
    "overlap_policy",
    "concurrency_key",
    "jitter_seconds",
    "max_cost_usd_per_run",
    "max_tokens_per_run",
    "max_cost_usd_per_day",
    "max_cost_usd_per_month",
    "pause_on_budget",
    "pause_after_failures",
    "max_delay_seconds",
    "max_duration_seconds",
)
CONTROL_DEFAULTS = {"overlap_policy": "skip", "jitter_seconds": 0, "pause_on_budget": False}
# The controls that may be switched off (null); the others always have a value.
NULLABLE_CONTROLS = tuple(name for name in CONTROL_FIELDS if name not in CONTROL_DEFAULTS)

DEFAULT_MAX_STEPS = 20
DEFAULT_TIMEOUT_SECONDS = 300
DEFAULT_MAX_RETRIES = 3


def nul_path(value: Any, path: str = "") -> str | None:
    """Where in ``value`` (nested dicts and lists) a string or a key holds a NUL character, or None.

    PostgreSQL cannot store NUL in text, and no field has a use for it: it is refused
    at the door, the same on every database. The walk is iterative, so a hostile depth
    of nesting is an answer, not a RecursionError.
    """
    # Each entry: the value and its place as (label, parent place), joined only when found.
    stack: list[tuple[Any, tuple[str, Any] | None]] = [(value, (path, None) if path else None)]
    while stack:
        item, place = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return _joined(place)
        elif isinstance(item, dict):
            for key, child in reversed(list(item.items())):
                here = (str(key), place)
                if isinstance(key, str) and "\x00" in key:
                    return _joined(here)
                stack.append((child, here))
        elif isinstance(item, list | tuple):
            stack.extend((child, (str(i), place)) for i, child in reversed(list(enumerate(item))))
    return None


def _joined(place: tuple[str, Any] | None) -> str:
    labels: list[str] = []
    while place is not None:
        labels.append(place[0])
        place = place[1]
    # The place is shown in messages and stored with refusals: the NUL itself must not be in it.
    return ".".join(reversed(labels)).replace("\x00", "\\u0000") or "value"


def json_depth(value: Any) -> int:
    """How deeply ``value`` nests dicts and lists (a scalar is 0, ``{}`` is 1), counted without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            stack.extend((child, depth + 1) for child in item.values())
            deepest = max(deepest, depth + 1)
        elif isinstance(item, list | tuple):
            stack.extend((child, depth + 1) for child in item)
            deepest = max(deepest, depth + 1)
    return deepest


class TextInput(BaseModel):
    """Base of every input shape: unknown fields and NUL characters are refused."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @model_validator(mode="before")
    @classmethod
    def _no_nul(cls, data: Any) -> Any:
        where = nul_path(data)
        if where is not None:
            raise ValueError(f"`{where}` contains a NUL character (\\u0000), which cannot be stored")
        return data


class ControlInput(TextInput):
    """The per-task controls (docs/controls.md), declared once for every door: API, tools, dashboard."""

    overlap_policy: OverlapPolicy | None = Field(default=None, description="a fire while a run is still going")
    concurrency_key: str | None = Field(
        default=None,
        pattern=CONCURRENCY_KEY_PATTERN,
        description="tasks naming the same key share its limit of runs at once",
    )
    jitter_seconds: int | None = Field(
        default=None, ge=0, le=86_400, description="move each fire later by a fixed offset below this"
    )
    max_cost_usd_per_run: float | None = Field(
        default=None, ge=0, allow_inf_nan=False, description="US dollars; a run stops at the call that crosses it"
    )
    max_tokens_per_run: int | None = Field(
        default=None, ge=1, le=100_000_000, description="a run stops at the call that crosses it"
    )
    max_cost_usd_per_day: float | None = Field(
        default=None, ge=0, allow_inf_nan=False, description="US dollars; fires are skipped once spent (task's day)"
    )
    max_cost_usd_per_month: float | None = Field(
        default=None, ge=0, allow_inf_nan=False, description="US dollars; fires are skipped once spent (task's month)"
    )
    pause_on_budget: bool | None = Field(default=None, description="also pause the task when a budget is hit")
    pause_after_failures: int | None = Field(
        default=None, ge=1, le=1000, description="pause after this many failed runs in a row"
    )
    max_delay_seconds: int | None = Field(
        default=None, ge=0, le=7 * 86_400, description="SLA: a run starting later than this after its due time"
    )
    max_duration_seconds: int | None = Field(
        default=None, ge=1, le=7 * 86_400, description="SLA: a run lasting longer than this"
    )


MAX_UPSTREAMS = 20
MAX_ID = 2**63 - 1


class UpstreamIn(TextInput):
    """One task to run after, and which end of its runs counts (docs/triggers.md)."""

    task_id: int = Field(ge=1, le=MAX_ID, strict=True, description="the upstream task's id")
    on: DependencyOn = Field(
        default=DependencyOn.SUCCEEDED,
        description="succeeded; failed (failed, timed_out, interrupted); finished (either)",
    )


class AfterIn(TextInput):
    """Run after these tasks: once all of them have ended so (``all``), or on each one's end (``any``)."""

    tasks: list[UpstreamIn] = Field(min_length=1, max_length=MAX_UPSTREAMS)
    mode: DependencyMode = DependencyMode.ALL

    @model_validator(mode="after")
    def _once_each(self) -> AfterIn:
        ids = [u.task_id for u in self.tasks]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise ValueError(f"task {', '.join(map(str, twice))} is listed more than once in `after.tasks`")
        return self

    @classmethod
    def of(cls, value: AfterIn | UpstreamIn) -> AfterIn:
        """The long form of ``after``; one upstream object is short for a set of one."""
        return value if isinstance(value, AfterIn) else cls(tasks=[value])

    def stored(self) -> dict[str, Any]:
        """The JSON kept on the task (and shown): always the long form."""
        return {"mode": str(self.mode), "tasks": [{"task_id": u.task_id, "on": str(u.on)} for u in self.tasks]}


HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$")
# Template names: never all digits, so a reference is an id or a name, never both.
TEMPLATE_NAME_PATTERN = r"^(?:[A-Za-z][A-Za-z0-9 _.:-]*|[0-9][A-Za-z0-9 _.:-]*[A-Za-z _.:-][A-Za-z0-9 _.:-]*)$"
FUNCTION_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,199}$"
# Fields that belong to one kind of task only (docs/task-kinds.md); mixing them is refused.
KIND_FIELDS: dict[TaskKind, tuple[str, ...]] = {
    TaskKind.AGENT: ("instructions", "template", "params", "model", "tools", "max_steps"),
    TaskKind.HTTP: ("http",),
    TaskKind.FUNCTION: ("function",),
}


class HttpSpec(TextInput):
    """The request an ``http`` task makes on each run."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)  # a body keeps its whitespace

    method: Literal["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] = "GET"
    url: str = Field(min_length=1, max_length=2000, description="absolute http(s) URL")
    headers: dict[str, str] = Field(default_factory=dict, max_length=50)
    body: str | None = Field(default=None, max_length=256 * 1024)
    expected_status: int | None = Field(
        default=None, ge=100, le=599, strict=True, description="the status that means success (default: any 2xx)"
    )

    @field_validator("method", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        value = value.strip()
        try:
            url = httpx.URL(value)
        except httpx.InvalidURL as exc:
            raise ValueError(f"invalid URL: {exc}") from exc
        if url.scheme not in ("http", "https") or not url.host:
            raise ValueError("give an absolute http:// or https:// URL")
        try:  # the checks every request makes (a port no socket takes...), at the door
            check_http_url(value)
        except URLRefused as exc:
            raise ValueError(str(exc)) from None
        return value

    @field_validator("headers")
    @classmethod
    def _headers(cls, value: dict[str, str]) -> dict[str, str]:
        for name, text in value.items():
            if not _HEADER_NAME.match(name):
                raise ValueError(f"header name {name!r} is not a valid HTTP header name")
            if name.lower() in ("host", "content-length", "transfer-encoding", "connection"):
                raise ValueError(f"header {name!r} is set by the request itself")
            if not text.isascii() or any(c in text for c in "\r\n\x7f") or len(text) > 8192:
                raise ValueError(f"header {name!r}: one line of at most 8192 ASCII characters")
        lowered = [n.lower() for n in value]
        if len(set(lowered)) != len(lowered):
            raise ValueError("a header is given twice (header names ignore case)")
        return value


class _Options(ControlInput):
    # Counts and switches are strict: JSON `true` is not 1 and "20" is not a number.
    missed_run_policy: MissedRunPolicy | None = None
    model: str | None = Field(default=None, min_length=1, max_length=200)
    tools: list[str] | None = Field(default=None, max_length=50)
    max_steps: int | None = Field(default=None, ge=1, le=200, strict=True)
    timeout_seconds: int | None = Field(default=None, ge=1, le=86_400, strict=True)
    max_retries: int | None = Field(default=None, ge=0, le=10, strict=True)
    retry_on_interrupt: bool | None = Field(
        default=None,
        strict=True,
        description="start a run lost with its worker again, as a new attempt (trigger `retry`)",
    )
    enabled: bool | None = Field(default=None, strict=True)
    notify: NotifySpec | None = Field(default=None, description="where to report runs: webhook and/or e-mail")
    condition: ConditionSpec | None = Field(
        default=None,
        description="checked before each fire runs, with no LLM call: "
        '{"url_changed": URL} (content changed since the last check) or {"http_ok": URL} (answers 2xx); '
        "a fire whose condition is not met is recorded `skipped` with the reason; null removes it",
    )
    after: AfterIn | UpstreamIn | None = Field(
        default=None,
        description=(
            "run after other tasks: {'tasks': [{'task_id': 3, 'on': 'succeeded'}], 'mode': 'all' | 'any'}, "
            "or one {'task_id': 3, 'on': 'succeeded'}; null (on update) removes them"
        ),
    )


class _KindFields(TextInput):
    """What a run does: the task's kind and the fields of that kind (docs/task-kinds.md)."""

    kind: TaskKind | None = Field(default=None, description="`agent` (default), `http` or `function`")
    http: HttpSpec | None = Field(default=None, description="kind http: the request made on each run")
    function: str | None = Field(
        default=None,
        pattern=FUNCTION_NAME_PATTERN,
        description="kind function: a function registered under the entry-point group `taskrunner.functions`",
    )
    template: int | str | None = Field(
        default=None,
        description="kind agent: a template's id or name whose instructions, filled with `params`, the task runs",
    )
    params: dict[str, str] | None = Field(
        default=None, max_length=50, description="values for the template's {{placeholders}}: one line each"
    )

    @field_validator("template", mode="before")
    @classmethod
    def _not_a_switch(cls, value: Any) -> Any:
        if isinstance(value, bool):  # JSON true is not template 1
            raise ValueError("give a template's id (an integer) or its name")
        return value

    @field_validator("template")
    @classmethod
    def _template_ref(cls, value: int | str | None) -> int | str | None:
        if isinstance(value, int) and not 1 <= value < 2**63:
            raise ValueError("a template id is a positive integer")
        if isinstance(value, str) and not 1 <= len(value) <= 100:
            raise ValueError("a template name has 1 to 100 characters")
        return value

    def mixed_fields(self, kind: TaskKind) -> list[str]:
        """Fields this body sets (not null) that belong to another kind than ``kind``."""
        return [
            name
            for other, names in KIND_FIELDS.items()
            if other != kind
            for name in names
            if getattr(self, name) is not None
        ]


class TaskCreate(_Options, _KindFields):
    """Either ``name`` + ``schedule`` + what to do (by kind), or ``description`` in plain words.

    An agent task does ``instructions``, or a ``template`` filled with ``params``; an http
    task makes its ``http`` request; a function task calls its registered ``function``.
    """

    name: str | None = Field(default=None, min_length=1, max_length=200)
    instructions: str | None = Field(default=None, min_length=1, max_length=20_000)
    schedule: ScheduleSpec | None = None
    description: str | None = Field(default=None, min_length=1, max_length=2_000)
    timezone: str | None = Field(default=None, max_length=64, description="default timezone for `description`")

    @model_validator(mode="after")
    def _one_way(self) -> TaskCreate:
        kind = self.kind or TaskKind.AGENT
        mixed = self.mixed_fields(kind)
        if mixed:
            raise ValueError(f"{', '.join(f'`{m}`' for m in mixed)} cannot be given for a task of kind {kind}")
        if self.template is not None and self.instructions is not None:
            raise ValueError("give either `instructions` or a `template` with `params`, not both")
        if self.params is not None and self.template is None:
            raise ValueError("`params` fill a `template`: give the template too")
        if kind == TaskKind.HTTP and self.http is None:
            raise ValueError("an http task needs `http` with at least a `url`")
        if kind == TaskKind.FUNCTION and self.function is None:
            raise ValueError("a function task needs `function`: the name of a registered function")
        if self.description is not None:
            if self.schedule is not None:
                raise ValueError("give either `description` or `schedule`, not both")
            return self
        what = ("instructions",) if kind == TaskKind.AGENT and self.template is None else ()
        missing = [f for f in ("name", *what, "schedule") if getattr(self, f) is None]
        if missing:
            raise ValueError(
                f"missing {', '.join(missing)}: give `name`, `instructions` (or a `template`) and `schedule`, "
                "or a `description` in plain words"
            )
        if self.timezone is not None:
            raise ValueError("`timezone` goes inside `schedule` (it is the default for `description` only)")
        return self


class TaskUpdate(_Options, _KindFields):
    """Fields to change; absent fields stay as they are. ``template: null`` detaches a task from its template."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    instructions: str | None = Field(default=None, min_length=1, max_length=20_000)
    schedule: ScheduleSpec | None = None


class TemplateCreate(TextInput):
    """A prompt template: instructions with ``{{placeholder}}`` names that tasks fill with ``params``."""

    name: str = Field(
        max_length=100,
        pattern=TEMPLATE_NAME_PATTERN,
        description="unique; letters, digits, spaces, `_.:-`, not all digits",
    )
    instructions: str = Field(min_length=1, max_length=20_000)
    description: str | None = Field(default=None, max_length=2_000)


class TemplateUpdate(TextInput):
    """Fields to change; new instructions reach every task made from the template at its next run."""

    name: str | None = Field(default=None, max_length=100, pattern=TEMPLATE_NAME_PATTERN)
    instructions: str | None = Field(default=None, min_length=1, max_length=20_000)
    description: str | None = Field(default=None, max_length=2_000)
    params: dict[str, str] | None = Field(
        default=None,
        max_length=50,
        description="values for placeholders the new instructions add, given to each task that has none",
    )


class PauseNote(TextInput):
    """An optional note saying why a task is paused (or resumed); shown wherever the task is."""

    note: str | None = Field(
        default=None, max_length=500, description="why; shown with the task until it resumes (resuming clears it)"
    )


class ConcurrencyKeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max_running: int = Field(ge=0, le=100_000, description="runs of this key at once, across all workers")


class ModelPriceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    input_per_million: float = Field(ge=0, allow_inf_nan=False, description="US dollars per million prompt tokens")
    output_per_million: float = Field(ge=0, allow_inf_nan=False, description="US dollars per million completion tokens")
