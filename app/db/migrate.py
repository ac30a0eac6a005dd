"""Run Alembic migrations programmatically (``taskrunner migrate`` and ``serve``)."""

from __future__ import annotations

from pathlib import Path

from alembic.config import Config

from alembic import command
from app.db.engine import ensure_sqlite_directory

_ROOT = Path(__file__).resolve().parents[2]


def alembic_config(database_url: str) -> Config:
    cfg = Config(str(_ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(_ROOT / "alembic"))
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
