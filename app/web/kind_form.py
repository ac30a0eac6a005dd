"""The task form's sections for what a run does and what else starts or stops it: kind (agent, http,
function), template and params, run condition, and the tasks it runs after.

Posted text becomes the services' input shapes as typed; the services check it (one set of
rules for every door). What this module refuses itself is only what plain text cannot say in
those shapes: a header line without ``:``, a params line without ``=``, a URL without a check.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from app.services.inputs import MAX_UPSTREAMS
from app.vocabulary import ConditionKind, DependencyMode, DependencyOn, TaskKind

if TYPE_CHECKING:
    from app.services.views import TaskView
    from app.web.task_form import TaskForm

KIND_DEFAULTS: dict[str, Any] = {
    "task_kind": TaskKind.AGENT.value,
    "http_method": "GET",
    "http_url": "",
    "http_headers": "",
    "http_body": "",
    "http_expected_status": "",
    "function": "",
    "template": "",
    "params": "",
    "condition_kind": "",
    "condition_url": "",
    "after_mode": DependencyMode.ALL.value,
    "after": [],  # rows of {"task_id": "3", "on": "succeeded"} as posted
    "links_shown": False,
}
# Kept as typed: a body's whitespace is part of it; lines are trimmed one by one.
_UNSTRIPPED = ("http_body", "http_headers", "params")
# Fields only an agent task takes (docs/task-kinds.md); the form drops them for the other kinds.
AGENT_ONLY = ("instructions", "model", "tools", "max_steps")
EMPTY_AFTER_ROWS = 2  # blank rows offered beside the upstreams a task has

# A service's message names the input field in backticks; the form field that holds it.
FIELD_OF_NAME = {
    "params": "params",
    "template": "template",
    "instructions": "instructions",
    "http": "http_url",
    "function": "function",
    "after": "after",
    "after.tasks": "after",
    "condition": "condition_url",
    "kind": "task_kind",
    "name": "name",
    "schedule": "kind",
    "description": "description",
}
# Where a pydantic error location inside these sections points in the form.
LOCATIONS = {
    ("http", "url"): "http_url",
    ("http", "method"): "http_method",
    ("http", "headers"): "http_headers",
    ("http", "body"): "http_body",
    ("http", "expected_status"): "http_expected_status",
    ("http",): "http_url",
    ("function",): "function",
    ("template",): "template",
    ("params",): "params",
    ("condition",): "condition_url",
    ("after",): "after",
    ("kind",): "task_kind",
}


def read_kind_fields(posted: dict[str, list[str]], values: dict[str, Any]) -> None:
    """Copy this module's fields from a posted form into ``values`` (the form's values as typed)."""
    for name in KIND_DEFAULTS:
        if name in ("after", "links_shown") or name not in posted:
            continue
        raw = posted[name][0]
        values[name] = raw if name in _UNSTRIPPED else raw.strip()
    tasks, ons = posted.get("after_task", []), posted.get("after_on", [])
    values["after"] = [
        {"task_id": task.strip(), "on": (ons[i].strip() if i < len(ons) else "") or DependencyOn.SUCCEEDED.value}
        for i, task in enumerate(tasks)
        if task.strip()
    ]
    values["links_shown"] = "links_shown" in posted


def _lines(text: str) -> list[tuple[int, str]]:
    return [(n, line.strip()) for n, line in enumerate(text.splitlines(), start=1) if line.strip()]


def parse_pairs(text: str, sep: str, example: str) -> tuple[dict[str, str], str | None]:
    """``Name<sep>value`` lines as a mapping, and what is wrong with a line (no ``sep``, a name twice), if any."""
    out: dict[str, str] = {}
    for number, line in _lines(text):
        key, found, value = line.partition(sep)
        key = key.strip()
        if not found or not key:
            return out, f"Line {number}: write one per line as {example}."
        if key in out:
            return out, f"Line {number}: {key!r} is given twice."
        out[key] = value.strip()
    return out, None


def _pairs(form: TaskForm, name: str, sep: str, example: str) -> dict[str, str] | None:
    pairs, problem = parse_pairs(str(form.values[name] or ""), sep, example)
    if problem:
        form.error(name, problem)
        return None
    return pairs


def params_of(form: TaskForm) -> dict[str, str] | None:
    return _pairs(form, "params", "=", "name=value")


def _status(raw: str) -> int | str | None:
    """The expected status as typed: a number when it is one; anything else goes to the service to refuse."""
    if not raw:
        return None
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 6 else raw


def _ref(raw: str) -> int | str:
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 19 else raw


def kind_payload(form: TaskForm, *, had_template: bool = False) -> dict[str, Any]:
    """The task's ``kind`` and that kind's fields; an agent task's instructions are left to the caller.

    ``had_template``: the task being changed follows a template, so choosing none detaches it.
    """
    v = form.values
    kind = v["task_kind"]
    if kind == TaskKind.HTTP:
        headers = _pairs(form, "http_headers", ":", "Name: value")
        return {
            "kind": kind,
            "http": {
                "method": v["http_method"] or "GET",
                "url": v["http_url"],
                "headers": headers or {},
                "body": v["http_body"] or None,
                "expected_status": _status(v["http_expected_status"]),
            },
        }
    if kind == TaskKind.FUNCTION:
        return {"kind": kind, "function": v["function"] or None}
    out: dict[str, Any] = {"kind": kind or TaskKind.AGENT.value}
    params = params_of(form)
    if v["template"]:
        out["template"] = _ref(v["template"])
        out["params"] = params or {}
    else:
        if had_template:
            out["template"] = None
        if params:
            out["params"] = params  # refused by the service: params fill a template
    return out


def uses_instructions(form: TaskForm) -> bool:
    """Whether the form's instructions field counts: an agent task not made from a template."""
    return form.values["task_kind"] in ("", TaskKind.AGENT) and not form.values["template"]


def condition_payload(form: TaskForm) -> dict[str, str] | None:
    """``{check: url}``, or None for no condition."""
    v = form.values
    kind, url = v["condition_kind"], v["condition_url"]
    if not kind:
        if url:
            form.error("condition_kind", "Choose what to check at this URL, or clear the URL.")
        return None
    return {kind: url}


def after_payload(form: TaskForm) -> dict[str, Any] | None:
    """``{"mode": ..., "tasks": [...]}`` from the rows with a task chosen, or None when none is."""
    v = form.values
    rows = v["after"]
    if not rows:
        return None
    return {"mode": v["after_mode"] or DependencyMode.ALL.value, "tasks": [_upstream(r) for r in rows]}


def _upstream(row: dict[str, str]) -> dict[str, Any]:
    return {"task_id": _ref(row["task_id"]), "on": row["on"]}


def kind_values(task: TaskView) -> dict[str, Any]:
    """This module's form fields filled from a task (secret header values stay ``[REDACTED]``)."""
    http = task.http or {}
    condition = task.condition or {}
    check = next((k.value for k in ConditionKind if condition.get(k.value)), "")
    return {
        "task_kind": task.kind.value,
        "http_method": http.get("method") or "GET",
        "http_url": http.get("url") or "",
        "http_headers": "\n".join(f"{k}: {value}" for k, value in (http.get("headers") or {}).items()),
        "http_body": http.get("body") or "",
        "http_expected_status": str(http.get("expected_status") or ""),
        "function": task.function or "",
        "template": str(task.template_id or ""),
        "params": "\n".join(f"{k}={value}" for k, value in (task.params or {}).items()),
        "condition_kind": check,
        "condition_url": condition.get(check, "") if check else "",
        "after_mode": task.after.mode.value if task.after else DependencyMode.ALL.value,
        "after": [{"task_id": str(u.task_id), "on": u.on.value} for u in task.after.tasks] if task.after else [],
        "links_shown": True,
    }


def after_rows(values: dict[str, Any]) -> list[dict[str, str]]:
    """The rows the form shows: the chosen upstreams and a few blank ones (at most ``MAX_UPSTREAMS``)."""
    rows = list(values["after"])
    blank = max(EMPTY_AFTER_ROWS, 3 - len(rows))
    return (rows + [{"task_id": "", "on": DependencyOn.SUCCEEDED.value}] * blank)[: max(MAX_UPSTREAMS, len(rows))]


def field_named_in(message: str) -> str | None:
    """The form field of the first input field a service message names in backticks, if any."""
    for part in message.split("`")[1::2]:
        name = FIELD_OF_NAME.get(part.strip())
        if name:
            return name
    return None
