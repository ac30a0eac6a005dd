"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

import contextlib

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.api.deps import State
from app.api.errors import error_response
from app.services.record_metrics import render_record_metrics

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
    return {"status": "ready", "checks": checks}


@router.get("/metrics")
async def metrics(state: State) -> Response:
    body = generate_latest()
    # Controls: operations figures from the records; a database outage must not hide the rest.
    with contextlib.suppress(SQLAlchemyError, OSError):
        body += await render_record_metrics(state.sessionmaker, state.clock)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
