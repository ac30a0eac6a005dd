"""Fixtures for the operations features: the app with key auth, stored runs, local receivers."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from typing import Any, cast

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

import app.db.ops_models  # noqa: F401  (its tables are wiped between tests)
from app.api.app import create_app
from app.api.auth import ApiKeyAuth
from app.config import Settings
from app.db.engine import create_engine, create_sessionmaker
from app.db.models import Task
from app.db.repositories import ExecutionRepository, FireRow
from app.services.notifier import NullListener
from tests.support.live_server import serve_handler

START = datetime(2026, 11, 23, 8, 0, 0, tzinfo=UTC)


def with_ops(app: FastAPI, *, cache_ttl: float = 5.0, monotonic: Callable[[], float] | None = None) -> FastAPI:
    """The app with its key auth rebuilt so the test's cache TTL and clock apply."""
    app.user_middleware = [m for m in app.user_middleware if cast(object, m.cls) is not ApiKeyAuth]
    app.add_middleware(ApiKeyAuth, cache_ttl=cache_ttl, monotonic=monotonic or time.monotonic)
    return app


def ops_app(db_url: str, *, api_keys: str | None = None, **auth: Any) -> FastAPI:
    settings = Settings(database_url=db_url, scheduler_enabled=False, api_keys=api_keys)
    return with_ops(create_app(settings, listener=NullListener()), **auth)


ClientFactory = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
def api(db_url: str) -> ClientFactory:
    """``async with api(api_keys=..., cache_ttl=..., monotonic=...) as client``: the real app, lifespan run."""

    @asynccontextmanager
    async def open_client(**options: Any) -> AsyncIterator[httpx.AsyncClient]:
        app = ops_app(db_url, **options)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
                yield client

    return open_client


@pytest.fixture
async def sessions(db_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(db_url)
    yield create_sessionmaker(engine)
    await engine.dispose()


async def add_task(sessions: async_sessionmaker[AsyncSession], name: str = "digest") -> int:
    async with sessions() as s:
        task = Task(
            name=name,
            instructions="summarise",
            schedule_kind="interval",
            every_seconds=3600,
            timezone="UTC",
            missed_run_policy="skip",
            tools=[],
            max_steps=5,
            timeout_seconds=60,
            max_retries=0,
            state="active",
            revision=1,
            created_at=START,
            updated_at=START,
        )
        s.add(task)
        await s.commit()
        return task.id


async def add_runs(
    sessions: async_sessionmaker[AsyncSession], task_id: int, rows: list[tuple[datetime, str]]
) -> list[int]:
    """Execution records of ``task_id`` at (scheduled time, status)."""
    async with sessions() as s:
        inserted = await ExecutionRepository(s).insert_fires(
            [FireRow(task_id=task_id, scheduled_for=at, trigger="schedule", status=st) for at, st in rows],
            now=START,
        )
        await s.commit()
    return [i for i, _, _ in inserted]


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """A real HTTP server on 127.0.0.1 answering POSTs with scripted status codes (then 200)."""

    url: str
    statuses: list[int] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            state.received.append(Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
            status = state.statuses.pop(0) if state.statuses else 200
            payload = b'{"ok": true}'
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    with serve_handler(Handler) as port:
        state.url = f"http://127.0.0.1:{port}/hooks/secret-token?x=1"
        yield state
