"""Opening and migrating the database, for the app factory and the command line (which never import db/)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.db import audit as _audit
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


def install_audit() -> None:
    """Log an audit event for every committed task change made on behalf of a caller (idempotent)."""
    _audit.install()


def schema_revisions(database_url: str) -> tuple[str | None, str]:
    """The schema's current revision (None: never migrated) and the newest one; raises if unreachable."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from sqlalchemy import create_engine

    head = ScriptDirectory.from_config(_migrate.alembic_config(database_url)).get_current_head()
    engine = create_engine(_engine.sync_url(database_url))
    try:
        with engine.connect() as conn:
            current = MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()
    return current, head or ""
