"""What runs where: workers with their heartbeats and runs, and the queue (readyz, metrics, API)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.db.repositories.workers import WorkerRepository

log = structlog.get_logger("taskrunner.services")

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


@dataclass(frozen=True, kw_only=True)
class WorkersOverview:
    """Workers seen in the last hour and the queue, read in one session."""

    workers: list[WorkerView]
    queue: QueueView

    @property
    def alive(self) -> list[WorkerView]:
        return [w for w in self.workers if w.alive]


@dataclass(frozen=True, kw_only=True)
class RolesCheck:
    """The overview for readyz and metrics, or why the database could not give it (``problem``)."""

    overview: WorkersOverview | None
    problem: str | None = None


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


async def workers_overview(session: AsyncSession, *, now: datetime, stale_seconds: float) -> WorkersOverview:
    """Workers (as :func:`list_workers`) and the queue (as :func:`queue_view`)."""
    workers = await list_workers(session, now=now, stale_seconds=stale_seconds)
    return WorkersOverview(workers=workers, queue=await queue_view(session, now=now))


async def check_roles(sessions: async_sessionmaker[AsyncSession], *, now: datetime, stale_seconds: float) -> RolesCheck:
    """The overview in a session of its own; a database that does not answer is reported, not raised."""
    try:
        async with sessions() as session:
            return RolesCheck(overview=await workers_overview(session, now=now, stale_seconds=stale_seconds))
    except (SQLAlchemyError, OSError) as exc:
        problem = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        log.warning("workers.overview_unavailable", error=problem)
        return RolesCheck(overview=None, problem=problem)
