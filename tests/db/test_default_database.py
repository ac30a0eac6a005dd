"""The zero-setup default: a SQLite file under a folder that does not exist yet."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, inspect

from app.db.engine import sync_url
from app.db.migrate import upgrade


def test_migrating_creates_the_sqlite_folder(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'data' / 'taskrunner.db'}"
    upgrade(url)
    engine = create_engine(sync_url(url))
    try:
        with engine.connect() as conn:
            assert "tasks" in inspect(conn).get_table_names()
    finally:
        engine.dispose()
