"""Migration 0003: upgrade, downgrade and upgrade again, with no drift from the models."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

import app.db.chat_models
import app.db.ops_models  # noqa: F401
from app.db.engine import sync_url
from app.db.migrate import downgrade, upgrade
from app.db.models import Base
from tests.support import database

OPS_TABLES = {"api_keys", "notification_deliveries"}


@pytest.fixture(params=database.selected_backends())
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "postgresql":
        url = database.create_postgres_database()
        yield url
        database.drop_postgres_database(url)
    else:
        yield database.create_sqlite_database(tmp_path)


def test_upgrade_downgrade_and_no_drift(fresh_url: str) -> None:
    upgrade(fresh_url)
    engine = create_engine(sync_url(fresh_url))
    try:
        with engine.connect() as conn:
            inspector = inspect(conn)
            assert set(inspector.get_table_names()) >= OPS_TABLES
            assert "notify" in {c["name"] for c in inspector.get_columns("tasks")}
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
        downgrade(fresh_url, "0002")
        with engine.connect() as conn:
            inspector = inspect(conn)
            assert not OPS_TABLES & set(inspector.get_table_names())
            assert "notify" not in {c["name"] for c in inspector.get_columns("tasks")}
        upgrade(fresh_url)
        with engine.connect() as conn:
            assert set(inspect(conn).get_table_names()) >= OPS_TABLES
    finally:
        engine.dispose()
