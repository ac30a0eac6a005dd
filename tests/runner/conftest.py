"""Runner fixtures: the OpenAI stub, a litellm client pointed at it, a local web site, requests."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from app.clock import ManualClock
from app.config import Settings
from app.llm.litellm_client import LiteLLMClient
from app.netguard import NetGuard
from app.runner.agent import AgentConfig, AgentRunner
from app.runner.base import RunRequest
from app.runner.tools import HttpToolConfig
from tests.support.live_server import serve_handler
from tests.support.openai_stub import OpenAIStub, openai_stub

__all__ = ["openai_stub"]

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # a Monday
MODEL = "openai/gpt-4o-mini"


def make_request(**changes: Any) -> RunRequest:
    base = RunRequest(
        execution_id=7,
        task_id=3,
        task_name="status digest",
        instructions="Check the status page and summarise incidents.",
        timezone="Europe/Berlin",
        model=None,
        tools=("http_request", "current_time", "previous_runs"),
        max_steps=8,
        timeout_seconds=30,
        max_retries=2,
        trigger="schedule",
        scheduled_for=START,
        window_start=datetime(2026, 3, 1, 8, 0, tzinfo=UTC),
        window_end=START,
        recent_outputs=({"status": "succeeded", "scheduled_for": "2026-03-01T08:00:00+00:00", "output": "All good."},),
    )
    return replace(base, **changes)


@dataclass
class Sleeps:
    """An injected ``sleep`` that records delays instead of waiting."""

    delays: list[float] = field(default_factory=list)

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def settings(openai_stub: OpenAIStub) -> Settings:
    return Settings(llm_model=MODEL, llm_api_base=openai_stub.api_base, llm_api_key="sk-test")


@pytest.fixture
async def llm(settings: Settings) -> AsyncIterator[LiteLLMClient]:
    client = LiteLLMClient(settings)
    yield client
    await client.aclose()


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


MakeRunner = Callable[..., AgentRunner]


@pytest.fixture
def make_runner(llm: LiteLLMClient, clock: ManualClock, sleeps: Sleeps, settings: Settings) -> MakeRunner:
    def make(*, allow: tuple[str, ...] = (), resolver: Any = None, **kwargs: Any) -> AgentRunner:
        base = AgentConfig.from_settings(settings)
        guard = NetGuard(allow=allow, resolver=resolver) if resolver else NetGuard(allow=allow)
        config = replace(base, http=HttpToolConfig(guard=guard), **kwargs.pop("config", {}))
        return AgentRunner(llm, clock=clock, config=config, sleep=sleeps, random=lambda: 0.5, **kwargs)

    return make


# -- a local web site for the http_request tool -------------------------------------


class _Site(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
        pass

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        if parts.path == "/redirect":
            self.send_response(int(query.get("status", ["302"])[0]))
            self.send_header("Location", query["to"][0])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if parts.path == "/big":
            body = b"x" * 1_000_000
        elif parts.path == "/echo":
            body = json.dumps({"method": self.command, "headers": dict(self.headers), "path": self.path}).encode()
        else:
            body = b"hello from the test site"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Set-Cookie", "session=abc123secret")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET


@dataclass
class Web:
    port: int

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"


@pytest.fixture
def web() -> Iterator[Web]:
    with serve_handler(_Site) as port:
        yield Web(port=port)
