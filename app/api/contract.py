"""The published API contract: operation ids, summaries, tags, examples and errors, in one place.

Routes stay thin; this module shapes the OpenAPI document around them:

- :func:`operation_id` is the app's ``generate_unique_id_function``: ``create_task``
  becomes ``createTask`` (a few handler names are renamed in ``_RENAMED``), so every
  route, including ones added later, gets a stable camelCase id.
- :func:`install` post-processes the generated document: our error envelope
  (``ErrorResponse``) replaces FastAPI's ``{"detail": ...}`` 422 schema, and every
  operation documents the errors it can answer (401 behind auth, 404 with a path
  id, 413/422 with input, 503 when the database or LLM is down), plus the bearer
  security scheme, tag descriptions and the examples in ``OPERATIONS``.
- :func:`error_responses` is the one-line way for a route to document an error the
  rules cannot infer: ``@router.post(..., responses=error_responses(409))``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field

OPEN_PATHS = frozenset({"/healthz", "/readyz"})
SECURITY_SCHEME = "bearerAuth"
ERROR_SCHEMA = "ErrorResponse"
_REF = f"#/components/schemas/{ERROR_SCHEMA}"


class ErrorDetail(BaseModel):
    """What went wrong: a stable code, words for people, and structured details."""

    code: str = Field(description="Stable machine-readable code, e.g. `not_found`, `invalid_cron`.")
    message: str = Field(description="What went wrong and how to fix it, for people.")
    details: dict[str, Any] = Field(description="Structured details; keys depend on the code.")


class ErrorResponse(BaseModel):
    """The body of every error the API answers (4xx and 5xx)."""

    error: ErrorDetail


TAGS: list[dict[str, str]] = [
    {
        "name": "controls",
        "description": "Limits shared across workers: concurrency keys, and prices for models litellm does not know.",
    },
    {
        "name": "tasks",
        "description": "Scheduled tasks (an agent run, an HTTP request or a registered function): create, change, "
        "pause, resume, run now, delete.",
    },
    {"name": "templates", "description": "Prompt templates: instructions with {{placeholders}} that tasks fill."},
    {"name": "executions", "description": "Records of every due fire: runs with their steps, skips and misses."},
    {"name": "schedules", "description": "Preview schedules and read them from plain words; nothing is saved."},
    {"name": "chat", "description": "Talk to the assistant that manages tasks and explains runs."},
    {"name": "keys", "description": "API keys for `Authorization: Bearer <key>`; the secret is shown once."},
    {"name": "health", "description": "Liveness, readiness and Prometheus metrics for operators."},
    {"name": "workers", "description": "Who runs runs: workers, their heartbeats, the runs they hold, and the queue."},
]

# Handler names whose camelCase would not read as an operation.
_RENAMED = {
    "task_executions": "listTaskExecutions",
    "chat": "sendChatMessage",
    "preview": "previewSchedule",
    "parse": "parseSchedule",
    "healthz": "getLiveness",
    "readyz": "getReadiness",
    "metrics": "getMetrics",
    "create_key": "createApiKey",
    "list_keys": "listApiKeys",
    "revoke_key": "revokeApiKey",
    "upcoming": "listUpcomingFires",
}


def operation_id(route: APIRoute) -> str:
    """The stable operation id of ``route``: its handler's name in camelCase (or its rename)."""
    if route.name in _RENAMED:
        return _RENAMED[route.name]
    head, *rest = route.name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


_ERROR_TEXT: dict[int, tuple[str, str, str]] = {
    400: (
        "http_error",
        "There was an error parsing the body",
        "The body cannot be parsed (e.g. malformed JSON).",
    ),
    401: (
        "unauthorized",
        "Missing API key: send 'Authorization: Bearer <key>'.",
        "No valid API key (asked for only when keys are configured or stored).",
    ),
    404: ("not_found", "No task with id 42.", "Nothing with this id."),
    409: ("conflict", "Task 42 is already running; a task never runs twice at once.", "Conflicts with its state."),
    413: (
        "payload_too_large",
        "The request body is larger than 1000000 bytes.",
        "The body is larger than `MAX_REQUEST_BYTES`.",
    ),
    422: (
        "validation_error",
        "schedule.cron: field 'hour' value '25' is out of range 0-23",
        "Invalid input: `validation_error`, `invalid_cron`, `invalid_timezone`, `schedule_in_past`, "
        "`ambiguous_schedule`, `missing_params`, `unknown_params`, `unknown_template`, `unknown_function`; "
        "`details.errors` lists each field.",
    ),
    503: (
        "database_unavailable",
        "The database is unreachable; try again shortly.",
        "A dependency is down: `database_unavailable` (retry shortly) or, where words need the LLM, `llm_unavailable`.",
    ),
}


def error_responses(*statuses: int, description: str | None = None) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route: each status answered with the error envelope."""
    out: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        code, message, text = _ERROR_TEXT.get(status, ("error", "The request failed.", "The request failed."))
        out[status] = {
            "description": description or text,
            "content": {
                "application/json": {
                    "schema": {"$ref": _REF},
                    "example": {"error": {"code": code, "message": message, "details": {}}},
                }
            },
        }
    return out


@dataclass(frozen=True)
class OperationDoc:
    """Words and examples for one operation; errors beyond the inferred ones."""

    summary: str
    description: str = ""
    errors: tuple[int, ...] = ()
    uses_llm: bool = False
    request_examples: dict[str, Any] = field(default_factory=dict)
    response_example: Any = None
    response_media: str | None = None  # a non-JSON success body (e.g. Prometheus text)


_TASK = {
    "id": 42,
    "name": "Incident digest",
    "kind": "agent",
    "instructions": "Check https://status.example.com and summarise open incidents.",
    "description": None,
    "schedule": {"kind": "cron", "cron": "0 9 * * 1-5", "timezone": "Europe/Berlin"},
    "schedule_description": "At 09:00, Monday through Friday (Europe/Berlin)",
    "state": "active",
    "enabled": True,
    "missed_run_policy": "skip",
    "model": None,
    "tools": ["http_request", "current_time"],
    "max_steps": 20,
    "timeout_seconds": 300,
    "max_retries": 3,
    "notify": None,
    "next_run_at": "2026-12-01T09:00:00+01:00",
    "next_runs": ["2026-12-01T09:00:00+01:00", "2026-12-02T09:00:00+01:00"],
    "last_fire_at": None,
    "parser": None,
    "assumptions": [],
    "created_at": "2026-11-30T17:00:00Z",
    "updated_at": "2026-11-30T17:00:00Z",
}
_EXECUTION = {
    "id": 7,
    "task_id": 42,
    "trigger": "manual",
    "status": "queued",
    "reason": None,
    "scheduled_for": "2026-11-30T17:05:00Z",
    "started_at": None,
    "finished_at": None,
    "duration_ms": None,
    "trigger_delay_ms": None,
    "model": None,
    "output": None,
    "error": None,
    "prompt_tokens": None,
    "completion_tokens": None,
    "cost_usd": None,
    "attempt": 1,
}
_SUCCEEDED = {
    **_EXECUTION,
    "trigger": "schedule",
    "status": "succeeded",
    "scheduled_for": "2026-11-30T08:00:00Z",
    "started_at": "2026-11-30T08:00:00.120000Z",
    "finished_at": "2026-11-30T08:00:04.870000Z",
    "duration_ms": 4750,
    "trigger_delay_ms": 120,
    "model": "openai/gpt-4o-mini",
    "output": "No open incidents.",
    "prompt_tokens": 812,
    "completion_tokens": 64,
    "cost_usd": 0.00016,
}


def _page(item: Any) -> dict[str, Any]:
    return {"items": [item], "total": 1, "limit": 50, "offset": 0}


OPERATIONS: dict[str, OperationDoc] = {
    "createTask": OperationDoc(
        "Create a task",
        "Give `name`, `instructions` and a `schedule` (cron, once or interval), or one `description` in plain "
        "words that names both the schedule and the work. Answers the task with its schedule in words and "
        "next runs. Plain words that the rules cannot read go to the LLM; if it is down, 503 `llm_unavailable`.",
        uses_llm=True,
        request_examples={
            "precise": {
                "summary": "Cron schedule in a timezone",
                "value": {
                    "name": "Incident digest",
                    "instructions": "Check https://status.example.com and summarise open incidents.",
                    "schedule": {"kind": "cron", "cron": "0 9 * * 1-5", "timezone": "Europe/Berlin"},
                    "tools": ["http_request"],
                },
            },
            "plain_words": {
                "summary": "Plain words",
                "value": {"description": "every weekday at 9am Berlin time, check status.example.com"},
            },
        },
        response_example=_TASK,
    ),
    "listTasks": OperationDoc(
        "List tasks",
        "Tasks, newest first, filtered by `state`, schedule `kind` or words in the name or instructions (`q`).",
        response_example=_page(_TASK),
    ),
    "getTask": OperationDoc("Get a task", "One task with its schedule in words and next runs.", response_example=_TASK),
    "updateTask": OperationDoc(
        "Change a task",
        "Absent fields stay as they are. A new schedule takes effect at once; `enabled` pauses or resumes.",
        request_examples={
            "reschedule": {
                "summary": "New schedule",
                "value": {"schedule": {"kind": "interval", "every_seconds": 900, "timezone": "UTC"}},
            },
            "limits": {"summary": "Tighter limits", "value": {"max_steps": 5, "timeout_seconds": 60}},
        },
        response_example=_TASK,
    ),
    "deleteTask": OperationDoc(
        "Delete a task",
        "Deletes the task and its records. While other tasks run after it, answers 409 `has_dependents` "
        "naming them, unless `force=true`, which removes it from their `after`.",
    ),
    "pauseTask": OperationDoc(
        "Pause a task",
        "Stops the task from firing until it is resumed. A completed one-time task cannot be paused (409).",
        errors=(409,),
        response_example={**_TASK, "state": "paused", "enabled": False, "next_run_at": None, "next_runs": []},
    ),
    "resumeTask": OperationDoc(
        "Resume a task",
        "Fires again from now on; fires that fell while paused are not run. A completed task answers 409.",
        errors=(409,),
        response_example=_TASK,
    ),
    "runTask": OperationDoc(
        "Run a task now",
        "Queues a manual run and answers 202 with its record; 409 if the task is already running. The optional "
        "body gives the run `inputs` (a JSON object of at most 64 KiB, shown to the agent as data) and an "
        "`idempotency_key`: the same key within 24 hours answers the first run instead of starting another.",
        errors=(409,),
        response_example=_EXECUTION,
    ),
    "backfillTask": OperationDoc(
        "Backfill a past window",
        "Lists the fires the task's schedule would have had in [start, end] (at most 1,000; the scheduler's own "
        "times, clock changes included) and, unless `dry_run`, records one run per fire not already recorded, "
        "`trigger: backfill`. Fires already recorded are never run again. The task runs them one at a time, "
        "oldest first (`waiting` until its turn); each run covers the period from the schedule's previous fire "
        "to its own time.",
        response_example={
            "task_id": 1,
            "timezone": "Europe/Berlin",
            "start": "2026-10-24T00:00:00+02:00",
            "end": "2026-10-26T23:59:00+01:00",
            "dry_run": False,
            "limit": 1000,
            "total": 3,
            "new": 2,
            "already_recorded": 1,
            "fires": [
                {
                    "scheduled_for": "2026-10-24T09:00:00+02:00",
                    "window_start": "2026-10-23T09:00:00+02:00",
                    "status": "already_recorded",
                    "execution_id": None,
                },
                {
                    "scheduled_for": "2026-10-25T09:00:00+01:00",
                    "window_start": "2026-10-24T09:00:00+02:00",
                    "status": "queued",
                    "execution_id": 7,
                },
                {
                    "scheduled_for": "2026-10-26T09:00:00+01:00",
                    "window_start": "2026-10-25T09:00:00+01:00",
                    "status": "waiting",
                    "execution_id": 8,
                },
            ],
        },
    ),
    "enableTaskHook": OperationDoc(
        "Enable or rotate a task's event hook",
        "Creates the task's inbound hook, or gives it a new secret (the old one stays valid for `grace_seconds`). "
        "The secret is shown only in this answer.",
    ),
    "getTaskHook": OperationDoc("Read a task's event hook", "The hook (never its secret) and its recent deliveries."),
    "disableTaskHook": OperationDoc("Disable a task's event hook", "Deletes the hook; deliveries to it answer 404."),
    "deliverHookEvent": OperationDoc(
        "Deliver an event",
        "Starts a run with `trigger: event` whose inputs are the JSON body. No API key: send "
        "`X-Taskrunner-Timestamp` (unix seconds) and `X-Taskrunner-Signature: sha256=<HMAC-SHA256 of "
        "'<timestamp>.<body>' with the hook's secret>`, or `X-Taskrunner-Token: <secret>`. Stale timestamps "
        "(over 5 minutes), replayed signatures, bad signatures, bursts over the rate limit and events while the "
        "task runs are refused and recorded with their reason.",
    ),
    "exportTasks": OperationDoc(
        "Export tasks",
        "Every task's portable definition (no ids, no run state), as JSON or `format=yaml`, to keep schedules in "
        "git. Completed one-time tasks only with `all=true`.",
        response_example={
            "version": 1,
            "tasks": [
                {
                    "name": "Incident digest",
                    "instructions": "Check https://status.example.com and summarise open incidents.",
                    "schedule": {"kind": "cron", "cron": "0 9 * * 1-5", "timezone": "Europe/Berlin"},
                    "missed_run_policy": "skip",
                    "model": None,
                    "tools": ["http_request"],
                    "max_steps": 20,
                    "timeout_seconds": 300,
                    "max_retries": 3,
                    "enabled": True,
                    "notify": None,
                }
            ],
        },
    ),
    "importTasks": OperationDoc(
        "Import tasks",
        "Creates a task for each new name and changes only the differing fields of tasks that exist (idempotent "
        "by name). JSON or YAML (`Content-Type: application/yaml`). Everything is checked before anything is "
        "written; `dry_run=true` answers the plan only. 409 when several tasks share a name.",
        errors=(409,),
        response_example={
            "dry_run": False,
            "created": 1,
            "updated": 1,
            "unchanged": 0,
            "items": [
                {"name": "Incident digest", "action": "update", "changes": ["schedule"], "id": 42},
                {"name": "Backup check", "action": "create", "changes": [], "id": 43},
            ],
        },
    ),
    "listTaskExecutions": OperationDoc(
        "List a task's records",
        "The task's execution records, newest first, with the same filters as `listExecutions`.",
        response_example=_page(_SUCCEEDED),
    ),
    "listExecutions": OperationDoc(
        "List execution records",
        "Every due fire's record, newest first; filter by task, `status` and scheduled time (`since`, `until`, "
        "with a UTC offset). 404 when `task_id` names no task.",
        errors=(404,),
        response_example=_page(_SUCCEEDED),
    ),
    "getExecution": OperationDoc(
        "Get an execution record",
        "One record with its `steps`: each LLM call and tool call in order, with input, output, latency, "
        "tokens and error.",
    ),
    "previewSchedule": OperationDoc(
        "Preview a schedule",
        "The schedule in words and its next `count` fire times after `after` (default now).",
        response_example={
            "description": "At 09:00, Monday through Friday",
            "timezone": "Europe/Berlin",
            "next_runs": ["2026-12-01T09:00:00+01:00", "2026-12-02T09:00:00+01:00"],
        },
    ),
    "listUpcomingFires": OperationDoc(
        "List upcoming fires",
        "Every fire of the active tasks due from now to `hours` ahead (at most 168), soonest first, in each "
        "task's timezone, with `busiest`: the minutes where two or more fires fall together.",
    ),
    "parseSchedule": OperationDoc(
        "Read a schedule from plain words",
        "Deterministic rules first, the LLM for the rest; shows what was understood and assumed. Nothing is "
        "saved. 503 `llm_unavailable` when the words need the LLM and it cannot be reached.",
        uses_llm=True,
        request_examples={
            "weekday": {
                "summary": "Weekdays in a timezone",
                "value": {"text": "every weekday at 9am check status.example.com", "timezone": "Europe/Berlin"},
            }
        },
    ),
    "sendChatMessage": OperationDoc(
        "Talk to the assistant",
        "Ask in words: create, pause or explain tasks and runs. Give `conversation_id` to continue a "
        "conversation (404 if it does not exist). Needs the LLM (503 `llm_unavailable` when it is down).",
        errors=(404,),
        uses_llm=True,
        request_examples={
            "why": {"summary": "Why did a run not happen", "value": {"message": "why didn't my 9am digest run?"}}
        },
    ),
    "listConversations": OperationDoc("List conversations", "Chat conversations, most recent first."),
    "getConversation": OperationDoc("Get a conversation", "One conversation with its messages and tool calls."),
    "createApiKey": OperationDoc(
        "Create an API key",
        "Answers the secret key once; only its hash is stored.",
        request_examples={"ci": {"summary": "A key for CI", "value": {"name": "ci"}}},
    ),
    "listApiKeys": OperationDoc("List API keys", "Keys with their prefix, never the secret."),
    "revokeApiKey": OperationDoc("Revoke an API key", "The key stops working at once here, within seconds elsewhere."),
    "getLiveness": OperationDoc(
        "Liveness", "200 while the process serves requests.", response_example={"status": "ok"}
    ),
    "getReadiness": OperationDoc(
        "Readiness",
        "200 when the database answers and, if this instance schedules, its scheduler is healthy; else 503.",
        response_example={"status": "ready", "checks": {"database": "ok", "scheduler": "leader"}},
    ),
    "createTemplate": OperationDoc(
        "Create a prompt template",
        "Instructions with `{{placeholder}}` names; agent tasks made from it (`template` + `params`) fill them. "
        "409 when the name is taken.",
        errors=(409,),
        request_examples={
            "digest": {
                "summary": "A digest for any status page",
                "value": {"name": "status-digest", "instructions": "Summarise open incidents on {{url}}."},
            }
        },
    ),
    "listTemplates": OperationDoc("List prompt templates", "Templates by name, each with the tasks made from it."),
    "getTemplate": OperationDoc("Get a prompt template", "One template (by id or name) and the tasks made from it."),
    "updateTemplate": OperationDoc(
        "Change a prompt template",
        "New instructions reach every task made from the template at its next run. 422 `missing_params` naming "
        "the tasks when one would lack a value (give `params` for new placeholders).",
        errors=(409,),
    ),
    "deleteTemplate": OperationDoc(
        "Delete a prompt template",
        "409 `template_in_use` naming the tasks made from it, unless `force=true` (they keep their instructions).",
        errors=(409,),
    ),
    "listFunctions": OperationDoc(
        "List registered functions",
        "Functions installed packages register under the entry-point group `taskrunner.functions`, which "
        "`function` tasks may call: name, target and the first line of the docstring.",
    ),
    "getMetrics": OperationDoc(
        "Prometheus metrics",
        "Fires, runs, LLM calls, tokens and cost, retries, queue depth and HTTP latency in the Prometheus text format.",
        response_media="text/plain; version=0.0.4; charset=utf-8",
    ),
}

_NO_DATABASE = frozenset({"/healthz", "/metrics"})
_HTTP_METHODS = ("get", "put", "post", "delete", "patch")


def install(app: FastAPI, *, operations: dict[str, OperationDoc] | None = None) -> None:
    """Make ``app.openapi()`` answer the post-processed document (built once, then cached)."""
    docs = OPERATIONS if operations is None else operations

    def build() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
                tags=app.openapi_tags,
            )
            app.openapi_schema = shape(schema, docs)
        return app.openapi_schema

    setattr(app, "openapi", build)  # noqa: B010 - FastAPI's documented override of a method


def shape(schema: dict[str, Any], docs: dict[str, OperationDoc]) -> dict[str, Any]:
    """Apply the contract's rules to a document FastAPI generated; returns it."""
    components = schema.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    envelope = ErrorResponse.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, definition in envelope.pop("$defs", {}).items():
        schemas[name] = definition
    schemas[ERROR_SCHEMA] = envelope
    components["securitySchemes"] = {
        SECURITY_SCHEME: {
            "type": "http",
            "scheme": "bearer",
            "description": "An API key from `API_KEYS` or `taskrunner keys create`, once any key exists.",
        }
    }
    schema["security"] = [{SECURITY_SCHEME: []}]
    for path, item in schema.get("paths", {}).items():
        for method in _HTTP_METHODS:
            if method in item:
                _shape_operation(path, item[method], docs)
    return schema


def _shape_operation(path: str, op: dict[str, Any], docs: dict[str, OperationDoc]) -> None:
    doc = docs.get(op.get("operationId", ""))
    if doc is not None:
        op["summary"] = doc.summary
        op["description"] = doc.description or op.get("description") or doc.summary
    else:
        op["description"] = op.get("description") or op.get("summary", "")
    responses: dict[str, Any] = op.setdefault("responses", {})
    statuses: set[int] = {int(s) for s in responses if s.isdigit() and int(s) >= 400}
    if path in OPEN_PATHS:
        op["security"] = []
    else:
        statuses.add(401)
    if "{" in path:
        statuses.add(404)
    if "requestBody" in op:
        statuses.update((400, 413, 422))
    if op.get("parameters"):
        statuses.add(422)
    if path not in _NO_DATABASE:
        statuses.add(503)
    if doc is not None:
        statuses.update(doc.errors)
    llm = doc is not None and doc.uses_llm
    for status in sorted(statuses):
        documented = error_responses(status)[status]
        existing = responses.get(str(status), {})
        if existing.get("description") and status != 422:
            documented["description"] = existing["description"]
        if status == 503 and llm:
            documented["content"]["application/json"]["examples"] = {
                "database_unavailable": {"value": documented["content"]["application/json"].pop("example")},
                "llm_unavailable": {
                    "value": {
                        "error": {
                            "code": "llm_unavailable",
                            "message": "The words need the LLM and it cannot be reached; give a schedule instead.",
                            "details": {},
                        }
                    }
                },
            }
        responses[str(status)] = documented
    if doc is None:
        return
    if doc.request_examples and "requestBody" in op:
        op["requestBody"]["content"]["application/json"]["examples"] = doc.request_examples
    success = next((s for s in sorted(responses) if s.startswith("2")), None)
    if success is not None and doc.response_media is not None:
        responses[success]["content"] = {doc.response_media: {"schema": {"type": "string"}}}
    elif success is not None and doc.response_example is not None and "content" in responses[success]:
        responses[success]["content"]["application/json"]["example"] = doc.response_example
