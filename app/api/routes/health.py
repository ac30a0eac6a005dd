"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

import contextlib

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy.exc import SQLAlchemyError

from app.api.deps import State
from app.api.errors import error_response
from app.api.observe import observe_run_counts
from app.services.health import readiness
from app.services.record_metrics import render_record_metrics

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
    return {"status": "ready", "checks": ready.checks}


@router.get("/metrics")
async def metrics(state: State) -> Response:
    await observe_run_counts(state)
    body = generate_latest()
    # Controls: operations figures from the records; a database outage must not hide the rest.
    with contextlib.suppress(SQLAlchemyError, OSError):
        body += await render_record_metrics(state.sessionmaker, state.clock)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
