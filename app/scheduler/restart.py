"""What a starting scheduler leader does with runs its predecessor (or a dead worker) left unfinished.

Only runs held by no live worker are touched (see :func:`app.workers.settle.settle_lost_runs`):
a run on a worker that still beats goes on undisturbed.

- lost and ``running`` with no step recorded: stopped before its first model call
  answered, so it has done nothing; it goes back to ``queued`` as its next attempt
  (``settle_lost_runs(..., requeue_unstarted=True)``, in the same transaction).
- lost otherwise: ``interrupted`` (tools may have acted; running it again could
  repeat them), or retried as a new attempt when its task has ``retry_on_interrupt``.
- ``queued`` (including the ones just re-queued): late like any fire whose time
  passed while the service was down, so the task's missed-run policy decides
  (:func:`settle_left_queued_runs`); the rest run.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.db.repositories import ExecutionRepository
from app.scheduler.recovery import LeftQueued, settle_left_queued

log = structlog.get_logger("taskrunner.scheduler")


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
