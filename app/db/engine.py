"""Engines and sessions: one async engine per event loop, built from settings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool


def create_engine(database_url: str, *, pool_size: int = 10) -> AsyncEngine:
    """Build an async engine; SQLite gets WAL, foreign keys and a busy timeout."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        ensure_sqlite_directory(database_url)
        engine = create_async_engine(url, poolclass=NullPool, connect_args={"timeout": 30})
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True, pool_recycle=1800)


def ensure_sqlite_directory(database_url: str) -> None:
    """Create the folder of a SQLite database file (the default ``./data/``) if it is missing."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


def sync_url(database_url: str) -> str:
    """The synchronous driver URL for the same database (Alembic, APScheduler baseline)."""
    url = make_url(database_url)
    driver = {"postgresql": "postgresql+psycopg", "sqlite": "sqlite"}[url.get_backend_name()]
    return url.set(drivername=driver).render_as_string(hide_password=False)
