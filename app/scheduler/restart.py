"""What a starting scheduler does with runs its predecessor left unfinished.

- ``running`` with no step recorded: stopped before its first model call answered,
  so it has done nothing; it goes back to ``queued`` as its next attempt.
- ``running`` otherwise: ``interrupted`` (tools may have acted; running it again
  could repeat them).
- ``queued`` (including the ones just re-queued): late like any fire whose time
  passed while the service was down, so the task's missed-run policy decides
  (:func:`app.scheduler.recovery.settle_left_queued`); the rest run.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.db.repositories import ExecutionRepository
from app.scheduler.recovery import LeftQueued, settle_left_queued

log = structlog.get_logger("taskrunner.scheduler")

RESTARTED_REASON = "restarted: the service stopped before this run's first model call"


async def settle_unfinished(
    sessionmaker: async_sessionmaker[AsyncSession], *, now: datetime, grace: timedelta, interrupted_reason: str
) -> None:
    """Re-queue runs that did nothing, interrupt the others, and apply missed-run policies to queued runs."""
    async with sessionmaker() as session, session.begin():
        repo = ExecutionRepository(session)
        requeued = await repo.requeue_unstarted(reason=RESTARTED_REASON)
        interrupted = await repo.mark_interrupted(now=now, reason=interrupted_reason)
        left = [
            LeftQueued(execution_id=i, trigger=trigger, scheduled_for=at, policy=policy, attempt=attempt)
            for i, trigger, at, policy, attempt in await repo.queued_with_policy()
        ]
        settled = [s for s in (settle_left_queued(run, now=now, grace=grace) for run in left) if s is not None]
        if settled:
            await repo.update_many(
                [{"id": s.execution_id, "status": s.status, "reason": s.reason, "finished_at": now} for s in settled]
            )
    if requeued:
        log.warning("scheduler.runs_restarted", count=requeued)
    if interrupted:
        log.warning("scheduler.runs_interrupted", count=interrupted)
    if settled:
        log.warning("scheduler.queued_runs_settled", count=len(settled), statuses=sorted({s.status for s in settled}))
