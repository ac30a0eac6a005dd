"""Task endpoints: thin handlers over :class:`app.services.tasks.TaskService`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from app.api.contract import error_responses
from app.api.deps import Tasks
from app.api.params import NO_NUL, Offset, TaskId
from app.api.schemas import ExecutionOut, Page, RunNowIn, TaskOut
from app.services.inputs import PauseNote, TaskCreate, TaskUpdate
from app.services.tasks import TaskFilter
from app.vocabulary import ScheduleKind, TaskState

router = APIRouter(prefix="/api/tasks", tags=["tasks"])

Limit = Annotated[int, Query(ge=1, le=500)]


@router.post("", status_code=201)
async def create_task(body: TaskCreate, tasks: Tasks) -> TaskOut:
    task = await tasks.create(body)
    return TaskOut.of(task)


@router.get("")
async def list_tasks(
    tasks: Tasks,
    limit: Limit = 50,
    offset: Offset = 0,
    task_state: Annotated[TaskState | None, Query(alias="state")] = None,
    q: Annotated[str | None, Query(max_length=200, pattern=NO_NUL)] = None,
    kind: Annotated[ScheduleKind | None, Query()] = None,
) -> Page[TaskOut]:
    page = await tasks.list(TaskFilter(state=task_state, q=q, schedule_kind=kind), limit=limit, offset=offset)
    return Page(items=[TaskOut.of(t) for t in page.items], total=page.total, limit=limit, offset=offset)


@router.get("/{task_id}")
async def get_task(task_id: TaskId, tasks: Tasks) -> TaskOut:
    return TaskOut.of(await tasks.get(task_id))


@router.patch("/{task_id}")
async def update_task(task_id: TaskId, body: TaskUpdate, tasks: Tasks) -> TaskOut:
    return TaskOut.of(await tasks.update(task_id, body))


@router.delete("/{task_id}", status_code=204, responses=error_responses(409))
async def delete_task(
    task_id: TaskId,
    tasks: Tasks,
    force: Annotated[
        bool, Query(description="also when other tasks run after it: it is removed from their `after`")
    ] = False,
) -> Response:
    await tasks.delete(task_id, force=force)
    return Response(status_code=204)


@router.post("/{task_id}/pause")
async def pause_task(task_id: TaskId, tasks: Tasks, body: PauseNote | None = None) -> TaskOut:
    paused = await tasks.pause(task_id, body.note if body else None)
    return TaskOut.of(paused)


@router.post("/{task_id}/resume")
async def resume_task(task_id: TaskId, tasks: Tasks, body: PauseNote | None = None) -> TaskOut:
    resumed = await tasks.resume(task_id, body.note if body else None)
    return TaskOut.of(resumed)


@router.post("/{task_id}/run", status_code=202)
async def run_task(task_id: TaskId, tasks: Tasks, body: RunNowIn | None = None) -> ExecutionOut:
    body = body or RunNowIn()
    run = await tasks.run_now(task_id, inputs=body.inputs, idempotency_key=body.idempotency_key)
    return ExecutionOut.of(run)
