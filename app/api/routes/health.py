"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from app import metrics as m
from app.api.deps import AppState, State
from app.api.errors import error_response
from app.services.health import readiness
from app.services.record_metrics import render_record_metrics
from app.services.workers import WorkersOverview, check_roles

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", response_model=None)
async def readyz(state: State) -> dict[str, object] | Response:
    """Ready when the database answers and, if this instance schedules, its scheduler is healthy."""
    ready = await readiness(state.sessionmaker, state.scheduler)
    if not ready.ready:
        return error_response("not_ready", ready.problem or "not ready", 503, ready.checks or None)
    checks: dict[str, object] = dict(ready.checks)
    checks["worker"] = _worker_role(state)
    # The overview is information; the database check above decides readiness.
    roles = await check_roles(
        state.sessionmaker, now=state.clock.now(), stale_seconds=state.settings.worker_stale_seconds
    )
    if roles.overview is None:
        checks["workers"] = f"unavailable: {roles.problem}"
    else:
        checks.update(_roles(roles.overview))
    return {"status": "ready", "checks": checks}


def _worker_role(state: AppState) -> str:
    """Whether this instance runs runs: a worker inside serve, the leader's own loop, or none."""
    worker = state.worker
    if worker is not None:
        return str(getattr(worker, "worker_id", None) or "starting")
    scheduler = state.scheduler
    if scheduler is not None and not state.settings.uses_queue and state.settings.run_worker:
        return "in-process (while leader)"
    return "disabled"


def _roles(overview: WorkersOverview) -> dict[str, object]:
    alive = overview.alive
    queue = overview.queue
    return {
        "workers_alive": len(alive),
        "workers": [
            {"id": w.id, "kind": w.kind, "last_heartbeat": w.last_heartbeat.isoformat(), "running": len(w.running)}
            for w in alive
        ],
        "queue_depth": queue.queued,
        "running": queue.running,
        "oldest_queued_age_seconds": queue.oldest_queued_age_seconds,
    }


@router.get("/metrics")
async def metrics(state: State) -> Response:
    now = state.clock.now()
    roles = await check_roles(state.sessionmaker, now=now, stale_seconds=state.settings.worker_stale_seconds)
    if roles.overview is None:  # a scrape during an outage keeps the last queue figures and the counters
        m.WORKERS_ALIVE.set(0)
    else:
        _refresh_role_gauges(state, roles.overview, now)
    body = generate_latest()
    # Controls: operations figures from the records (empty when the database is down).
    body += await render_record_metrics(state.sessionmaker, state.clock)
    return Response(body, media_type=CONTENT_TYPE_LATEST)


def _refresh_role_gauges(state: AppState, overview: WorkersOverview, now: datetime) -> None:
    alive = overview.alive
    m.WORKERS_ALIVE.set(len(alive))
    m.WORKER_HEARTBEAT_AGE.clear()
    m.WORKER_RUNNING.clear()
    for w in alive:
        m.WORKER_HEARTBEAT_AGE.labels(worker=w.id, kind=w.kind).set(max(0.0, (now - w.last_heartbeat).total_seconds()))
        m.WORKER_RUNNING.labels(worker=w.id, kind=w.kind).set(len(w.running))
    queue = overview.queue
    m.run_counts(queue.queued, queue.running)
    m.QUEUE_DEPTH.set(queue.queued)
    m.OLDEST_QUEUED_AGE.set(queue.oldest_queued_age_seconds or 0.0)
    m.WORKER_HERE.set(1 if _worker_role(state) != "disabled" else 0)
