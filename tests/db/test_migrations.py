"""Migrations: head matches the models exactly; each step down removes what it added; up again works."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, create_engine, inspect

from app.db.engine import sync_url
from app.db.migrate import downgrade, include_name, upgrade
from app.db.models import Base
from tests.support import database

# (revision to go down to, tables that must then be gone, task columns that must then be gone)
STEPS_DOWN = [
    ("0008", {"task_templates"}, {"kind", "http", "function", "template_id", "params"}),
    ("0009", {"task_dependencies"}, {"after"}),
    ("0012", set(), {"condition"}),
    ("0007", set(), set()),
    (
        "0006",
        {"workers", "procrastinate_jobs", "procrastinate_workers", "procrastinate_events"},
        {"retry_on_interrupt"},
    ),
    ("0003", {"task_tombstones"}, set()),
    ("0002", {"api_keys", "notification_deliveries"}, {"notify"}),
    ("0001", {"chat_conversations", "chat_messages"}, set()),
    ("base", {"tasks", "executions", "execution_steps"}, set()),
]


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


def _autoincrement_tables(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'table'").all()
    return {name for name, sql in rows if sql and "AUTOINCREMENT" in sql.upper()}


def test_sqlite_ids_are_never_reused_after_migrating(tmp_path: Path) -> None:
    url = database.create_sqlite_database(tmp_path)
    upgrade(url, "0003")
    engine = create_engine(sync_url(url))
    try:
        assert _autoincrement_tables(engine) == set()
        upgrade(url)
        assert {"tasks", "executions", "execution_steps", "chat_messages", "api_keys"} <= _autoincrement_tables(engine)
        with engine.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO tasks (name, instructions, schedule_kind, timezone, missed_run_policy, tools, max_steps,"
                " timeout_seconds, max_retries, state, revision, created_at, updated_at) VALUES"
                " ('a', 'x', 'cron', 'UTC', 'skip', '[]', 1, 1, 0, 'active', 1, '2026-01-01', '2026-01-01')"
            )
            first = conn.exec_driver_sql("SELECT max(id) FROM tasks").scalar_one()
            conn.exec_driver_sql("DELETE FROM tasks")
            conn.exec_driver_sql(
                "INSERT INTO tasks (name, instructions, schedule_kind, timezone, missed_run_policy, tools, max_steps,"
                " timeout_seconds, max_retries, state, revision, created_at, updated_at) VALUES"
                " ('b', 'x', 'cron', 'UTC', 'skip', '[]', 1, 1, 0, 'active', 1, '2026-01-01', '2026-01-01')"
            )
            second = conn.exec_driver_sql("SELECT max(id) FROM tasks").scalar_one()
        assert second > first
        downgrade(url, "0003")
        assert _autoincrement_tables(engine) == set()
    finally:
        engine.dispose()
