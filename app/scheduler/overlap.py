"""Settling fires that met an active run of their task, by the task's overlap policy.

The record writer inserts every fire into the slot its policy starts with; a fire
that conflicts with a queued-or-running row of its task comes here. ``skip`` is
recorded ``skipped``; ``buffer_one`` takes the buffer slot (or is skipped when a
run already waits there); ``cancel_other`` ends the active runs as ``cancelled``
and takes their slot. It all happens in the writer's transaction, so the partial
unique index on (task, slot) keeps the rule across processes. In that same
transaction ``cancel_other`` asks procrastinate to abort the jobs of the runs it
cancelled, so whichever worker holds one stops its agent (and, its record being
closed already, writes no outcome over it).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from app.controls.overlap import SKIP_REASON, cancel_reason, on_overlap
from app.db.repositories import ExecutionRepository, FireRow
from app.db.repositories.controls import ControlRepository
from app.db.repositories.jobs import request_abort

if TYPE_CHECKING:
    from app.scheduler.writer import Fire

Settled = dict[tuple[int, datetime], tuple[int | None, str, tuple[int, ...]]]


async def resolve_overlaps(session: AsyncSession, fires: Sequence[Fire], *, now: datetime) -> Settled:
    """(execution id, status, cancelled ids) for each overlapping fire, keyed by (task, scheduled time)."""
    executions = ExecutionRepository(session)
    controls = ControlRepository(session)
    buffered = await controls.buffered([f.task_id for f in fires if f.overlap_policy == "buffer_one"])
    out: Settled = {}
    skipped: list[tuple[Fire, str]] = []
    for fire in fires:
        action = on_overlap(fire.overlap_policy, buffered=fire.task_id in buffered)
        if not action.insert:
            skipped.append((fire, action.skip_reason or ""))
            continue
        cancelled: tuple[int, ...] = ()
        if action.cancel_active:
            cancelled = tuple(
                await controls.cancel_active(fire.task_id, reason=cancel_reason(fire.scheduled_for), now=now)
            )
            await request_abort(session, cancelled)  # on workers; the executor stops in-process ones
        row = FireRow(
            task_id=fire.task_id,
            scheduled_for=fire.scheduled_for,
            trigger=fire.trigger,
            status=fire.status,
            reason=fire.reason,
            slot=action.slot,
            due_at=fire.due_at,
        )
        inserted = await executions.insert_fires([row], now=now)
        if inserted:
            out[(fire.task_id, fire.scheduled_for)] = (inserted[0][0], fire.status, cancelled)
            buffered.add(fire.task_id)
        else:
            skipped.append((fire, SKIP_REASON))
    if skipped:
        rows = [
            FireRow(task_id=f.task_id, scheduled_for=f.scheduled_for, trigger=f.trigger, status="skipped", reason=r)
            for f, r in skipped
        ]
        for execution_id, task_id, scheduled_for in await executions.insert_fires(rows, now=now):
            out[(task_id, scheduled_for)] = (execution_id, "skipped", ())
    return out
