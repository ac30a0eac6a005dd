"""A live taskrunner server on a free loopback port, and the CLI invoked against it."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
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
from tests.support.live_server import serve_in_thread


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
    with serve_in_thread(app) as url:
        yield Live(url=url, db_url=db_url, clock=clock)


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
