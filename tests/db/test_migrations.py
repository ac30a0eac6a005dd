"""Migrations: upgrade to head with no drift from the models, down to nothing, and up again."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from app.db.engine import sync_url
from app.db.migrate import downgrade, upgrade
from app.db.models import Base
from tests.support import database


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
            assert {"chat_conversations", "chat_messages"} <= set(inspect(conn).get_table_names())
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
        downgrade(fresh_url, "0001")
        with engine.connect() as conn:
            assert not {"chat_conversations", "chat_messages"} & set(inspect(conn).get_table_names())
        downgrade(fresh_url, "base")
        with engine.connect() as conn:
            assert set(inspect(conn).get_table_names()) <= {"alembic_version"}
        upgrade(fresh_url)
        with engine.connect() as conn:
            assert {"tasks", "executions", "execution_steps", "chat_messages"} <= set(inspect(conn).get_table_names())
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()
