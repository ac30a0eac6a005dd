"""Run Alembic migrations programmatically (``taskrunner migrate`` and ``serve``)."""

from __future__ import annotations

from pathlib import Path

from alembic.config import Config

from alembic import command
from app.db.engine import ensure_sqlite_directory

_SOURCE_SCRIPTS = Path(__file__).resolve().parents[2] / "alembic"
_PACKAGED_SCRIPTS = Path(__file__).resolve().parents[1] / "migrations"


def script_location() -> Path:
    """The Alembic scripts: ``alembic/`` in a source checkout, ``app/migrations`` in an installed wheel."""
    if (_SOURCE_SCRIPTS / "env.py").is_file():
        return _SOURCE_SCRIPTS
    return _PACKAGED_SCRIPTS


def alembic_config(database_url: str) -> Config:
    # No alembic.ini: an installed wheel has none, and logging is ours (app.logging), not Alembic's.
    cfg = Config()
    cfg.set_main_option("script_location", str(script_location()))
    cfg.set_main_option("path_separator", "os")
    cfg.attributes["database_url"] = database_url
    return cfg


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Leave procrastinate's own tables (applied from its SQL in revision 0005) out of autogenerate."""
    return not (type_ == "table" and name is not None and name.startswith("procrastinate_"))


def upgrade(database_url: str, revision: str = "head") -> None:
    """Bring the database schema up to ``revision`` (idempotent)."""
    ensure_sqlite_directory(database_url)
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str) -> None:
    command.downgrade(alembic_config(database_url), revision)
