"""Migrations: head matches the models exactly; each step down removes what it added; up again works."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, create_engine, inspect

from app.db.engine import sync_url
from app.db.migrate import downgrade, include_name, upgrade
from app.db.models import Base
from tests.support import database

# (revision to go down to, tables that must then be gone, task columns that must then be gone)
STEPS_DOWN = [
    (
        "0003",
        {"workers", "procrastinate_jobs", "procrastinate_workers", "procrastinate_events"},
        {"retry_on_interrupt"},
    ),
    ("0002", {"api_keys", "notification_deliveries"}, {"notify"}),
    ("0001", {"chat_conversations", "chat_messages"}, set()),
    ("base", {"tasks", "executions", "execution_steps"}, set()),
]


@pytest.fixture(params=database.selected_backends())
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "postgresql":
        url = database.create_postgres_database()
        yield url
        database.drop_postgres_database(url)
    else:
        yield database.create_sqlite_database(tmp_path)


def assert_no_drift(engine: Engine) -> None:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "include_name": include_name})
        assert compare_metadata(context, Base.metadata) == []


def test_upgrade_downgrade_and_no_drift(fresh_url: str) -> None:
    upgrade(fresh_url)
    engine = create_engine(sync_url(fresh_url))
    try:
        assert_no_drift(engine)
        for revision, gone_tables, gone_columns in STEPS_DOWN:
            downgrade(fresh_url, revision)
            with engine.connect() as conn:
                inspector = inspect(conn)
                tables = set(inspector.get_table_names())
                assert not gone_tables & tables, revision
                if "tasks" in tables:
                    assert not gone_columns & {c["name"] for c in inspector.get_columns("tasks")}
        upgrade(fresh_url)
        assert_no_drift(engine)
    finally:
        engine.dispose()
