"""The task form: from posted fields to the services' inputs, and every error back to its field."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from app.errors import (
    AmbiguousSchedule,
    ConditionRefused,
    DependencyCycle,
    InvalidCron,
    InvalidTimezone,
    LLMUnavailable,
    MissingParams,
    ScheduleInPast,
    TaskRunnerError,
    UnknownFunction,
    UnknownParams,
    UnknownTemplate,
)
from app.web.kind_form import (
    AGENT_ONLY,
    KIND_DEFAULTS,
    LOCATIONS,
    after_payload,
    condition_payload,
    field_named_in,
    kind_payload,
    read_kind_fields,
    uses_instructions,
)

UNITS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}
FORM_ERROR = "_form"

# Where a pydantic error location points in the form.
_LOCATIONS = {
    ("schedule", "cron"): "cron",
    ("schedule", "at"): "at",
    ("schedule", "every_seconds"): "every",
    ("schedule", "timezone"): "timezone",
    ("schedule",): "kind",
    ("notify", "webhook_url"): "notify_webhook",
    ("notify", "email"): "notify_email",
    ("notify",): "notify_webhook",
    **LOCATIONS,
}


@dataclass
class TaskForm:
    """The form's values as typed (strings), and errors by field name (``_form`` for the whole form)."""

    values: dict[str, Any]
    errors: dict[str, str] = field(default_factory=dict)

    def error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)


DEFAULTS: dict[str, Any] = {
    "mode": "words",
    "description": "",
    "timezone": "UTC",
    "name": "",
    "instructions": "",
    "kind": "cron",
    "cron": "",
    "at": "",
    "every": "",
    "every_unit": "minutes",
    "missed_run_policy": "skip",
    "model": "",
    "max_steps": "",
    "timeout_seconds": "",
    "max_retries": "",
    "tools": None,  # None: all tools
    "start_paused": False,
    "notify_webhook": "",
    "notify_email": "",
    "notify_on": "failure",
    # Controls (docs/controls.md): empty means off, or the default where one applies.
    "controls_shown": False,
    "overlap_policy": "skip",
    "concurrency_key": "",
    "jitter_seconds": "",
    "max_cost_usd_per_run": "",
    "max_tokens_per_run": "",
    "max_cost_usd_per_day": "",
    "max_cost_usd_per_month": "",
    "pause_on_budget": False,
    "pause_after_failures": "",
    "max_delay_seconds": "",
    "max_duration_seconds": "",
    # What a run does, its condition and what it runs after (app/web/kind_form.py).
    **KIND_DEFAULTS,
}
WHOLE_CONTROLS = ("max_tokens_per_run", "pause_after_failures", "max_delay_seconds", "max_duration_seconds")
COST_CONTROLS = ("max_cost_usd_per_run", "max_cost_usd_per_day", "max_cost_usd_per_month")
_FLAGS = ("tools", "start_paused", "controls_shown", "pause_on_budget", *KIND_DEFAULTS)


def read_form(posted: dict[str, list[str]]) -> TaskForm:
    values = dict(DEFAULTS)
    for name in DEFAULTS:
        if name in _FLAGS:
            continue
        if name in posted:
            values[name] = posted[name][0].strip()
    values["tools"] = [t for t in posted.get("tools", []) if t] if "tools_shown" in posted else None
    for flag in ("start_paused", "controls_shown", "pause_on_budget"):
        values[flag] = flag in posted
    read_kind_fields(posted, values)
    return TaskForm(values=values)


def _int(form: TaskForm, name: str) -> int | None:
    raw = str(form.values.get(name) or "")
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        form.error(name, "Give a whole number.")
        return None


def _amount(form: TaskForm, name: str) -> float | str | None:
    """A dollar amount as typed; what is not a number goes to the service as typed, to be refused there."""
    raw = str(form.values.get(name) or "").removeprefix("$")
    if not raw:
        return None
    try:
        return float(raw)
    except ValueError:
        return raw


def controls_payload(form: TaskForm) -> dict[str, Any]:
    """Every control as the form set it (empty: off, or its default); the services check the values."""
    v = form.values
    out: dict[str, Any] = {
        "overlap_policy": v["overlap_policy"] or "skip",
        "concurrency_key": v["concurrency_key"] or None,
        "jitter_seconds": _int(form, "jitter_seconds") or 0,
        "pause_on_budget": bool(v["pause_on_budget"]),
    }
    for name in WHOLE_CONTROLS:
        out[name] = _int(form, name)
    for name in COST_CONTROLS:
        out[name] = _amount(form, name)
    return out


def control_values(task: Any) -> dict[str, Any]:
    """The form's control fields filled from a task (its read model)."""
    values: dict[str, Any] = {
        "controls_shown": True,
        "overlap_policy": str(task.overlap_policy),
        "concurrency_key": task.concurrency_key or "",
        "jitter_seconds": str(task.jitter_seconds or ""),
        "pause_on_budget": bool(task.pause_on_budget),
    }
    for name in (*WHOLE_CONTROLS, *COST_CONTROLS):
        value = getattr(task, name)
        values[name] = "" if value is None else str(value)
    return values


def schedule_payload(form: TaskForm) -> dict[str, Any] | None:
    v = form.values
    kind, tz = v["kind"], v["timezone"] or "UTC"
    if kind == "cron":
        if not v["cron"]:
            form.error("cron", "Give a cron expression, e.g. 0 9 * * 1-5.")
            return None
        return {"kind": "cron", "cron": v["cron"], "timezone": tz}
    if kind == "once":
        if not v["at"]:
            form.error("at", "Give the date and time to run at.")
            return None
        return {"kind": "once", "at": v["at"], "timezone": tz}
    if kind == "interval":
        every = _int(form, "every")
        if every is None:
            form.error("every", "Give how often, e.g. 15 (minutes).")
            return None
        return {"kind": "interval", "every_seconds": every * UNITS.get(v["every_unit"], 60), "timezone": tz}
    form.error("kind", "Choose cron, once or interval.")
    return None


def options_payload(form: TaskForm) -> dict[str, Any]:
    v = form.values
    out: dict[str, Any] = {"missed_run_policy": v["missed_run_policy"] or "skip"}
    out["model"] = v["model"] or None
    for name in ("max_steps", "timeout_seconds", "max_retries"):
        number = _int(form, name)
        if number is not None:
            out[name] = number
    if v["tools"] is not None:
        out["tools"] = v["tools"]
    if v["notify_webhook"] or v["notify_email"]:
        out["notify"] = {
            "webhook_url": v["notify_webhook"] or None,
            "email": v["notify_email"] or None,
            "on": v["notify_on"] if v["notify_on"] in ("failure", "always") else "failure",
        }
    else:
        out["notify"] = None
    return out


def create_payload(form: TaskForm) -> dict[str, Any]:
    v = form.values
    payload = options_payload(form)
    if v["controls_shown"]:
        payload |= {k: value for k, value in controls_payload(form).items() if value is not None}
    if v["start_paused"]:
        payload["enabled"] = False
    if v["mode"] == "words":
        if not v["description"]:
            form.error("description", "Say what to do and when, e.g. “every weekday at 9am, summarise …”.")
        payload["description"] = v["description"]
        payload["timezone"] = v["timezone"] or None
        if v["name"]:
            payload["name"] = v["name"]
        return what_payload(form, payload)
    payload["name"] = v["name"] or None
    payload["instructions"] = v["instructions"] or None
    if not v["name"]:
        form.error("name", "Give the task a name.")
    if not v["instructions"] and uses_instructions(form):
        form.error("instructions", "Say what the agent should do each run, or choose a template.")
    payload["schedule"] = schedule_payload(form)
    return what_payload(form, payload)


def what_payload(form: TaskForm, payload: dict[str, Any], *, had_template: bool = False) -> dict[str, Any]:
    """``payload`` with the task's kind and its fields, its condition and what it runs after.

    Fields of the kinds not chosen are left out, as are the instructions of a task made from a
    template (the form shows every section; the chosen kind says which count).
    """
    payload |= kind_payload(form, had_template=had_template)
    if not uses_instructions(form):
        for name in AGENT_ONLY if form.values["task_kind"] not in ("", "agent") else ("instructions",):
            payload.pop(name, None)
    if form.values["links_shown"]:  # a form without the section leaves condition and `after` as they are
        payload["condition"] = condition_payload(form)
        payload["after"] = after_payload(form)
    return payload


def pydantic_errors(form: TaskForm, exc: ValidationError, *, words: bool = False) -> None:
    """Put each validation error beside its field."""
    for err in exc.errors():
        if "UpstreamIn" in err["loc"]:
            continue  # `after` is always sent in its long form: the short form's complaints do not apply
        loc = tuple(str(p) for p in err["loc"] if not str(p).isdigit())
        loc = tuple(p for p in loc if p not in ("cron", "once", "interval", "AfterIn") or len(loc) == 1)
        message = str(err["msg"]).removeprefix("Value error, ")
        if loc[:1] == ("after",):
            message = _upstream_message(err["loc"], message)
        name = _LOCATIONS.get(loc[:2]) or _LOCATIONS.get(loc[:1]) or (loc[0] if loc else FORM_ERROR)
        if not loc:
            name = field_named_in(message) or FORM_ERROR
        if name in ("schedule",):
            name = "kind"
        if words and name in ("name", "instructions", "schedule"):
            name = "description"
        form.error(name if name in DEFAULTS else FORM_ERROR, message)


def _upstream_message(loc: tuple[int | str, ...], message: str) -> str:
    """An error about one upstream names its row (``after.tasks.1.on`` is the second row's)."""
    numbers = [p for p in loc if isinstance(p, int)]
    return f"Row {numbers[0] + 1}: {message}" if numbers else message


def domain_error(form: TaskForm, exc: TaskRunnerError, *, words: bool) -> None:
    """Put a service's error beside the field it is about."""
    named = _field_of_error(exc)
    if named is not None:
        name = named
    elif isinstance(exc, AmbiguousSchedule | LLMUnavailable):
        name = "description" if words else FORM_ERROR
    elif isinstance(exc, InvalidCron):
        name = "description" if words else "cron"
    elif isinstance(exc, InvalidTimezone):
        name = "timezone"
    elif isinstance(exc, ScheduleInPast):
        name = "description" if words else "at"
    elif "unknown" in exc.details:
        name = "tools"
    elif words:
        name = "description"
    else:
        name = FORM_ERROR
    form.error(name, exc.message)


def _field_of_error(exc: TaskRunnerError) -> str | None:
    """The field of the kind, template, condition and ``after`` sections a service error is about."""
    details = exc.details
    if isinstance(exc, UnknownTemplate) or "template_id" in details:
        return "template"
    if isinstance(exc, UnknownFunction):
        return "function"
    if isinstance(exc, MissingParams | UnknownParams) or "param" in details:
        return "params"
    if isinstance(exc, ConditionRefused):
        return "condition_url"
    if isinstance(exc, DependencyCycle) or details.get("field") == "after":
        return "after"
    if "header" in details:
        return "http_headers"
    if "kind" in details and "fields" in details:
        return "task_kind"
    if not details:
        return field_named_in(exc.message)
    return None
