"""Acceptance fixtures: the real app over HTTP, written from the docs (docs/triggers.md, docs/task-kinds.md).

``api``: the app through ``httpx.ASGITransport`` with API keys required, an injected
:class:`ManualClock` the test moves, and no scheduler (runs stay as recorded).
``live``: the app under uvicorn on a loopback port with its scheduler and runner
(in-process on SQLite, the procrastinate worker thread on PostgreSQL), the LLM
being the scripted OpenAI stub, so runs really run and chains really chain.
"""

from __future__ import annotations

import gc
import hashlib
import hmac
import json
import sys
import time
import warnings
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner, Result

import app.db.chat_models  # noqa: F401  (its tables are wiped between tests)
from app.api.app import create_app
from app.cli.main import app as cli_app
from app.clock import ManualClock
from app.config import Settings
from app.services.notifier import NullListener
from tests.support.live_server import serve_in_thread
from tests.support.openai_stub import OpenAIStub

KEY = "k-acceptance"
AUTH = {"Authorization": f"Bearer {KEY}"}
# A Monday morning in the past of the real clock: backfill windows before it are "the past".
START = datetime(2026, 11, 23, 8, 0, 0, tzinfo=UTC)
FAR = {"kind": "cron", "cron": "0 0 1 1 *", "timezone": "UTC"}  # fires once a year: "run only after others"


def assert_error(response: httpx.Response, status: int, code: str | None = None) -> dict[str, Any]:
    """The answer is ``status`` in the error envelope with a code and a human message."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json"), response.headers
    error = response.json()["error"]
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and len(error["message"]) > 5
    if code is not None:
        assert error["code"] == code, error
    return error  # type: ignore[no-any-return]


def assert_refused(response: httpx.Response) -> dict[str, Any]:
    """Any 4xx in the envelope (never a 5xx, never a success)."""
    assert 400 <= response.status_code < 500, (response.status_code, response.text)
    return assert_error(response, response.status_code)


def hmac_signature(secret: str, timestamp: str, body: bytes) -> str:
    """What a sender computes, per docs/triggers.md: hex HMAC-SHA256 of ``<timestamp>.<body>``."""
    return "sha256=" + hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signed_headers(secret: str, body: bytes, at: datetime | float) -> dict[str, str]:
    ts = str(int(at.timestamp() if isinstance(at, datetime) else at))
    return {
        "X-Taskrunner-Timestamp": ts,
        "X-Taskrunner-Signature": hmac_signature(secret, ts, body),
        "Content-Type": "application/json",
    }


def task_body(name: str, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"name": name, "instructions": f"Do {name}.", "schedule": FAR, "tools": []}
    body.update(extra)
    return body


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
async def api(db_url: str, clock: ManualClock) -> AsyncIterator[httpx.AsyncClient]:
    """The real app with keys required; the client sends the key (hook deliveries drop it)."""
    settings = Settings(database_url=db_url, scheduler_enabled=False, api_keys=KEY)
    application = create_app(settings, clock=clock, listener=NullListener())
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://test", headers=AUTH) as c:
            yield c


async def create_task(client: httpx.AsyncClient, name: str, **extra: Any) -> dict[str, Any]:
    response = await client.post("/api/tasks", json=task_body(name, **extra))
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


@pytest.fixture
def stub() -> Iterator[OpenAIStub]:
    with OpenAIStub() as s:
        yield s


@dataclass
class Live:
    url: str
    db_url: str
    stub: OpenAIStub

    def http(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers=AUTH, timeout=30)

    def wait_run(self, http: httpx.Client, execution_id: int, timeout: float = 30) -> dict[str, Any]:
        """Poll a run until it ends; its record."""
        deadline = time.monotonic() + timeout
        while True:
            run: dict[str, Any] = http.get(f"/api/executions/{execution_id}").json()
            if run["status"] not in ("queued", "running", "waiting"):
                return run
            if time.monotonic() > deadline:
                raise AssertionError(f"run {execution_id} still {run['status']} after {timeout}s")
            time.sleep(0.05)

    def wait_for(self, predicate: Callable[[], Any], timeout: float = 30, what: str = "it") -> Any:
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}")
            time.sleep(0.05)


def live_settings(db_url: str, stub: OpenAIStub, **extra: Any) -> Settings:
    return Settings(
        database_url=db_url,
        api_keys=KEY,
        llm_model="openai/test-model",
        llm_api_base=stub.api_base,
        llm_api_key="sk-test",
        http_tool_allow_hosts="127.0.0.1",
        worker_sweep_seconds=1.0,
        **extra,
    )


@pytest.fixture
def live(db_url: str, stub: OpenAIStub) -> Iterator[Live]:
    """The whole service on a loopback port: API, scheduler, runner, the stub as its LLM."""
    application = create_app(live_settings(db_url, stub))
    try:
        with serve_in_thread(application) as url:
            yield Live(url=url, db_url=db_url, stub=stub)
    finally:
        forget_dead_loop_clients()


def forget_dead_loop_clients() -> None:
    """litellm caches an HTTP client per event loop; those of the server's stopped threads are dropped here.

    Their loops are closed, so they cannot be closed any more; collecting them now keeps
    their ResourceWarnings out of the next test (the process would only notice at exit).
    """
    litellm = sys.modules.get("litellm")
    if litellm is not None:
        litellm.in_memory_llm_clients_cache.flush_cache()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()


@dataclass
class Cli:
    """``taskrunner ...`` in this process against ``url``, with the API key and a private state directory."""

    url: str
    state_dir: Path

    def __call__(self, *args: str, input: str | None = None) -> Result:
        runner = CliRunner(
            env={"TASKRUNNER_STATE_DIR": str(self.state_dir), "COLUMNS": "200", "TASKRUNNER_API_KEY": KEY}
        )
        return runner.invoke(cli_app, [*args, "--url", self.url], input=input)

    def json(self, *args: str) -> Any:
        result = self(*args, "--json")
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)


@pytest.fixture
def cli(live: Live, tmp_path: Path) -> Cli:
    return Cli(url=live.url, state_dir=tmp_path / "state")
