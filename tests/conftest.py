"""Shared fixtures: every database test runs on SQLite and on the real PostgreSQL."""

from __future__ import annotations

import os
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.support import database

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")


@pytest.fixture(scope="session", params=database.selected_backends())
def migrated_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database migrated once per session and backend."""
    with database.fresh(request.param, tmp_path_factory.mktemp("db")) as url:
        database.migrate(url)
        yield url


@pytest.fixture(params=database.selected_backends())
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A new, empty (unmigrated) database for one test, on each backend."""
    with database.fresh(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def db_url(migrated_url: str) -> str:
    """The session's database, emptied before each test."""
    database.wipe(migrated_url)
    return migrated_url


@pytest.fixture(autouse=True)
async def _close_litellm_clients() -> AsyncIterator[None]:
    """litellm caches HTTP sessions per event loop; close them before the test's loop goes away."""
    yield
    litellm = sys.modules.get("litellm")
    if litellm is not None:
        await litellm.close_litellm_async_clients()
        litellm.in_memory_llm_clients_cache.flush_cache()
