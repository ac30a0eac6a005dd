"""Opening and migrating the database, for the app factory and the command line (which never import db/)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.db import engine as _engine
from app.db import migrate as _migrate


def open_engine(database_url: str) -> AsyncEngine:
    """An engine for ``database_url`` (SQLite gets its folder and pragmas)."""
    return _engine.create_engine(database_url)


def sessions_for(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return _engine.create_sessionmaker(engine)


def migrate(database_url: str, revision: str = "head") -> None:
    """Bring the schema up to ``revision`` (blocking; run before serving)."""
    _migrate.upgrade(database_url, revision)
