"""A live taskrunner server on a free loopback port, and the CLI invoked against it."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import structlog
import uvicorn
from typer.testing import CliRunner, Result

import app.db.chat_models  # noqa: F401  (its tables are wiped between tests)
from app.api.app import create_app
from app.cli.main import app as cli_app
from app.clock import ManualClock
from app.config import Settings
from app.db.repositories import FireRow
from app.services.notifier import NullListener
from tests.chat.scripted_llm import Script
from tests.scheduler.conftest import START
from tests.support import records


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Live:
    url: str
    db_url: str
    clock: ManualClock


@pytest.fixture
def script() -> Script:
    return Script()


@pytest.fixture
def live(db_url: str, script: Script) -> Iterator[Live]:
    """A uvicorn server in a background thread, serving the real app on the test database."""
    clock = ManualClock(START)
    settings = Settings(database_url=db_url, scheduler_enabled=False)
    app = create_app(settings, clock=clock, listener=NullListener(), llm=script)
    if not any(getattr(r, "path", "") == "/api/chat" for r in app.routes):
        from app.api.routes import chat

        app.include_router(chat.router)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False, lifespan="on")
    )
    thread = threading.Thread(target=server.run, name="live-taskrunner", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        # The server shares this process's stdout with the CLI under test: keep its logs out of it.
        with structlog.testing.capture_logs():
            yield Live(url=f"http://127.0.0.1:{port}", db_url=db_url, clock=clock)
    finally:
        server.should_exit = True
        thread.join(timeout=20)


@dataclass
class Cli:
    """Runs ``taskrunner ...`` in-process against ``url`` with a private state directory."""

    url: str
    state_dir: Path

    def __call__(self, *args: str, url: bool = True, input: str | None = None) -> Result:
        runner = CliRunner(env={"TASKRUNNER_STATE_DIR": str(self.state_dir), "COLUMNS": "200"})
        argv = [*args, "--url", self.url] if url else list(args)
        return runner.invoke(cli_app, argv, input=input)


@pytest.fixture
def cli(live: Live, tmp_path: Path) -> Cli:
    return Cli(url=live.url, state_dir=tmp_path / "state")


def insert_runs(db_url: str, rows: list[tuple[FireRow, dict[str, Any]]]) -> list[int]:
    """Insert execution records (each a fire plus the fields a finished run would have)."""
    return asyncio.run(records.insert_runs(db_url, rows, now=START))
