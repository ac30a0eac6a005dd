"""Test databases: a migrated SQLite file and a migrated PostgreSQL database per test session."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from sqlalchemy import create_engine, text

from app.db.engine import sync_url
from app.db.migrate import upgrade
from app.db.models import Base

PG_ADMIN_DSN = os.environ.get("TEST_PG_ADMIN_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
# procrastinate's tables (revision 0005, PostgreSQL only) are emptied with ours.
PROCRASTINATE_TABLES = ("procrastinate_jobs", "procrastinate_workers", "procrastinate_events")
PG_HOST = os.environ.get("TEST_PG_HOST", "127.0.0.1:5432")


def selected_backends() -> list[str]:
    """Backends to run against: TEST_DATABASES=sqlite,postgresql (default both)."""
    raw = os.environ.get("TEST_DATABASES", "sqlite,postgresql")
    return [b.strip() for b in raw.split(",") if b.strip()]


def create_postgres_database() -> str:
    name = f"taskrunner_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql+asyncpg://postgres@{PG_HOST}/{name}"


def drop_postgres_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def create_sqlite_database(directory: Path) -> str:
    return f"sqlite+aiosqlite:///{directory / f'taskrunner-{uuid.uuid4().hex[:8]}.db'}"


@contextmanager
def fresh(backend: str, directory: Path) -> Iterator[str]:
    """The URL of a new, empty database on ``backend`` (a file in ``directory`` for SQLite); dropped after."""
    if backend == "postgresql":
        url = create_postgres_database()
        try:
            yield url
        finally:
            drop_postgres_database(url)
    else:
        yield create_sqlite_database(directory)


def migrate(url: str) -> None:
    upgrade(url)


def wipe(url: str) -> None:
    """Delete every row (children first), keeping the migrated schema."""
    engine = create_engine(sync_url(url))
    with engine.begin() as conn:
        if url.startswith("postgresql"):
            names = ", ".join([t.name for t in Base.metadata.sorted_tables] + list(PROCRASTINATE_TABLES))
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(Base.metadata.sorted_tables):
                conn.execute(table.delete())
            conn.execute(text("DELETE FROM sqlite_sequence")) if _has_sequence(conn) else None
    engine.dispose()


def _has_sequence(conn: object) -> bool:
    return bool(
        conn.execute(  # type: ignore[attr-defined]
            text("SELECT 1 FROM sqlite_master WHERE name='sqlite_sequence'")
        ).first()
    )
