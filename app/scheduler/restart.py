"""What a starting scheduler leader does with runs its predecessor (or a dead worker) left unfinished.

Only runs held by no live worker are touched (see :func:`app.workers.settle.settle_lost_runs`):
a run on a worker that still beats goes on undisturbed.

- lost and ``running`` with no step recorded: stopped before its first model call
  answered, so it has done nothing; it goes back to ``queued`` as its next attempt
  (:func:`requeue_unstarted`).
- lost otherwise: ``interrupted`` (tools may have acted; running it again could
  repeat them), or retried as a new attempt when its task has ``retry_on_interrupt``.
- ``queued`` (including the ones just re-queued): late like any fire whose time
  passed while the service was down, so the task's missed-run policy decides
  (:func:`settle_left_queued_runs`); the rest run.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.db.repositories import ExecutionRepository
from app.db.repositories.workers import WorkerRepository
from app.scheduler.recovery import LeftQueued, settle_left_queued

log = structlog.get_logger("taskrunner.scheduler")

RESTARTED_REASON = "restarted: the service stopped before this run's first model call"


async def requeue_unstarted(
    sessionmaker: async_sessionmaker[AsyncSession], *, now: datetime, stale_after: timedelta, dead_ids: Sequence[str]
) -> list[int]:
    """Re-queue lost runs (no live worker holds them) that recorded no step; returns their ids."""
    async with sessionmaker() as session, session.begin():
        lost = await WorkerRepository(session).lost_runs(stale_before=now - stale_after, dead_ids=dead_ids)
        requeued = list(
            await ExecutionRepository(session).requeue_unstarted(
                [r.execution_id for r in lost], reason=RESTARTED_REASON
            )
        )
    if requeued:
        log.warning("scheduler.runs_restarted", count=len(requeued))
    return requeued


async def settle_left_queued_runs(
    sessionmaker: async_sessionmaker[AsyncSession], *, now: datetime, grace: timedelta
) -> None:
    """Apply the tasks' missed-run policies to runs still queued from before this leader started."""
    async with sessionmaker() as session, session.begin():
        repo = ExecutionRepository(session)
        left = [
            LeftQueued(execution_id=i, trigger=trigger, scheduled_for=at, policy=policy, attempt=attempt)
            for i, trigger, at, policy, attempt in await repo.queued_with_policy()
        ]
        settled = [s for s in (settle_left_queued(run, now=now, grace=grace) for run in left) if s is not None]
        if settled:
            await repo.update_many(
                [{"id": s.execution_id, "status": s.status, "reason": s.reason, "finished_at": now} for s in settled]
            )
    if settled:
        log.warning("scheduler.queued_runs_settled", count=len(settled), statuses=sorted({s.status for s in settled}))
