"""Execution record endpoints."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query

from app.api.deps import Session, State
from app.api.schemas import ExecutionDetailOut, ExecutionOut, Page, StepOut
from app.db.repositories import ExecutionFilter
from app.errors import ValidationFailed
from app.services.cancel import cancel_execution
from app.services.executions import ExecutionService

router = APIRouter(tags=["executions"])

Status = Literal[
    "queued", "running", "succeeded", "failed", "timed_out", "cancelled", "skipped", "missed", "interrupted"
]


def _aware(name: str, value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise ValidationFailed(f"`{name}` needs a UTC offset, e.g. 2026-11-23T09:00:00+01:00")
    return value


@dataclass(frozen=True)
class _Query:
    status: str | None
    since: datetime | None
    until: datetime | None
    limit: int
    offset: int


def _query(
    status: Status | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> _Query:
    """The filters and page both record lists take: status, scheduled-time range, limit/offset."""
    return _Query(status, _aware("since", since), _aware("until", until), limit, offset)


RecordQuery = Annotated[_Query, Depends(_query)]


async def _page(session: Session, task_id: int | None, q: _Query) -> Page[ExecutionOut]:
    flt = ExecutionFilter(task_id=task_id, status=q.status, since=q.since, until=q.until)
    items, total = await ExecutionService(session).list(flt, limit=q.limit, offset=q.offset)
    return Page(items=[ExecutionOut.of(e) for e in items], total=total, limit=q.limit, offset=q.offset)


@router.get("/api/executions")
async def list_executions(session: Session, q: RecordQuery, task_id: int | None = None) -> Page[ExecutionOut]:
    return await _page(session, task_id, q)


@router.get("/api/tasks/{task_id}/executions", tags=["tasks"])
async def task_executions(task_id: int, session: Session, q: RecordQuery) -> Page[ExecutionOut]:
    return await _page(session, task_id, q)


@router.get("/api/executions/{execution_id}")
async def get_execution(execution_id: int, session: Session) -> ExecutionDetailOut:
    execution, steps = await ExecutionService(session).get(execution_id)
    base = ExecutionOut.of(execution).model_dump()
    return ExecutionDetailOut(**base, steps=[StepOut.of(s) for s in steps])


@router.post("/api/executions/{execution_id}/cancel")
async def cancel_run(execution_id: int, session: Session, state: State) -> ExecutionOut:
    """Cancel a queued run (now ``cancelled``) or a running one (stopped at once; then ``cancelled``).

    A running run answers with ``cancel_requested_at`` set; its record turns ``cancelled``
    as soon as its worker has stopped the agent. A run that has ended is a 409.
    """
    execution = await cancel_execution(session, execution_id, now=state.clock.now())
    return ExecutionOut.of(execution)
