"""The dashboard through the real app (lifespan included) on the test database, as a browser would use it."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import time_machine

from app.api.app import create_app
from app.config import Settings
from app.services.notifier import NullListener

START = datetime(2026, 11, 23, 8, 0, 0, tzinfo=UTC)
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(html: str) -> str:
    """The CSRF token a page put in its forms."""
    match = _CSRF.search(html)
    assert match, "the page has no form token"
    return match.group(1)


@pytest.fixture
def frozen() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(START, tick=False) as t:
        yield t


def web_settings(db_url: str, **extra: object) -> Settings:
    return Settings(database_url=db_url, scheduler_enabled=False, session_secret="x" * 32, **extra)  # type: ignore[arg-type]


@pytest.fixture
async def web(db_url: str, frozen: time_machine.Traveller) -> AsyncIterator[httpx.AsyncClient]:
    """A cookie-keeping client on an app without API keys."""
    app = create_app(web_settings(db_url), listener=NullListener())
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as c:
            yield c


async def form_token(client: httpx.AsyncClient, path: str = "/ui/tasks") -> str:
    page = await client.get(path)
    assert page.status_code == 200, page.text
    return csrf_of(page.text)


async def create_task(client: httpx.AsyncClient, **body: object) -> dict[str, Any]:
    payload: dict[str, object] = {
        "name": "digest",
        "instructions": "Summarise the news.",
        "schedule": {"kind": "cron", "cron": "0 9 * * *", "timezone": "Europe/Berlin"},
    }
    payload.update(body)
    response = await client.post("/api/tasks", json=payload)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data
