"""Task kinds through the API: create, read, change, validation, registered functions (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

import httpx
import structlog

from app.redact import REDACTED
from tests.api.test_tasks_api import assert_error

EVERY_HOUR = {"kind": "interval", "every_seconds": 3600, "timezone": "UTC"}
PING = {"method": "post", "url": "https://status.example.com/ping", "headers": {"Authorization": "Bearer abcdefgh1234"}}


async def create(client: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    body.setdefault("name", "t")
    body.setdefault("schedule", EVERY_HOUR)
    response = await client.post("/api/tasks", json=body)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def test_tasks_are_agent_tasks_by_default(client: httpx.AsyncClient) -> None:
    task = await create(client, instructions="summarise")
    assert task["kind"] == "agent" and task["http"] is None and task["function"] is None
    assert task["template_id"] is None and task["params"] is None


async def test_http_task_is_stored_and_shown_without_its_secrets(client: httpx.AsyncClient) -> None:
    task = await create(client, kind="http", http={**PING, "body": "  {} ", "expected_status": 202})
    assert task["kind"] == "http" and task["instructions"] == "" and task["tools"] == []
    assert task["http"] == {
        "method": "POST",
        "url": "https://status.example.com/ping",
        "headers": {"Authorization": REDACTED},
        "body": "  {} ",
        "expected_status": 202,
    }
    assert "abcdefgh1234" not in (await client.get(f"/api/tasks/{task['id']}")).text
    # Writing the shown request back keeps the secret; only the URL changes.
    shown = {**task["http"], "url": "https://status.example.com/v2/ping"}
    with structlog.testing.capture_logs() as logs:
        changed = (await client.patch(f"/api/tasks/{task['id']}", json={"http": shown})).json()
    assert any(e["event"] == "audit.task_updated" for e in logs) and "abcdefgh1234" not in repr(logs)
    assert changed["http"]["url"].endswith("/v2/ping") and changed["http"]["headers"] == {"Authorization": REDACTED}
    exported = (await client.get("/api/tasks/export")).json()["tasks"][0]
    assert exported["kind"] == "http" and exported["http"]["headers"] == {"Authorization": REDACTED}


async def test_a_redacted_header_needs_a_stored_value(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/tasks",
        json={
            "name": "t",
            "schedule": EVERY_HOUR,
            "kind": "http",
            "http": {**PING, "headers": {"X-Api-Key": REDACTED}},
        },
    )
    error = assert_error(response, 422, "validation_error")
    assert error["details"] == {"header": "X-Api-Key"}


async def test_kind_fields_are_required_and_not_mixed(client: httpx.AsyncClient) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"kind": "http"}, "an http task needs `http`"),
        ({"kind": "function"}, "a function task needs `function`"),
        ({"kind": "http", "http": PING, "instructions": "x"}, "`instructions` cannot be given for a task of kind http"),
        ({"kind": "http", "http": PING, "tools": ["current_time"]}, "`tools` cannot be given"),
        ({"instructions": "x", "http": PING}, "`http` cannot be given for a task of kind agent"),
        ({"kind": "function", "function": "x", "http": PING}, "`http` cannot be given for a task of kind function"),
        ({"kind": "http", "http": {"url": "ftp://example.com/x"}}, "http:// or https://"),
        ({"kind": "http", "http": {"url": "https://example.com", "headers": {"Host": "x"}}}, "set by the request"),
        ({"kind": "http", "http": {"url": "https://example.com", "expected_status": True}}, "expected_status"),
        ({"kind": "robot", "instructions": "x"}, "kind"),
        ({}, "missing instructions"),
    ]
    for body, message in cases:
        response = await client.post("/api/tasks", json={"name": "t", "schedule": EVERY_HOUR, **body})
        error = assert_error(response, 422, "validation_error")
        assert message in error["message"], (body, error["message"])


async def test_unknown_function_lists_the_registered_ones(client: httpx.AsyncClient, functions: str) -> None:
    response = await client.post(
        "/api/tasks", json={"name": "f", "schedule": EVERY_HOUR, "kind": "function", "function": "nope"}
    )
    error = assert_error(response, 422, "unknown_function")
    assert error["details"]["function"] == "nope"
    assert {"echo", "greet", "boom"} <= set(error["details"]["known"])
    task = await create(client, kind="function", function="echo")
    assert task["kind"] == "function" and task["function"] == "echo" and task["tools"] == []


async def test_functions_are_listed(client: httpx.AsyncClient, functions: str) -> None:
    listed = (await client.get("/api/functions")).json()
    by_name = {f["name"]: f for f in listed["items"]}
    assert listed["total"] == len(listed["items"])
    assert by_name["echo"] == {
        "name": "echo",
        "target": f"{functions}:echo",
        "summary": "Answer the call's task, window and inputs as JSON.",
        "problem": None,
    }
    assert by_name["greet"]["summary"] == "Say hello, asynchronously."


async def test_changing_the_kind_replaces_the_old_kinds_fields(client: httpx.AsyncClient, functions: str) -> None:
    task = await create(client, instructions="summarise", tools=["current_time"])
    url = f"/api/tasks/{task['id']}"
    assert_error(await client.patch(url, json={"kind": "http"}), 422, "validation_error")
    assert_error(await client.patch(url, json={"http": PING}), 422, "validation_error")  # still an agent task
    http = (await client.patch(url, json={"kind": "http", "http": PING})).json()
    assert http["kind"] == "http" and http["instructions"] == "" and http["tools"] == []
    assert_error(await client.patch(url, json={"kind": "function", "function": "nope"}), 422, "unknown_function")
    function = (await client.patch(url, json={"kind": "function", "function": "greet"})).json()
    assert function["kind"] == "function" and function["http"] is None and function["function"] == "greet"
    assert_error(await client.patch(url, json={"kind": "agent"}), 422, "validation_error")
    agent = (await client.patch(url, json={"kind": "agent", "instructions": "again"})).json()
    assert agent["kind"] == "agent" and agent["function"] is None and agent["instructions"] == "again"
    assert_error(await client.patch(url, json={"kind": None}), 422, "validation_error")
