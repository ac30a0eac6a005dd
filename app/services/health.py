"""Readiness: the database answers and, where this instance schedules, its scheduler is healthy."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import structlog
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.db.repositories.health import ping

log = structlog.get_logger("taskrunner.services")


class SchedulerHealth(Protocol):
    @property
    def healthy(self) -> bool: ...

    @property
    def is_leader(self) -> bool: ...


@dataclass(frozen=True, kw_only=True)
class Readiness:
    ready: bool
    checks: dict[str, str] = field(default_factory=dict)
    problem: str | None = None  # why not ready, in words


async def readiness(sessions: async_sessionmaker[AsyncSession], scheduler: object | None) -> Readiness:
    """Whether this instance can serve: the database answers, and its scheduler (if any) is healthy."""
    checks: dict[str, str] = {}
    try:
        async with sessions() as session:
            await ping(session)
        checks["database"] = "ok"
    except (SQLAlchemyError, OSError) as exc:
        # The driver's words stay in the log: they may name hosts, users or files.
        log.warning("readyz.database_unreachable", error_type=type(exc).__name__)
        return Readiness(ready=False, checks={"database": "unreachable"}, problem="database unreachable")
    if scheduler is None:
        checks["scheduler"] = "disabled"
        return Readiness(ready=True, checks=checks)
    checks["scheduler"] = "leader" if getattr(scheduler, "is_leader", False) else "standby"
    if not bool(getattr(scheduler, "healthy", True)):
        return Readiness(ready=False, checks=checks, problem="the scheduler is failing")
    return Readiness(ready=True, checks=checks)
