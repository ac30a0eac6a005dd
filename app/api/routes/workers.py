"""Workers: who runs runs, their last heartbeat and the runs they hold."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel

from app.api.deps import Session, State
from app.services.workers import workers_overview

router = APIRouter(tags=["workers"])


class WorkerOut(BaseModel):
    id: str
    kind: str  # worker | serve (a worker inside serve) | in-process (the leader's own loop)
    hostname: str
    pid: int
    concurrency: int
    started_at: datetime
    last_heartbeat: datetime
    stopped_at: datetime | None
    alive: bool
    running: list[int]  # execution ids held now


class QueueOut(BaseModel):
    queued: int
    running: int
    oldest_queued_age_seconds: float | None


class WorkersOut(BaseModel):
    items: list[WorkerOut]
    total: int
    queue: QueueOut


@router.get("/api/workers")
async def list_workers(session: Session, state: State) -> WorkersOut:
    overview = await workers_overview(session, now=state.clock.now(), stale_seconds=state.settings.worker_stale_seconds)
    return WorkersOut(
        items=[WorkerOut(**asdict(w)) for w in overview.workers],
        total=len(overview.workers),
        queue=QueueOut(**asdict(overview.queue)),
    )
