"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from app import metrics as m
from app.api.deps import AppState, State
from app.api.errors import error_response
from app.services.workers import list_workers, queue_view

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", response_model=None)
async def readyz(state: State) -> dict[str, object] | Response:
    """Ready when the database answers and, if this instance schedules, its scheduler is healthy."""
    checks: dict[str, object] = {}
    try:
        async with state.sessionmaker() as s:
            await s.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:
        return error_response("not_ready", f"database unreachable: {str(exc).splitlines()[0]}", 503)
    scheduler = state.scheduler
    if scheduler is not None:
        healthy = bool(getattr(scheduler, "healthy", True))
        checks["scheduler"] = "leader" if getattr(scheduler, "is_leader", False) else "standby"
        if not healthy:
            return error_response("not_ready", "the scheduler is failing", 503, checks)
    else:
        checks["scheduler"] = "disabled"
    checks["worker"] = _worker_role(state)
    try:
        checks.update(await _roles(state))
    except Exception as exc:  # the overview is information; the database check above decides readiness
        checks["workers"] = f"unavailable: {str(exc).splitlines()[0]}"
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


async def _roles(state: AppState) -> dict[str, object]:
    now = state.clock.now()
    async with state.sessionmaker() as s:
        workers = await list_workers(s, now=now, stale_seconds=state.settings.worker_stale_seconds)
        queue = await queue_view(s, now=now)
    alive = [w for w in workers if w.alive]
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
    try:
        await _refresh_role_gauges(state)
    except Exception:  # a scrape during an outage still returns the counters it has
        m.WORKERS_ALIVE.set(0)
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


async def _refresh_role_gauges(state: AppState) -> None:
    now = state.clock.now()
    async with state.sessionmaker() as s:
        workers = await list_workers(s, now=now, stale_seconds=state.settings.worker_stale_seconds)
        queue = await queue_view(s, now=now)
    alive = [w for w in workers if w.alive]
    m.WORKERS_ALIVE.set(len(alive))
    m.WORKER_HEARTBEAT_AGE.clear()
    m.WORKER_RUNNING.clear()
    for w in alive:
        m.WORKER_HEARTBEAT_AGE.labels(worker=w.id, kind=w.kind).set(max(0.0, (now - w.last_heartbeat).total_seconds()))
        m.WORKER_RUNNING.labels(worker=w.id, kind=w.kind).set(len(w.running))
    m.QUEUE_DEPTH.set(queue.queued)
    m.RUNS_RUNNING.set(queue.running)
    m.OLDEST_QUEUED_AGE.set(queue.oldest_queued_age_seconds or 0.0)
    m.WORKER_HERE.set(1 if _worker_role(state) != "disabled" else 0)
