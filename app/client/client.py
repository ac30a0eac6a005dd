"""A small typed client for the taskrunner REST API (synchronous, over httpx).

One method per API operation, named after its operation id in snake case
(``createTask`` -> :meth:`TaskrunnerClient.create_task`). Answers are the API's
JSON as typed dictionaries (:mod:`app.client.models`); failures are
:mod:`app.client.errors`. The ``taskrunner`` CLI is built on it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator
from typing import Any, cast
from urllib.parse import quote

import httpx

from app.client import models as m
from app.client.errors import APIError, ClientError, ServerUnreachable

DEFAULT_URL = "http://127.0.0.1:8000"
FOLLOW_RETRIES = 3  # a followed run's stream reopened this many times in a row without news


class TaskrunnerClient:
    """Calls the API at ``base_url`` with an optional API key; use it as a context manager or ``close()`` it."""

    def __init__(
        self,
        base_url: str = DEFAULT_URL,
        *,
        api_key: str | None = None,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
        async_transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._timeout = timeout
        self._async_transport = async_transport  # for the streams of follow_execution
        self._http = httpx.Client(base_url=self.base_url, headers=self._headers, timeout=timeout, transport=transport)

    def __enter__(self) -> TaskrunnerClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # -- tasks ------------------------------------------------------------------------------
    def create_task(self, fields: m.TaskFields) -> m.Task:
        """Create a task from ``name`` + ``instructions`` + ``schedule``, or a ``description`` in words."""
        return cast(m.Task, self._call("POST", "/api/tasks", json=fields))

    def list_tasks(
        self,
        *,
        state: m.TaskState | None = None,
        q: str | None = None,
        kind: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> m.Page[m.Task]:
        params = {"state": state, "q": q, "kind": kind, "limit": limit, "offset": offset}
        return cast(m.Page[m.Task], self._call("GET", "/api/tasks", params=params))

    def get_task(self, task_id: int) -> m.Task:
        return cast(m.Task, self._call("GET", f"/api/tasks/{task_id}"))

    def update_task(self, task_id: int, fields: m.TaskFields) -> m.Task:
        """Change the given fields; the rest stay as they are."""
        return cast(m.Task, self._call("PATCH", f"/api/tasks/{task_id}", json=fields))

    def delete_task(self, task_id: int, *, force: bool = False) -> None:
        """Delete a task; ``force`` also when other tasks run after it (they stop waiting on it)."""
        self._call("DELETE", f"/api/tasks/{task_id}", params={"force": "true"} if force else None)

    def pause_task(self, task_id: int, *, note: str | None = None) -> m.Task:
        """Stop firing; ``note`` says why (shown with the task while it is paused)."""
        body = {"note": note} if note else None
        return cast(m.Task, self._call("POST", f"/api/tasks/{task_id}/pause", json=body))

    def resume_task(self, task_id: int, *, note: str | None = None) -> m.Task:
        """Fire again from now on (clears the pause note)."""
        body = {"note": note} if note else None
        return cast(m.Task, self._call("POST", f"/api/tasks/{task_id}/resume", json=body))

    def run_task(
        self, task_id: int, *, inputs: dict[str, Any] | None = None, idempotency_key: str | None = None
    ) -> m.Execution:
        """Queue a run now, with ``inputs`` for the agent; answers its record (status ``queued``).

        The same ``idempotency_key`` within 24 hours answers the first run instead of starting another.
        """
        body: dict[str, Any] = {}
        if inputs is not None:
            body["inputs"] = inputs
        if idempotency_key is not None:
            body["idempotency_key"] = idempotency_key
        return cast(m.Execution, self._call("POST", f"/api/tasks/{task_id}/run", json=body or None))

    def backfill_task(self, task_id: int, start: str, end: str, *, dry_run: bool = False) -> m.Backfill:
        """The fires the schedule would have had in [start, end]; unless ``dry_run``, a run for each new one."""
        body = {"start": start, "end": end, "dry_run": dry_run}
        return cast(m.Backfill, self._call("POST", f"/api/tasks/{task_id}/backfill", json=body))

    def enable_task_hook(
        self, task_id: int, *, rate_per_minute: int | None = None, grace_seconds: int | None = None
    ) -> dict[str, Any]:
        """Create the task's event hook or rotate its secret; the answer is the only time the secret is shown."""
        body = {k: v for k, v in (("rate_per_minute", rate_per_minute), ("grace_seconds", grace_seconds)) if v}
        return cast(dict[str, Any], self._call("POST", f"/api/tasks/{task_id}/hook", json=body or None))

    def get_task_hook(self, task_id: int) -> dict[str, Any]:
        return cast(dict[str, Any], self._call("GET", f"/api/tasks/{task_id}/hook"))

    def disable_task_hook(self, task_id: int) -> None:
        self._call("DELETE", f"/api/tasks/{task_id}/hook")

    def deliver_hook_event(
        self, hook_id: str, event: dict[str, Any], *, secret: str, sign: bool = True, timestamp: int | None = None
    ) -> dict[str, Any]:
        """Send ``event`` to a hook as another system would: signed with ``secret`` (or as a token)."""
        body = json.dumps(event, separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json"}
        if sign:
            ts = str(int(time.time()) if timestamp is None else timestamp)
            mac = hmac.new(secret.encode(), ts.encode() + b"." + body, hashlib.sha256).hexdigest()
            headers |= {"X-Taskrunner-Timestamp": ts, "X-Taskrunner-Signature": "sha256=" + mac}
        else:
            headers["X-Taskrunner-Token"] = secret
        response = self._send("POST", f"/api/hooks/{hook_id}", params=None, json=None, content=body, headers=headers)
        return cast(dict[str, Any], response.json())

    def export_tasks(self, *, include_completed: bool = False) -> m.TaskBundle:
        """Every task's definition, keyed by name (completed one-time tasks only with ``include_completed``)."""
        params = {"all": "true" if include_completed else None}
        return cast(m.TaskBundle, self._call("GET", "/api/tasks/export", params=params))

    def import_tasks(self, bundle: m.TaskBundle | dict[str, Any], *, dry_run: bool = False) -> m.ImportReport:
        """Create or update tasks by name from an exported bundle; ``dry_run`` only reports."""
        params = {"dry_run": "true" if dry_run else None}
        return cast(m.ImportReport, self._call("POST", "/api/tasks/import", params=params, json=bundle))

    # -- templates and functions -----------------------------------------------------------------
    def create_template(self, fields: m.TemplateFields) -> m.Template:
        """A prompt template: ``name``, ``instructions`` with ``{{placeholder}}`` names, ``description``."""
        return cast(m.Template, self._call("POST", "/api/templates", json=fields))

    def list_templates(self, *, limit: int = 50, offset: int = 0) -> m.Page[m.Template]:
        params = {"limit": limit, "offset": offset}
        return cast(m.Page[m.Template], self._call("GET", "/api/templates", params=params))

    def get_template(self, ref: int | str) -> m.Template:
        """The template with this id or name."""
        return cast(m.Template, self._call("GET", f"/api/templates/{_segment(ref)}"))

    def update_template(self, ref: int | str, fields: m.TemplateFields) -> m.Template:
        """Change fields; new instructions reach every task made from the template at its next run."""
        return cast(m.Template, self._call("PATCH", f"/api/templates/{_segment(ref)}", json=fields))

    def delete_template(self, ref: int | str, *, force: bool = False) -> None:
        """Delete it; refused (409 ``template_in_use``) while tasks use it, unless ``force``."""
        self._call("DELETE", f"/api/templates/{_segment(ref)}", params={"force": "true" if force else None})

    def list_functions(self) -> m.Functions:
        """Functions installed packages register for ``function`` tasks."""
        return cast(m.Functions, self._call("GET", "/api/functions"))

    # -- execution records ---------------------------------------------------------------------
    def list_executions(
        self,
        *,
        task_id: int | None = None,
        status: str | None = None,
        trigger: str | None = None,
        since: str | None = None,
        until: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> m.Page[m.Execution]:
        params = {
            "task_id": task_id,
            "status": status,
            "trigger": trigger,
            "since": since,
            "until": until,
            "limit": limit,
            "offset": offset,
        }
        return cast(m.Page[m.Execution], self._call("GET", "/api/executions", params=params))

    def list_task_executions(
        self, task_id: int, *, status: str | None = None, limit: int = 50, offset: int = 0
    ) -> m.Page[m.Execution]:
        params = {"status": status, "limit": limit, "offset": offset}
        return cast(m.Page[m.Execution], self._call("GET", f"/api/tasks/{task_id}/executions", params=params))

    def get_execution(self, execution_id: int) -> m.ExecutionDetail:
        return cast(m.ExecutionDetail, self._call("GET", f"/api/executions/{execution_id}"))

    def cancel_execution(self, execution_id: int) -> m.Execution:
        """Cancel a queued or running run; a running one answers with ``cancel_requested_at`` set."""
        return cast(m.Execution, self._call("POST", f"/api/executions/{execution_id}/cancel"))

    async def follow_execution(self, execution_id: int, *, from_step: int = 0) -> AsyncIterator[m.RunEvent]:
        """The run's events as they happen: ``status`` (first, then on each change), each ``step``, last ``end``.

        Reads the server-sent events of ``GET /api/executions/{id}/events``; a stream that
        closes before ``end`` (the server's limit, a dropped connection) is reopened from the
        next step, up to ``FOLLOW_RETRIES`` times in a row without news.
        """
        failures = 0
        async with httpx.AsyncClient(
            base_url=self.base_url, headers=self._headers, timeout=self._timeout, transport=self._async_transport
        ) as http:
            while True:
                try:
                    async with http.stream(
                        "GET", f"/api/executions/{execution_id}/events", params={"from_step": from_step}
                    ) as response:
                        if response.is_error:
                            await response.aread()
                            raise _api_error(response)
                        async for event in _server_sent(response.aiter_lines()):
                            failures = 0
                            if event["event"] == "step":
                                from_step = int(event["data"]["index"]) + 1
                            yield event
                            if event["event"] == "end":
                                return
                except httpx.TransportError as exc:
                    failures += 1
                    if failures > FOLLOW_RETRIES:
                        raise ServerUnreachable(f"lost the event stream of run {execution_id}: {exc}") from exc
                    continue
                failures += 1  # closed without an end: open it again from the next step
                if failures > FOLLOW_RETRIES:
                    raise ServerUnreachable(f"the event stream of run {execution_id} keeps closing early")

    # -- workers --------------------------------------------------------------------------------
    def list_workers(self) -> m.Workers:
        """Every registered worker (alive or not), the runs each holds, and the queue."""
        return cast(m.Workers, self._call("GET", "/api/workers"))

    # -- schedules ------------------------------------------------------------------------------
    def preview_schedule(self, schedule: m.Schedule, *, count: int = 5, after: str | None = None) -> m.Preview:
        params = {**schedule, "count": count, "after": after}
        return cast(m.Preview, self._call("GET", "/api/schedules/preview", params=params))

    def list_upcoming_fires(self, *, hours: float = 24, limit: int = 1000) -> m.Upcoming:
        """Fires of the active tasks due in the next ``hours``, soonest first."""
        params = {"hours": hours, "limit": limit}
        return cast(m.Upcoming, self._call("GET", "/api/schedules/upcoming", params=params))

    def parse_schedule(self, text: str, *, timezone: str | None = None) -> m.ParsedSchedule:
        body = {"text": text, **({"timezone": timezone} if timezone else {})}
        return cast(m.ParsedSchedule, self._call("POST", "/api/schedules/parse", json=body))

    # -- chat -------------------------------------------------------------------------------------
    def send_chat_message(
        self, message: str, *, conversation_id: str | None = None, timezone: str | None = None
    ) -> m.ChatReply:
        body: dict[str, Any] = {"message": message}
        if conversation_id is not None:
            body["conversation_id"] = conversation_id
        if timezone is not None:
            body["timezone"] = timezone
        return cast(m.ChatReply, self._call("POST", "/api/chat", json=body))

    def list_conversations(self, *, limit: int = 50, offset: int = 0) -> m.Page[m.Conversation]:
        params = {"limit": limit, "offset": offset}
        return cast(m.Page[m.Conversation], self._call("GET", "/api/chat/conversations", params=params))

    def get_conversation(self, conversation_id: str) -> m.ConversationDetail:
        return cast(m.ConversationDetail, self._call("GET", f"/api/chat/conversations/{conversation_id}"))

    # -- API keys ----------------------------------------------------------------------------------
    def create_api_key(self, name: str, *, scope: str = "full") -> m.NewApiKey:
        """A new key (``scope`` ``full`` or ``read_only``); its secret (``key``) is in this answer only."""
        return cast(m.NewApiKey, self._call("POST", "/api/keys", json={"name": name, "scope": scope}))

    def list_api_keys(self, *, limit: int = 100, offset: int = 0) -> m.Page[m.ApiKey]:
        return cast(m.Page[m.ApiKey], self._call("GET", "/api/keys", params={"limit": limit, "offset": offset}))

    def revoke_api_key(self, key_id: int) -> None:
        self._call("DELETE", f"/api/keys/{key_id}")

    # -- controls (docs/controls.md): concurrency keys and model prices ------------------------------

    def list_concurrency_keys(self) -> dict[str, Any]:
        """Every concurrency key with its limit and what runs and waits under it."""
        result: dict[str, Any] = self._call("GET", "/api/concurrency-keys")
        return result

    def set_concurrency_key(self, key: str, *, max_running: int) -> dict[str, Any]:
        """Create or change a key's limit."""
        result: dict[str, Any] = self._call("PUT", f"/api/concurrency-keys/{key}", json={"max_running": max_running})
        return result

    def delete_concurrency_key(self, key: str) -> None:
        self._call("DELETE", f"/api/concurrency-keys/{key}")

    def list_model_prices(self) -> dict[str, Any]:
        """Prices per million tokens set for models litellm does not know (or to override it)."""
        result: dict[str, Any] = self._call("GET", "/api/model-prices")
        return result

    def set_model_price(self, model: str, *, input_per_million: float, output_per_million: float) -> dict[str, Any]:
        body = {"input_per_million": input_per_million, "output_per_million": output_per_million}
        result: dict[str, Any] = self._call("PUT", f"/api/model-prices/{model}", json=body)
        return result

    def delete_model_price(self, model: str) -> None:
        self._call("DELETE", f"/api/model-prices/{model}")

    # -- health ---------------------------------------------------------------------------------------
    def get_liveness(self) -> dict[str, str]:
        return cast(dict[str, str], self._call("GET", "/healthz"))

    def get_readiness(self) -> m.Readiness:
        """Readiness; a 503 (not ready) raises :class:`APIError` with the failing checks in ``details``."""
        return cast(m.Readiness, self._call("GET", "/readyz"))

    def get_metrics(self) -> str:
        """The Prometheus text exposition."""
        return self._send("GET", "/metrics", params=None, json=None).text

    # -- transport ------------------------------------------------------------------------------------
    def _call(self, method: str, path: str, *, params: dict[str, Any] | None = None, json: Any = None) -> Any:
        """Send one request; the decoded JSON body (None for 204), or a :class:`ClientError`."""
        query = {k: v for k, v in (params or {}).items() if v is not None} or None
        response = self._send(method, path, params=query, json=json)
        if response.status_code == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError as exc:
            raise ClientError(
                f"the server at {self.base_url} answered HTTP {response.status_code} with a body "
                "that is not JSON; is it a taskrunner server?"
            ) from exc

    def _send(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None,
        json: Any,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        try:
            response = self._http.request(method, path, params=params, json=json, content=content, headers=headers)
        except httpx.ConnectError as exc:
            raise ServerUnreachable(f"cannot reach the taskrunner server at {self.base_url}: {_reason(exc)}") from exc
        except httpx.TimeoutException as exc:
            raise ServerUnreachable(
                f"the taskrunner server at {self.base_url} did not answer in time ({type(exc).__name__})"
            ) from exc
        except httpx.TransportError as exc:
            raise ServerUnreachable(f"cannot talk to the taskrunner server at {self.base_url}: {exc}") from exc
        if response.is_error:
            raise _api_error(response)
        return response


async def _server_sent(lines: AsyncIterator[str]) -> AsyncIterator[m.RunEvent]:
    """The named events of a server-sent event stream, their data decoded as JSON (comments skipped)."""
    name, data = "message", list[str]()
    async for line in lines:
        if not line:
            if data and name in ("status", "step", "end"):
                yield {"event": name, "data": json.loads("\n".join(data))}  # type: ignore[typeddict-item]
            name, data = "message", list[str]()
        elif line.startswith("event:"):
            name = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].removeprefix(" "))


def _segment(ref: int | str) -> str:
    """A template id or name as one path segment."""
    return quote(str(ref), safe="")


def _api_error(response: httpx.Response) -> APIError:
    request_id = response.headers.get("X-Request-ID")
    try:
        body = response.json()
    except ValueError:
        body = None
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        details = error.get("details")
        return APIError(
            response.status_code,
            str(error.get("code", "error")),
            str(error.get("message", "")),
            details=details if isinstance(details, dict) else None,
            request_id=request_id,
        )
    return APIError(response.status_code, "http_error", f"HTTP {response.status_code}", request_id=request_id)


def _reason(exc: httpx.ConnectError) -> str:
    text = str(exc).lower()
    if "refused" in text or "errno 111" in text or "errno 61" in text:
        return "connection refused"
    if "name or service not known" in text or "nodename nor servname" in text:
        return "unknown host"
    return str(exc) or type(exc).__name__
