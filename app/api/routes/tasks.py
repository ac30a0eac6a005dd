"""Task endpoints: thin handlers over :class:`app.services.tasks.TaskService`."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from app.api.deps import State, Tasks
from app.api.schemas import ExecutionOut, Page, TaskOut
from app.db.repositories import TaskFilter
from app.services.inputs import PauseNote, TaskCreate, TaskUpdate

router = APIRouter(prefix="/api/tasks", tags=["tasks"])

Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0)]


@router.post("", status_code=201)
async def create_task(body: TaskCreate, tasks: Tasks, state: State) -> TaskOut:
    task = await tasks.create(body)
    return TaskOut.of(task, now=state.clock.now(), spread_seconds=state.settings.spread_round_hours)


@router.get("")
async def list_tasks(
    tasks: Tasks,
    state: State,
    limit: Limit = 50,
    offset: Offset = 0,
    task_state: Annotated[Literal["active", "paused", "completed"] | None, Query(alias="state")] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    kind: Annotated[Literal["cron", "once", "interval"] | None, Query()] = None,
) -> Page[TaskOut]:
    items, total = await tasks.list(TaskFilter(state=task_state, q=q, schedule_kind=kind), limit=limit, offset=offset)
    now = state.clock.now()
    return Page(
        items=[TaskOut.of(t, now=now, spread_seconds=state.settings.spread_round_hours) for t in items],
        total=total,
        limit=limit,
        offset=offset,
    )


@router.get("/{task_id}")
async def get_task(task_id: int, tasks: Tasks, state: State) -> TaskOut:
    return TaskOut.of(await tasks.get(task_id), now=state.clock.now(), spread_seconds=state.settings.spread_round_hours)


@router.patch("/{task_id}")
async def update_task(task_id: int, body: TaskUpdate, tasks: Tasks, state: State) -> TaskOut:
    return TaskOut.of(
        await tasks.update(task_id, body), now=state.clock.now(), spread_seconds=state.settings.spread_round_hours
    )


@router.delete("/{task_id}", status_code=204)
async def delete_task(task_id: int, tasks: Tasks) -> Response:
    await tasks.delete(task_id)
    return Response(status_code=204)


@router.post("/{task_id}/pause")
async def pause_task(task_id: int, tasks: Tasks, state: State, body: PauseNote | None = None) -> TaskOut:
    return TaskOut.of(
        await tasks.pause(task_id, body.note if body else None),
        now=state.clock.now(),
        spread_seconds=state.settings.spread_round_hours,
    )


@router.post("/{task_id}/resume")
async def resume_task(task_id: int, tasks: Tasks, state: State, body: PauseNote | None = None) -> TaskOut:
    return TaskOut.of(
        await tasks.resume(task_id, body.note if body else None),
        now=state.clock.now(),
        spread_seconds=state.settings.spread_round_hours,
    )


@router.post("/{task_id}/run", status_code=202)
async def run_task(task_id: int, tasks: Tasks) -> ExecutionOut:
    return ExecutionOut.of(await tasks.run_now(task_id))
