"""Tasks: the list with bulk pause/resume, one task with its fires, runs and costs, and its actions."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import Response

from app.errors import Conflict, HasDependents, NotFound, TaskRunnerError, ValidationFailed
from app.services.concurrency import ControlService
from app.services.executions import ExecutionService
from app.services.inputs import PauseNote
from app.services.overview import OverviewService, TaskFilter, dst_change_on
from app.services.related import RelatedService
from app.services.tasks import TaskDeps, TaskService
from app.services.templates import TemplateService
from app.services.views import TaskView
from app.web.base import Visitor, first, page, posted, see_other, state_of, unit_of_work
from app.web.render import render

PAGE_SIZE = 50
STATES = ("active", "paused", "completed")
WHY_WINDOW = timedelta(hours=1)  # "why didn't it run at ...?" looks this far either side, as ExplainRun does
SLA_BREACHES_SHOWN = 5


def task_deps(request: Request) -> TaskDeps:
    state = state_of(request)
    return TaskDeps(
        clock=state.clock,
        llm=state.llm,
        llm_model=state.settings.llm_model,
        http_allow_hosts=tuple(state.settings.http_allow_host_list),
        spread_seconds=state.settings.spread_round_hours,
    )


def task_service(request: Request, session: Any) -> TaskService:
    return TaskService(session, task_deps(request))


def task_id_of(request: Request) -> int:
    raw = str(request.path_params["task_id"])
    if not raw.isdigit() or len(raw) > 18:
        raise NotFound("task", raw)
    return int(raw)


@page
async def tasks_list(request: Request, visitor: Visitor) -> Response:
    q = request.query_params
    state_filter = q.get("state") if q.get("state") in STATES else None
    words = (q.get("q") or "").strip()[:200] or None
    offset = int(q["offset"]) if (q.get("offset") or "").isdigit() and len(q["offset"]) < 9 else 0
    async with unit_of_work(request) as s:
        found = await task_service(request, s).list(
            TaskFilter(state=state_filter, q=words), limit=PAGE_SIZE, offset=offset
        )
        tasks, total = found.items, found.total
        rows = await OverviewService(s, state_of(request).clock).task_rows(tasks)
    base = {k: v for k, v in (("state", state_filter), ("q", words)) if v}
    return render(
        request,
        "tasks.html",
        {
            "rows": rows,
            "total": total,
            "offset": offset,
            "page_size": PAGE_SIZE,
            "state_filter": state_filter or "",
            "q": words or "",
            "states": STATES,
            "prev_query": urlencode({**base, "offset": max(offset - PAGE_SIZE, 0)}) if offset else "",
            "next_query": urlencode({**base, "offset": offset + PAGE_SIZE}) if offset + PAGE_SIZE < total else "",
        },
        visitor=visitor,
    )


@page
async def tasks_bulk(request: Request, visitor: Visitor) -> Response:
    """Pause or resume every ticked task; completed tasks are left as they are."""
    form = posted(request)
    action = first(form, "action")
    ids = sorted({int(v) for v in form.get("task_id", []) if v.isdigit() and len(v) < 18})
    if action not in ("pause", "resume"):
        raise TaskRunnerError("Choose Pause or Resume.")
    if not ids:
        raise TaskRunnerError("Tick at least one task first.")
    async with unit_of_work(request) as s:
        service = task_service(request, s)
        for task_id in ids:
            try:
                await (service.pause if action == "pause" else service.resume)(task_id)
            except (Conflict, NotFound):
                continue  # completed or already deleted: nothing to change
    back = first(form, "back")
    return see_other(
        back if back.startswith("/ui/tasks") else "/ui/tasks", notice="paused" if action == "pause" else "resumed"
    )


def _why_at(raw: str, tz: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        return None
    return moment.replace(tzinfo=ZoneInfo(tz)) if moment.tzinfo is None else moment


@page
async def task_detail(request: Request, visitor: Visitor) -> Response:
    return await _task_page(request, visitor, task_id_of(request))


async def _task_page(
    request: Request,
    visitor: Visitor,
    task_id: int,
    *,
    errors: dict[str, str] | None = None,
    typed: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    """The task page; after a refused Run now or Pause, with the errors beside the fields and what was typed."""
    clock = state_of(request).clock
    why_raw = (request.query_params.get("why_at") or "").strip()
    async with unit_of_work(request) as s:
        service = OverviewService(s, clock)
        task = await task_service(request, s).get(task_id, next_runs=10)
        tz = ZoneInfo(task.timezone)
        fires = [(f, dst_change_on(f.scheduled_for.astimezone(tz).date(), tz)) for f in task.next_fires]
        recent = await service.recent_runs(task, 60)
        usage = await service.usage_by_day(task)
        spend = await ControlService(s, clock).spend(task.id)
        links = await _links(request, s, task)
        explanation = None
        why_error = None
        if why_raw:
            at = _why_at(why_raw, task.timezone)
            if at is None:
                why_error = "Give a date and time, e.g. 2026-11-23T09:00."
            else:
                try:
                    explanation = await ExecutionService(s, clock).explain(
                        task.id, since=at - WHY_WINDOW, until=at + WHY_WINDOW
                    )
                except ValidationFailed:
                    why_error = "That time is still to come; ask about a time that has passed."
    breaches = [r for r in recent if r.sla_breach]
    return render(
        request,
        "task.html",
        {
            "task": task,
            "schedule_words": task.schedule_description,
            "fires": fires,
            "recent": list(reversed(recent)),
            "usage": usage,
            "spend": spend,
            "breaches": breaches[:SLA_BREACHES_SHOWN],
            "breach_count": len(breaches),
            "recent_count": len(recent),
            "max_cost": max((d.cost_usd for d in usage), default=0.0),
            "max_runs": max((d.runs for d in usage), default=0),
            "why_at": why_raw or clock.now().astimezone(tz).replace(second=0, microsecond=0, tzinfo=None).isoformat(),
            "why_error": why_error,
            "explanation": explanation,
            "errors": errors or {},
            "typed": typed or {},
            **links,
        },
        visitor=visitor,
        status_code=status_code,
    )


async def _links(request: Request, s: Any, task: TaskView) -> dict[str, Any]:
    """What the task page links to: the tasks it runs after (by name), those that run after it, its template."""
    related = RelatedService(s)
    upstream_names = await related.task_names(u.task_id for u in task.after.tasks) if task.after else {}
    template = None
    if task.template_id is not None:
        try:
            template = await TemplateService(s, state_of(request).clock).get(task.template_id)
        except NotFound:
            template = None  # deleted in between: the task page still shows its params
    return {
        "upstream_names": upstream_names,
        "dependents": await related.dependents(task.id),
        "template": template,
    }


def _run_inputs(text: str) -> Any:
    """The Run now form's inputs: JSON text (empty: none); the service checks it is a small JSON object."""
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError as exc:
        raise ValidationFailed(f"The inputs are not valid JSON: {exc}.", details={"field": "inputs"}) from None


@page
async def task_action(request: Request, visitor: Visitor) -> Response:
    """Run now (with optional inputs and idempotency key), pause (with an optional note) or resume one task."""
    task_id = task_id_of(request)
    action = request.path_params["action"]
    form = posted(request)
    typed = {name: first(form, name) for name in ("inputs", "idempotency_key", "note")}
    try:
        async with unit_of_work(request) as s:
            service = task_service(request, s)
            if action == "run":
                execution = await service.run_now(
                    task_id, inputs=_run_inputs(typed["inputs"]), idempotency_key=typed["idempotency_key"] or None
                )
                execution_id = execution.id
            elif action == "pause":
                note = PauseNote.model_validate({"note": typed["note"] or None}).note
                await service.pause(task_id, note)
            elif action == "resume":
                await service.resume(task_id)
            else:
                raise NotFound("action", action)
    except ValidationError as exc:
        message = "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())
        return await _task_page(request, visitor, task_id, errors={"note": message}, typed=typed, status_code=422)
    except ValidationFailed as exc:
        field = "idempotency_key" if exc.details.get("field") == "idempotency_key" else "inputs"
        errors = {field: exc.message}
        return await _task_page(request, visitor, task_id, errors=errors, typed=typed, status_code=422)
    except Conflict as exc:
        if action != "run":
            raise
        return await _task_page(request, visitor, task_id, errors={"run": exc.message}, typed=typed, status_code=409)
    if action == "run":
        return see_other(f"/ui/runs/{execution_id}", notice="queued")
    return see_other(f"/ui/tasks/{task_id}", notice="paused" if action == "pause" else "resumed")


@page
async def task_delete(request: Request, visitor: Visitor) -> Response:
    """GET asks for confirmation; POST deletes the task and its records.

    While tasks run after it the delete is refused and the page lists them, offering to
    delete anyway (``force``), which removes this task from their ``after``.
    """
    task_id = task_id_of(request)
    force = request.method == "POST" and first(posted(request), "force") == "1"
    async with unit_of_work(request) as s:
        service = task_service(request, s)
        task = await service.get(task_id)
        dependents = await RelatedService(s).dependents(task_id)
        values = {"task": task, "dependents": dependents, "refused": None}
        if request.method == "GET":
            return render(request, "task_delete.html", values, visitor=visitor)
        try:
            await service.delete(task_id, force=force)
        except HasDependents as exc:
            await s.rollback()
            values["refused"] = exc.message
            return render(request, "task_delete.html", values, visitor=visitor, status_code=409)
    return see_other("/ui/tasks", notice="deleted")
