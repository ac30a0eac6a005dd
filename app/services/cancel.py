"""Cancelling a run, queued or running, for every client (API, CLI, dashboard, MCP, chat).

A queued run is ``cancelled`` at once: its job (if any) finds nothing to claim.
A running run gets ``cancel_requested_at``; the worker holding it is told at once
(procrastinate aborts the job; the in-process executor hears a
:class:`~app.services.events.CancelRequested` event after commit; a worker's
heartbeat also looks for requests) and its asyncio task is cancelled. The record
then says ``cancelled`` and keeps the steps done so far.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.db.repositories import ExecutionRepository, TaskRepository
from app.db.repositories.jobs import request_abort
from app.errors import Conflict, NotFound
from app.services.events import CancelRequested
from app.services.unit_of_work import record
from app.services.views import RunView
from app.vocabulary import ExecutionStatus

QUEUED_CANCEL_REASON = "cancelled on request before it started"


async def cancel_execution(session: AsyncSession, execution_id: int, *, now: datetime) -> RunView:
    """Cancel a queued or running run; a finished one is a :class:`Conflict`. The caller commits."""
    repo = ExecutionRepository(session)
    execution = await repo.get(execution_id)
    if execution is None:
        raise NotFound("execution", execution_id)
    if execution.status == ExecutionStatus.QUEUED:
        if await repo.cancel_queued(execution_id, reason=QUEUED_CANCEL_REASON, now=now):
            return await _view(session, execution_id)  # reads the record again
        await session.refresh(execution)  # claimed meanwhile: cancel it as a running run
    if execution.status == ExecutionStatus.RUNNING:
        if execution.cancel_requested_at is None:
            await repo.request_cancel(execution_id, now=now)
            await request_abort(session, [execution_id])
        record(session, CancelRequested(execution_id=execution_id))
        return await _view(session, execution_id)
    raise Conflict(
        f"Run {execution_id} has already ended ({execution.status}); only queued or running runs can be cancelled.",
        details={"id": execution_id, "status": execution.status},
    )


async def _view(session: AsyncSession, execution_id: int) -> RunView:
    execution = await ExecutionRepository(session).get(execution_id)
    if execution is None:
        raise NotFound("execution", execution_id)
    await session.refresh(execution)
    zone = (await TaskRepository(session).timezones([execution.task_id])).get(execution.task_id, "UTC")
    return RunView.of(execution, zone)
