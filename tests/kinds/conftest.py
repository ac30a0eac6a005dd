"""Fixtures for task kinds: a loopback web site for http tasks, an installed package of functions."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.api.conftest import client, frozen  # noqa: F401
from tests.cli.conftest import cli, live, script  # noqa: F401
from tests.support.functions import installed_functions
from tests.support.live_server import serve_handler

START = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


class Site(BaseHTTPRequestHandler):
    """``/ok``, ``/status?code=N``, ``/echo`` (method, headers, body as JSON), ``/big``, ``/slow``."""

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _answer(self) -> None:
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        length = int(self.headers.get("Content-Length") or 0)
        sent = self.rfile.read(length).decode() if length else ""
        status, body = 200, b"all good"
        if parts.path == "/status":
            status = int(query["code"][0])
            body = f"status {status}".encode()
        elif parts.path == "/echo":
            body = json.dumps({"method": self.command, "headers": dict(self.headers), "body": sent}).encode()
        elif parts.path == "/big":
            body = b"y" * 100_000
        elif parts.path == "/slow":
            time.sleep(3)
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _answer


@dataclass
class Web:
    port: int

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


@pytest.fixture
def web() -> Iterator[Web]:
    with serve_handler(Site) as port:
        yield Web(port=port)


@pytest.fixture
def functions(tmp_path: Path) -> Iterator[str]:
    """A package registering the test functions (``echo``, ``greet``, ``boom``...); yields its module name."""
    with installed_functions(tmp_path) as module:
        yield module
