"""Run conditions (docs/triggers.md, "Conditions") on a live server: unchanged, changed and unreachable,
with the stub LLM asked nothing on a skip; the reason through the API, the CLI, MCP and the chat."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from http.server import BaseHTTPRequestHandler
from typing import Any, ClassVar

import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from tests.acceptance.conftest import AUTH, Cli, Live, assert_error, signed_headers
from tests.support.live_server import serve_handler


class Feed(BaseHTTPRequestHandler):
    body: ClassVar[bytes] = b"<feed>v1</feed>"
    status: ClassVar[int] = 200

    def do_GET(self) -> None:
        self.send_response(self.status)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def feed() -> Iterator[str]:
    Feed.body, Feed.status = b"<feed>v1</feed>", 200
    with serve_handler(Feed) as port:
        yield f"http://127.0.0.1:{port}/feed.xml"


def event(live: Live, http: httpx.Client, hook: dict[str, Any], payload: dict[str, Any]) -> dict[str, Any]:
    """Deliver a signed event and wait for its run to end; the run."""
    body = json.dumps(payload).encode()
    response = httpx.post(
        live.url + hook["url"], content=body, headers=signed_headers(hook["secret"], body, time.time())
    )
    assert response.status_code == 202, response.text
    return live.wait_run(http, response.json()["execution_id"])


@asynccontextmanager
async def mcp_client(url: str) -> AsyncIterator[Client]:
    async with httpx2.AsyncClient(headers=AUTH, timeout=30) as http:
        async with Client(streamable_http_client(f"{url}/mcp", http_client=http)) as mcp:
            yield mcp


def tool_data(result: Any) -> dict[str, Any]:
    return json.loads(result.content[0].text)  # type: ignore[no-any-return]


async def test_unchanged_changed_and_unreachable(live: Live, feed: str, tmp_path: Any) -> None:
    with live.http() as http:
        created = http.post(
            "/api/tasks",
            json={
                "name": "release notes",
                "instructions": "Summarise what is new in the feed.",
                "schedule": {"kind": "cron", "cron": "0 0 1 1 *"},
                "tools": [],
                "condition": {"url_changed": feed},
            },
        )
        assert created.status_code == 201, created.text
        task = created.json()
        assert task["condition"] == {"url_changed": feed}
        hook = http.post(f"/api/tasks/{task['id']}/hook").json()

        live.stub.push_text("v1 is out")
        first = event(live, http, hook, {"n": 1})
        assert first["status"] == "succeeded" and "first time" in first["condition_result"]
        assert len(live.stub.requests) == 1

        unchanged = event(live, http, hook, {"n": 2})
        assert unchanged["status"] == "skipped"
        assert unchanged["reason"].startswith("condition not met")
        assert f"unchanged since run {first['id']}" in unchanged["reason"]
        assert len(live.stub.requests) == 1  # no LLM call for a skip
        assert unchanged["prompt_tokens"] in (None, 0) and unchanged["cost_usd"] in (None, 0)

        Feed.body = b"<feed>v2</feed>"
        live.stub.push_text("v2 is out")
        changed = event(live, http, hook, {"n": 3})
        assert changed["status"] == "succeeded"
        assert f"changed since run {unchanged['id']}" in changed["condition_result"]
        assert len(live.stub.requests) == 2

        Feed.status = 503
        errored = event(live, http, hook, {"n": 4})
        assert errored["status"] == "skipped" and errored["reason"].startswith("condition could not be checked")
        assert len(live.stub.requests) == 2

        # A manual run is on purpose: it runs without checking.
        live.stub.push_text("ran anyway")
        manual = live.wait_run(http, http.post(f"/api/tasks/{task['id']}/run").json()["id"])
        assert manual["status"] == "succeeded" and manual["condition_result"] is None

        # Every interface tells the reason. The CLI:
        cli = Cli(url=live.url, state_dir=tmp_path / "state")
        shown = cli("runs", "show", str(unchanged["id"]))
        assert shown.exit_code == 0, shown.output
        assert "condition not met" in shown.stdout and "event" in shown.stdout
        as_json = cli.json("runs", "show", str(unchanged["id"]))
        assert as_json["reason"] == unchanged["reason"] and as_json["trigger"] == "event"
        assert as_json["inputs"] == {"n": 2}

        # MCP: "why didn't it run?"
        async with mcp_client(live.url) as mcp:
            explained = tool_data(await mcp.call_tool("ExplainRun", {"task_id": task["id"]}))
            assert "condition not met" in json.dumps(explained)
            got = tool_data(await mcp.call_tool("GetRun", {"execution_id": unchanged["id"]}))
            assert "condition not met" in json.dumps(got) and "event" in json.dumps(got)

        # The chat: the model asks explain_task; what it is told says "condition not met".
        live.stub.push_tool_calls([("explain_task", {"task_id": task["id"]})])
        live.stub.push_text("It did not run because its condition was not met.")
        answer = http.post("/api/chat", json={"message": "Why didn't release notes run?"})
        assert answer.status_code == 200, answer.text
        told = json.dumps(live.stub.requests[-1]["messages"])
        assert "condition not met" in told

        metrics = http.get("/metrics").text
        assert 'taskrunner_condition_checks_total{kind="url_changed",outcome="not_met"}' in metrics


def test_unreachable_and_http_ok(live: Live) -> None:
    with serve_handler(Feed) as port:
        dead = f"http://127.0.0.1:{port}/gone"
    with live.http() as http:
        task = http.post(
            "/api/tasks",
            json={
                "name": "ping",
                "instructions": "x",
                "schedule": {"kind": "cron", "cron": "0 0 1 1 *"},
                "tools": [],
                "condition": {"http_ok": dead},
            },
        ).json()
        hook = http.post(f"/api/tasks/{task['id']}/hook").json()
        run = event(live, http, hook, {})
        assert run["status"] == "skipped"
        assert "condition could not be checked" in run["reason"] and "unreachable" in run["reason"]
        assert live.stub.requests == []


async def test_bad_conditions_are_refused_at_the_door(api: httpx.AsyncClient) -> None:
    base = {"name": "c", "instructions": "x", "schedule": {"kind": "cron", "cron": "0 0 1 1 *"}}
    bad: list[Any] = [
        {"url_changed": "file:///etc/passwd"},
        {"url_changed": "ftp://example.com/x"},
        {"url_changed": "http://[::1]:0/"},
        {"http_ok": "http://169.254.169.254/latest/meta-data"},
        {"http_ok": "http://10.0.0.1/"},
        {"url_changed": "http://example.com/" + "a" * 2001},
        {"url_changed": "not a url"},
        {"http_ok": "https://example.com:0/"},
        {"http_ok": "https://example.com:70000/"},
        {"url_changed": "https://example.com/a", "http_ok": "https://example.com/b"},
        {},
        {"other": "https://example.com"},
        {"url_changed": 5},
        {"url_changed": "https://exa\u0000mple.com/"},
        "https://example.com",
        ["https://example.com"],
    ]
    for condition in bad:
        response = await api.post("/api/tasks", json={**base, "condition": condition})
        assert 400 <= response.status_code < 500, (condition, response.text)
        assert_error(response, response.status_code)
    refused = await api.post("/api/tasks", json={**base, "condition": {"http_ok": "http://127.0.0.1:9/"}})
    assert assert_error(refused, 422)["code"] in ("condition_refused", "validation_error")
    assert (await api.get("/api/tasks")).json()["total"] == 0
    ok = await api.post("/api/tasks", json={**base, "condition": {"url_changed": "https://example.com/feed"}})
    assert ok.status_code == 201
    removed = await api.patch(f"/api/tasks/{ok.json()['id']}", json={"condition": None})
    assert removed.status_code == 200 and removed.json()["condition"] is None
