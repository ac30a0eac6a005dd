"""Run conditions without a database: the checked shape, the judgement table, the guarded request."""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest
from pydantic import ValidationError

from app.netguard import NetGuard
from app.runner.conditions import (
    Answer,
    ConditionChecker,
    ConditionSpec,
    PreviousCheck,
    judge,
    literal_refusal,
    shown,
)
from app.runner.fetch import HttpLimits
from app.vocabulary import ConditionKind, ConditionOutcome
from tests.support.live_server import serve_handler

URL = "https://example.com/feed"
H1 = hashlib.sha256(b"one").hexdigest()
P7 = PreviousCheck(execution_id=7, content_hash=H1)
CHANGED = {"url_changed": URL}
OK = {"http_ok": URL}


def test_the_spec_is_exactly_one_http_url_and_dumps_only_its_key() -> None:
    spec = ConditionSpec.model_validate({"url_changed": f"  {URL}  "})
    assert spec.kind == ConditionKind.URL_CHANGED and spec.url == URL
    assert spec.model_dump(mode="json") == {"url_changed": URL}
    assert ConditionSpec(http_ok=URL).model_dump() == {"http_ok": URL}
    for bad in ({}, {"url_changed": URL, "http_ok": URL}, {"http_ok": "gopher://x"}, {"http_ok": "/relative"}):
        with pytest.raises(ValidationError):
            ConditionSpec.model_validate(bad)


@pytest.mark.parametrize(
    ("spec", "answer", "previous", "outcome", "text", "stores_hash"),
    [
        (CHANGED, Answer(status=200, data=b"one"), None, "met", f"content at {URL} checked for the first time", True),
        (CHANGED, Answer(status=200, data=b"one"), P7, "not_met", f"content at {URL} unchanged since run 7", True),
        (CHANGED, Answer(status=204, data=b"two"), P7, "met", f"content at {URL} changed since run 7", True),
        (CHANGED, Answer(status=404, data=b"one"), P7, "error", f"{URL} answered 404, content not compared", False),
        (
            CHANGED,
            Answer(failure="unreachable: connection refused"),
            None,
            "error",
            f"{URL} unreachable: connection refused",
            False,
        ),
        (OK, Answer(status=200), None, "met", f"{URL} answered 200", False),
        (OK, Answer(status=299), None, "met", f"{URL} answered 299", False),
        (OK, Answer(status=301), None, "not_met", f"{URL} answered 301", False),
        (OK, Answer(status=503), None, "not_met", f"{URL} answered 503", False),
        (OK, Answer(failure="unreachable: timed out"), None, "error", f"{URL} unreachable: timed out", False),
    ],
)
def test_judge(
    spec: dict[str, str], answer: Answer, previous: PreviousCheck | None, outcome: str, text: str, stores_hash: bool
) -> None:
    result = judge(ConditionSpec.model_validate(spec), answer, previous)
    assert (result.outcome, result.text) == (ConditionOutcome(outcome), text)
    assert (result.content_hash is not None) == stores_hash
    prefix = {"met": "", "not_met": "condition not met: ", "error": "condition could not be checked: "}[outcome]
    assert result.skip_reason == (prefix + text if prefix else "")


def test_reasons_never_show_credentials() -> None:
    spec = ConditionSpec(http_ok="https://user:secret@example.com/up")
    assert "secret" not in judge(spec, Answer(status=503), None).text
    assert shown("https://user:secret@example.com/up") == "https://example.com/up"


@pytest.mark.parametrize(
    ("url", "allow", "refused"),
    [
        ("http://127.0.0.1/", (), "127.0.0.1 is a loopback address"),
        ("http://[fd00::1]/", (), "fd00::1 is a private address"),
        ("http://127.0.0.1/", ("127.0.0.0/8",), None),
        ("http://intranet.local/", (), None),  # names are checked when the condition runs
        ("https://93.184.216.34/", (), None),
    ],
)
async def test_literal_refusal(url: str, allow: tuple[str, ...], refused: str | None) -> None:
    why = await literal_refusal(url, NetGuard(allow=allow))
    assert (why is None) == (refused is None)
    if refused is not None:
        assert why is not None and why.startswith(refused)


async def _no_dns(host: str, port: int) -> list[str]:
    raise OSError(f"[Errno -2] Name or service not known: {host}")


class _Site(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/gzip":
            payload = gzip.compress(b"hello " * 1000)
            self.send_response(200)
            self.send_header("Content-Encoding", "gzip")
        elif self.path == "/to-metadata":
            payload = b""
            self.send_response(302)
            self.send_header("Location", "http://169.254.169.254/latest/meta-data/")
        else:
            payload = b"x" * 5000
            self.send_response(200)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: Any) -> None:
        return None


@pytest.fixture
def port() -> Iterator[int]:
    with serve_handler(_Site) as p:
        yield p


async def test_the_check_uses_the_http_tools_fetch(port: int) -> None:
    checker = ConditionChecker(HttpLimits(guard=NetGuard(allow=("127.0.0.1",)), max_body_bytes=1024))
    inflated = await checker.ask(f"http://127.0.0.1:{port}/gzip")
    assert inflated.status == 200 and inflated.data == (b"hello " * 1000)[:1024]  # decoded, cut at the limit
    redirected = await checker.ask(f"http://127.0.0.1:{port}/to-metadata")
    assert redirected.failure is not None
    assert redirected.failure.startswith("refused by the network guard: 169.254.169.254 is a cloud metadata address")
    unresolved = await ConditionChecker(HttpLimits(guard=NetGuard(resolver=_no_dns))).ask("http://feeds.example/")
    assert unresolved.failure is not None and unresolved.failure.startswith("unreachable: cannot resolve")
