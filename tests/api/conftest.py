"""An API client over the real app (lifespan included) on the test database."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import time_machine

from app.api.app import create_app
from app.config import Settings
from app.services.notifier import NullListener
from tests.scheduler.conftest import START


@pytest.fixture
def frozen() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(START, tick=False) as t:
        yield t


@pytest.fixture
async def client(db_url: str, frozen: time_machine.Traveller) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(database_url=db_url, scheduler_enabled=False, max_request_bytes=64_000)
    app = create_app(settings, listener=NullListener())
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            yield c
