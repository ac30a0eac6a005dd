"""Records written straight to the database, as the scheduler (or a worker) would leave them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from app.db.engine import create_engine, create_sessionmaker
from app.db.repositories import ExecutionRepository, FireRow
from app.db.worker_models import Worker


async def insert_runs(db_url: str, rows: list[tuple[FireRow, dict[str, Any]]], *, now: datetime) -> list[int]:
    """Insert each fire, then apply the fields its finished run would have; returns the ids."""
    engine = create_engine(db_url)
    try:
        async with create_sessionmaker(engine)() as session:
            repo = ExecutionRepository(session)
            ids: list[int] = []
            for fire, fields in rows:
                (inserted,) = await repo.insert_fires([fire], now=now)
                ids.append(inserted[0])
                if fields:
                    await repo.update_many([{"id": inserted[0], **fields}])
            await session.commit()
            return ids
    finally:
        await engine.dispose()


def worker_row(worker_id: str, last_heartbeat: datetime, *, stopped: bool = False) -> Worker:
    """A one-slot worker that started at, and last beat at, ``last_heartbeat`` (and stopped then, if ``stopped``)."""
    return Worker(
        id=worker_id,
        kind="worker",
        hostname="elsewhere",
        pid=1,
        concurrency=1,
        started_at=last_heartbeat,
        last_heartbeat=last_heartbeat,
        stopped_at=last_heartbeat if stopped else None,
    )
