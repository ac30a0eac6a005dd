"""What runs where: workers with their heartbeats and runs, and the queue (readyz, metrics, API)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.db.repositories.workers import WorkerRepository

# Workers gone longer than this are no longer listed.
LISTED_FOR = timedelta(hours=1)


@dataclass(frozen=True, kw_only=True)
class WorkerView:
    id: str
    kind: str
    hostname: str
    pid: int
    concurrency: int
    started_at: datetime
    last_heartbeat: datetime
    stopped_at: datetime | None
    alive: bool
    running: list[int]


@dataclass(frozen=True, kw_only=True)
class QueueView:
    queued: int
    running: int
    oldest_queued_age_seconds: float | None


async def list_workers(session: AsyncSession, *, now: datetime, stale_seconds: float) -> list[WorkerView]:
    """Workers seen in the last hour, newest heartbeat first, with the runs each holds."""
    repo = WorkerRepository(session)
    rows = await repo.recent(since=now - LISTED_FOR)
    runs = await repo.running_by_worker([w.id for w in rows])
    stale_before = now - timedelta(seconds=stale_seconds)
    return [
        WorkerView(
            id=w.id,
            kind=w.kind,
            hostname=w.hostname,
            pid=w.pid,
            concurrency=w.concurrency,
            started_at=w.started_at,
            last_heartbeat=w.last_heartbeat,
            stopped_at=w.stopped_at,
            alive=w.stopped_at is None and w.last_heartbeat >= stale_before,
            running=runs.get(w.id, []),
        )
        for w in rows
    ]


async def queue_view(session: AsyncSession, *, now: datetime) -> QueueView:
    queued, running, oldest = await WorkerRepository(session).queue_overview()
    age = max(0.0, (now - oldest).total_seconds()) if oldest is not None else None
    return QueueView(queued=queued, running=running, oldest_queued_age_seconds=age)
