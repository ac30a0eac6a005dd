"""Webhook deliveries stay bounded whatever the receiver answers, and never carry a secret out."""

from __future__ import annotations

import json
import tracemalloc
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest

from app.clock import ManualClock
from app.notify import Notifier, NotifySpec
from tests.ops.conftest import START
from tests.ops.test_notify import Sleeps, event
from tests.support.live_server import serve_handler

HUGE = 200 * 1024 * 1024  # what the receiver offers to send
CHUNK = b"z" * (1024 * 1024)


@dataclass
class Flood:
    url: str = ""
    sent: int = 0
    bodies: list[bytes] = field(default_factory=list)


@pytest.fixture
def flood() -> Iterator[Flood]:
    state = Flood()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            state.bodies.append(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(HUGE))
            self.end_headers()
            try:
                while state.sent < HUGE:
                    self.wfile.write(CHUNK)
                    state.sent += len(CHUNK)
            except OSError:
                pass  # the client hung up: what we want

        def log_message(self, format: str, *args: Any) -> None:
            pass

    with serve_handler(Handler) as port:
        state.url = f"http://127.0.0.1:{port}/hook"
        yield state


async def test_a_huge_webhook_answer_is_not_read(flood: Flood) -> None:
    notifier = Notifier(clock=ManualClock(START), sleep=Sleeps(), max_response_bytes=64 * 1024)
    tracemalloc.start()
    try:
        attempts = await notifier.deliver(event(NotifySpec(webhook_url=flood.url)))
        _size, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [(a.ok, a.status_code) for a in attempts] == [(True, 200)]
    assert peak < 16 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB"
    assert flood.sent < 64 * 1024 * 1024  # the receiver was cut off long before its 200 MB


async def test_webhook_excerpts_and_errors_carry_no_configured_secret(flood: Flood) -> None:
    key, password = "sk-llm-0123456789abcdef", "smtp-pass-42"
    notifier = Notifier(clock=ManualClock(START), sleep=Sleeps(), secrets=(key, password))
    run = event(NotifySpec(webhook_url=flood.url), output=f"the key is {key} and the password {password}")
    run = type(run)(**{**run.__dict__, "error": f"auth failed with {key}"})

    await notifier.deliver(run)

    sent = json.loads(flood.bodies[0])
    assert sent["output_excerpt"] == "the key is [REDACTED] and the password [REDACTED]"
    assert sent["execution"]["error"] == "auth failed with [REDACTED]"
    assert key.encode() not in flood.bodies[0] and password.encode() not in flood.bodies[0]
