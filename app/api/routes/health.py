"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

import contextlib

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy.exc import SQLAlchemyError

from app import metrics as m
from app.api.deps import AppState, State
from app.api.errors import error_response
from app.api.observe import observe_run_counts
from app.services.health import readiness
from app.services.record_metrics import render_record_metrics
from app.services.workers import list_workers, queue_view

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
    await observe_run_counts(state)
    try:
        await _refresh_role_gauges(state)
    except Exception:  # a scrape during an outage still returns the counters it has
        m.WORKERS_ALIVE.set(0)
    body = generate_latest()
    # Controls: operations figures from the records; a database outage must not hide the rest.
    with contextlib.suppress(SQLAlchemyError, OSError):
        body += await render_record_metrics(state.sessionmaker, state.clock)
    return Response(body, media_type=CONTENT_TYPE_LATEST)


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
    m.RUNS_RUNNING.set(queue.running)  # also set by observe_run_counts; the same figure
    m.OLDEST_QUEUED_AGE.set(queue.oldest_queued_age_seconds or 0.0)
    m.WORKER_HERE.set(1 if _worker_role(state) != "disabled" else 0)
