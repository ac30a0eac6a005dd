"""Execution record endpoints."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from app.api.deps import Session, State
from app.api.params import ExecutionId, Offset, TaskId, TaskIdFilter
from app.api.schemas import ExecutionDetailOut, ExecutionOut, Page
from app.errors import ValidationFailed
from app.services import cancel
from app.services.executions import ExecutionFilter, ExecutionService
from app.services.inputs import EARLIEST, LATEST
from app.vocabulary import ExecutionStatus

router = APIRouter(tags=["executions"])


def _aware(name: str, value: datetime | None) -> datetime | None:
    """The filter instant, aware; ends of time (years 1, 9999) are narrowed to the span any record can have."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValidationFailed(f"`{name}` needs a UTC offset, e.g. 2026-11-23T09:00:00+01:00")
    # Every scheduled time lies within the range schedules accept, so this changes no answer,
    # and keeps the database from converting an instant that does not fit its type.
    return min(max(value, EARLIEST), LATEST)


@dataclass(frozen=True)
class _Query:
    status: ExecutionStatus | None
    since: datetime | None
    until: datetime | None
    limit: int
    offset: int


def _query(
    status: ExecutionStatus | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Offset = 0,
) -> _Query:
    """The filters and page both record lists take: status, scheduled-time range, limit/offset."""
    return _Query(status, _aware("since", since), _aware("until", until), limit, offset)


RecordQuery = Annotated[_Query, Depends(_query)]


async def _page(session: Session, state: State, task_id: int | None, q: _Query) -> Page[ExecutionOut]:
    flt = ExecutionFilter(task_id=task_id, status=q.status, since=q.since, until=q.until)
    page = await ExecutionService(session, state.clock).list(flt, limit=q.limit, offset=q.offset)
    return Page(items=[ExecutionOut.of(e) for e in page.items], total=page.total, limit=q.limit, offset=q.offset)


@router.get("/api/executions")
async def list_executions(
    session: Session, state: State, q: RecordQuery, task_id: TaskIdFilter = None
) -> Page[ExecutionOut]:
    return await _page(session, state, task_id, q)


@router.get("/api/tasks/{task_id}/executions", tags=["tasks"])
async def task_executions(task_id: TaskId, session: Session, state: State, q: RecordQuery) -> Page[ExecutionOut]:
    return await _page(session, state, task_id, q)


@router.get("/api/executions/{execution_id}")
async def get_execution(execution_id: ExecutionId, session: Session, state: State) -> ExecutionDetailOut:
    return ExecutionDetailOut.of_run(await ExecutionService(session, state.clock).get(execution_id))


@router.post("/api/executions/{execution_id}/cancel")
async def cancel_execution(execution_id: ExecutionId, session: Session, state: State) -> ExecutionOut:
    """Cancel a queued run (now ``cancelled``) or a running one (stopped at once; then ``cancelled``).

    A running run answers with ``cancel_requested_at`` set; its record turns ``cancelled``
    as soon as its worker has stopped the agent. A run that has ended is a 409.
    """
    return ExecutionOut.of(await cancel.cancel_execution(session, execution_id, now=state.clock.now()))
