"""The claim: the one step that turns a delivered job into a run.

Delivery (procrastinate, or the in-process executor) is at least once; the claim
makes running exactly once. A worker moves the record from ``queued`` to
``running`` in one conditional UPDATE; a record that is no longer ``queued``
(already claimed, cancelled, deleted) changes no row and the job ends without
running. Rules that decide whether a queued run may start now (overlap
policies, concurrency keys) belong in :func:`claim_runs`'s WHERE clause.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import cast

from sqlalchemy import Table, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Execution
from app.db.repositories.workers import ClaimedRun

_EXEC = cast(Table, Execution.__table__)


async def claim_runs(
    session: AsyncSession, execution_ids: Sequence[int], *, worker_id: str, now: datetime
) -> dict[int, ClaimedRun]:
    """Claim these queued runs for ``worker_id``; returns the ones this call moved to ``running``."""
    if not execution_ids:
        return {}
    stmt = (
        update(_EXEC)
        .where(_EXEC.c.id.in_(list(execution_ids)), _EXEC.c.status == "queued")
        .values(status="running", started_at=now, worker_id=worker_id)
        .returning(_EXEC.c.id, _EXEC.c.task_id, _EXEC.c.scheduled_for, _EXEC.c.trigger, _EXEC.c.attempt)
    )
    claimed: dict[int, ClaimedRun] = {}
    for row in (await session.execute(stmt)).all():
        claimed[int(row[0])] = ClaimedRun(
            execution_id=int(row[0]),
            task_id=int(row[1]),
            scheduled_for=row[2],
            trigger=str(row[3]),
            attempt=int(row[4] or 1),
        )
    return claimed
