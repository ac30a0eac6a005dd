"""Execution record endpoints."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse

from app import sse
from app.api.contract import error_responses
from app.api.deps import AppState, Session, State
from app.api.params import MAX_INT64, ExecutionId, Offset, TaskId, TaskIdFilter
from app.api.schemas import ExecutionDetailOut, ExecutionOut, Page, StepOut
from app.errors import ValidationFailed
from app.services import cancel
from app.services.executions import ExecutionFilter, ExecutionService
from app.services.inputs import EARLIEST, LATEST
from app.services.views import RunProgress
from app.vocabulary import ExecutionStatus, Trigger

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
    trigger: Trigger | None
    since: datetime | None
    until: datetime | None
    limit: int
    offset: int


def _query(
    status: ExecutionStatus | None = None,
    trigger: Annotated[Trigger | None, Query(description="only runs started this way")] = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Offset = 0,
) -> _Query:
    """The filters and page both record lists take: status, trigger, scheduled-time range, limit/offset."""
    return _Query(status, trigger, _aware("since", since), _aware("until", until), limit, offset)


RecordQuery = Annotated[_Query, Depends(_query)]


async def _page(session: Session, state: State, task_id: int | None, q: _Query) -> Page[ExecutionOut]:
    flt = ExecutionFilter(task_id=task_id, status=q.status, trigger=q.trigger, since=q.since, until=q.until)
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


FromStep = Annotated[
    int, Query(ge=0, le=MAX_INT64, description="Send steps from this index on (what a reconnecting client saw + 1).")
]


@router.get(
    "/api/executions/{execution_id}/events",
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
            "description": "Server-sent events, data in JSON: `status` (the record without steps; first, then on "
            "every change), `step` (each new step; its `id` is the step's index + 1), and last `end` (the final "
            "record) as the stream closes. Comment lines are heartbeats. A stream open for 10 minutes closes "
            "without `end`: reconnect with `from_step`.",
        },
        **error_responses(404),
    },
)
async def follow_execution(
    execution_id: ExecutionId, request: Request, state: State, from_step: FromStep = 0
) -> StreamingResponse:
    """Follow a run as it happens, read from the records (so whichever process runs it); a finished run ends at once."""
    follower = _Follower(next_step=from_step)
    pending = [await _progress(state, execution_id, from_step)]  # an unknown run is a 404, before any streaming

    async def poll() -> tuple[list[str], bool]:
        progress = pending.pop() if pending else await _progress(state, execution_id, follower.next_step)
        return follower.messages(progress), progress.finished

    return sse.response(
        sse.polled(poll, disconnected=request.is_disconnected, heartbeat=state.settings.events_heartbeat_seconds)
    )


async def _progress(state: AppState, execution_id: int, from_step: int) -> RunProgress:
    # One short read-only session per look: the stream outlives the request's unit of work.
    async with state.unit_of_work() as uow:
        return await ExecutionService(uow.session, state.clock).progress(execution_id, from_step=from_step)


@dataclass
class _Follower:
    """What one stream has sent: the next step index and the record as last sent."""

    next_step: int
    last: str | None = None

    def messages(self, progress: RunProgress) -> list[str]:
        out = []
        for step in progress.steps:
            out.append(sse.encode("step", StepOut.of(step).model_dump_json(), id=str(step.index + 1)))
            self.next_step = step.index + 1
        record = ExecutionOut.of(progress.run).model_dump_json()
        if progress.finished:
            out.append(sse.encode("end", record))
        elif record != self.last:
            out.append(sse.encode("status", record))
        self.last = record
        return out
