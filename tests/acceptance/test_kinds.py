"""Task kinds and templates (docs/task-kinds.md) on a live server: an http task against a loopback
site, a function task through a really installed entry point, and a template change reaching the next run."""

from __future__ import annotations

from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest

from app.api.app import create_app
from tests.acceptance.conftest import Live, assert_error, create_task, forget_dead_loop_clients, live_settings
from tests.support.functions import installed_functions
from tests.support.live_server import serve_handler
from tests.support.openai_stub import OpenAIStub

FAR = {"kind": "cron", "cron": "0 0 1 1 *", "timezone": "UTC"}


class Site(BaseHTTPRequestHandler):
    status: ClassVar[int] = 200
    body: ClassVar[bytes] = b"all good"
    seen: ClassVar[list[dict[str, str]]] = []

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self._answer()

    def _answer(self) -> None:
        self.seen.append(dict(self.headers))
        self.send_response(self.status)
        self.send_header("Content-Length", str(len(self.body)))
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def site() -> Iterator[str]:
    Site.status, Site.body, Site.seen = 200, b"all good", []
    with serve_handler(Site) as port:
        yield f"http://127.0.0.1:{port}/health"


def run_now(live: Live, http: httpx.Client, task_id: int, **body: Any) -> dict[str, Any]:
    started = http.post(f"/api/tasks/{task_id}/run", json=body or None)
    assert started.status_code == 202, started.text
    return live.wait_run(http, started.json()["id"])


def test_an_http_task_succeeds_fails_on_status_and_clips_the_body(live: Live, site: str) -> None:
    with live.http() as http:
        created = http.post(
            "/api/tasks",
            json={
                "name": "ping",
                "kind": "http",
                "schedule": FAR,
                "http": {"url": site, "headers": {"Authorization": "Bearer s3cret-token"}},
            },
        )
        assert created.status_code == 201, created.text
        task = created.json()
        assert task["http"]["headers"]["Authorization"] == "[REDACTED]"
        ok = run_now(live, http, task["id"])
        assert ok["status"] == "succeeded", ok
        assert ok["output"].startswith(f"HTTP 200 OK from GET {site}") and "all good" in ok["output"]
        assert ok["model"] is None and ok["prompt_tokens"] is None and ok["cost_usd"] is None
        steps = http.get(f"/api/executions/{ok['id']}").json()["steps"]
        assert [s["kind"] for s in steps] == ["http"]
        assert "s3cret-token" not in http.get(f"/api/executions/{ok['id']}").text
        assert Site.seen[-1]["Authorization"] == "Bearer s3cret-token"  # the stored secret was sent

        Site.status = 503
        failed = run_now(live, http, task["id"])
        assert failed["status"] == "failed" and "503" in (failed["error"] or "") + (failed["reason"] or "")

        Site.status = 200
        expecting = http.patch(f"/api/tasks/{task['id']}", json={"http": {"url": site, "expected_status": 201}})
        assert expecting.status_code == 200, expecting.text
        mismatch = run_now(live, http, task["id"])
        assert mismatch["status"] == "failed"
        assert "201" in (mismatch["error"] or "") + (mismatch["reason"] or "")

        http.patch(f"/api/tasks/{task['id']}", json={"http": {"url": site}})
        Site.body = b"x" * (600 * 1024)
        big = run_now(live, http, task["id"])
        assert big["status"] == "succeeded", big
        assert len(big["output"].encode()) <= 256 * 1024 + 1024
    assert live.stub.requests == []  # no model was asked


def test_a_function_task_through_a_real_entry_point(db_url: str, stub: OpenAIStub, tmp_path: Path) -> None:
    from tests.support.live_server import serve_in_thread

    with installed_functions(tmp_path):
        try:
            with serve_in_thread(create_app(live_settings(db_url, stub))) as url:
                live = Live(url=url, db_url=db_url, stub=stub)
                with live.http() as http:
                    listed = http.get("/api/functions").json()
                    names = {f["name"] for f in listed["items"]}
                    assert {"echo", "boom"} <= names
                    task = http.post(
                        "/api/tasks", json={"name": "nightly", "kind": "function", "function": "echo", "schedule": FAR}
                    ).json()
                    run = run_now(live, http, task["id"], inputs={"region": "eu"})
                    assert run["status"] == "succeeded", run
                    assert '"region": "eu"' in run["output"] or '"region":"eu"' in run["output"]
                    assert run["model"] is None and run["cost_usd"] is None
                    boom = http.post(
                        "/api/tasks", json={"name": "boom", "kind": "function", "function": "boom", "schedule": FAR}
                    ).json()
                    failed = run_now(live, http, boom["id"])
                    assert failed["status"] == "failed" and "ValueError: the data is bad" in (failed["error"] or "")
                    unknown = http.post(
                        "/api/tasks", json={"name": "x", "kind": "function", "function": "nobody", "schedule": FAR}
                    )
                    assert "echo" in assert_error(unknown, 422, "unknown_function")["message"]
        finally:
            forget_dead_loop_clients()
    assert stub.requests == []


def test_a_template_change_reaches_the_next_run(live: Live) -> None:
    with live.http() as http:
        template = http.post(
            "/api/templates",
            json={"name": "status-digest", "instructions": "Check {{url}} for the {{team}} team."},
        )
        assert template.status_code == 201, template.text
        task = http.post(
            "/api/tasks",
            json={
                "name": "ops digest",
                "template": "status-digest",
                "params": {"url": "https://status.example.com", "team": "ops"},
                "schedule": FAR,
                "tools": [],
            },
        )
        assert task.status_code == 201, task.text
        live.stub.push_text("first")
        first = run_now(live, http, task.json()["id"])
        changed = http.patch("/api/templates/status-digest", json={"instructions": "Look at {{url}}; {{team}} only."})
        assert changed.status_code == 200, changed.text
        live.stub.push_text("second")
        second = run_now(live, http, task.json()["id"])
        assert (first["status"], second["status"]) == ("succeeded", "succeeded")
        assert first["instructions"] == "Check https://status.example.com for the ops team."
        assert second["instructions"] == "Look at https://status.example.com; ops only."
        assert http.get(f"/api/executions/{first['id']}").json()["instructions"] == first["instructions"]
        prompts = [str(r["messages"]) for r in live.stub.requests]
        assert "Check https://status.example.com" in prompts[0] and "Look at https://status.example.com" in prompts[1]
        # A new placeholder without values is refused, naming the task.
        refused = http.patch("/api/templates/status-digest", json={"instructions": "{{url}} {{team}} {{region}}"})
        assert "ops digest" in assert_error(refused, 422, "missing_params")["message"]


async def test_hostile_kind_fields_are_4xx(api: httpx.AsyncClient) -> None:
    base: dict[str, Any] = {"name": "h", "kind": "http", "schedule": FAR}
    bad_http: list[Any] = [
        {"url": "file:///etc/passwd"},
        {"url": "http://[::1]:0/"},
        {"url": "http://169.254.169.254/latest/meta-data"},
        {"url": "gopher://example.com/"},
        {"url": "http://example.com:99999/"},
        {"url": "http://example.com:0/"},
        {"url": ""},
        {"url": "https://example.com", "method": "BREW"},
        {"url": "https://example.com", "expected_status": 10**20},
        {"url": "https://example.com", "expected_status": True},
        {"url": "https://example.com", "headers": {"X-\u00e9": "v"}},
        {"url": "https://example.com", "headers": {"X-A": "line\r\nInjected: 1"}},
        {"url": "https://example.com", "headers": {"X-A": "nul\u0000"}},
        {"url": "https://example.com", "headers": ["X-A"]},
        {"url": "https://exa\u0000mple.com"},
        "https://example.com",
    ]
    for spec in bad_http:
        response = await api.post("/api/tasks", json={**base, "http": spec})
        assert 400 <= response.status_code < 500, (spec, response.text)
        assert_error(response, response.status_code)
    assert_error(
        await api.post("/api/tasks", json={**base, "http": {"url": "https://e.com"}, "instructions": "x"}), 422
    )
    # A literal address the network guard refuses would fail every run: refused at the door, as a condition's is.
    for url in ("http://127.0.0.1:8080/health", "http://[::1]:8080/", "http://10.1.2.3/"):
        refused = assert_error(await api.post("/api/tasks", json={**base, "http": {"url": url}}), 422, "url_refused")
        assert "refused" in refused["message"]
    assert_error(
        await api.post("/api/tasks", json={"name": "f", "kind": "function", "function": "x", "schedule": FAR}), 422
    )
    assert_error(await api.post("/api/tasks", json={"name": "k", "kind": "robot", "schedule": FAR}), 422)
    template = await api.post("/api/templates", json={"name": "t", "instructions": "Hi {{who}}."})
    assert template.status_code == 201, template.text
    for params in (
        {},
        {"who": "a", "extra": "b"},
        {"who": "line\nbreak"},
        {"who": "{{x}}"},
        {"who": "x" * 501},
        {"who": 5},
    ):
        response = await api.post("/api/tasks", json={"name": "p", "template": "t", "params": params, "schedule": FAR})
        assert 400 <= response.status_code < 500, (params, response.text)
    assert_error(
        await api.post("/api/tasks", json={"name": "p", "template": "nope", "params": {}, "schedule": FAR}),
        422,
        "unknown_template",
    )
    assert (await api.get("/api/tasks")).json()["total"] == 0
    task = await create_task(api, "agent")
    in_use = await api.post(
        "/api/tasks", json={"name": "u", "template": "t", "params": {"who": "ops"}, "schedule": FAR}
    )
    assert in_use.status_code == 201
    assert_error(await api.delete("/api/templates/t"), 409, "template_in_use")
    assert task["kind"] == "agent"
