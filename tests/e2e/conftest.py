"""End-to-end fixtures: a fresh PostgreSQL database per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support import database


@pytest.fixture
def pg_url() -> Iterator[str]:
    if "postgresql" not in database.selected_backends():
        pytest.skip("PostgreSQL not selected (TEST_DATABASES)")
    url = database.create_postgres_database()
    yield url
    database.drop_postgres_database(url)
