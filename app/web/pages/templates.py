"""Prompt templates (docs/task-kinds.md): the list with the tasks using each, create, change and delete.

Everything goes through :class:`app.services.templates.TemplateService`; its errors are shown
beside the field they are about, with what was typed kept.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import Response

from app.errors import Conflict, NotFound, TaskRunnerError, TemplateInUse
from app.services.inputs import TemplateCreate, TemplateUpdate
from app.services.related import RelatedService
from app.services.templates import TemplateService
from app.services.views import TemplateView
from app.web.base import Visitor, first, page, posted, see_other, state_of, unit_of_work
from app.web.kind_form import parse_pairs
from app.web.render import render

PAGE_SIZE = 50
TASKS_SHOWN = 10  # tasks named per template in the list; the rest are counted
FIELDS = ("name", "description", "instructions", "params")


def template_id_of(request: Request) -> int:
    raw = str(request.path_params["template_id"])
    if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
        raise NotFound("template", raw)
    return int(raw)


def _service(request: Request, s: Any) -> TemplateService:
    return TemplateService(s, state_of(request).clock)


def _typed(form: dict[str, list[str]]) -> dict[str, str]:
    """The form as typed: instructions and params keep their lines."""
    return {
        name: (form.get(name) or [""])[0] if name in ("instructions", "params") else first(form, name)
        for name in FIELDS
    }


def _errors_of(exc: ValidationError) -> dict[str, str]:
    out: dict[str, str] = {}
    for err in exc.errors():
        name = str(err["loc"][0]) if err["loc"] else "_form"
        out.setdefault(name if name in FIELDS else "_form", str(err["msg"]).removeprefix("Value error, "))
    return out


def _field_of(exc: TaskRunnerError) -> str:
    """The field a service's refusal is about."""
    if isinstance(exc, Conflict) or "name" in exc.details:
        return "name"
    if "near" in exc.details:
        return "instructions"
    if {"missing", "unknown", "param"} & set(exc.details):
        return "params"
    return "_form"


async def _names(s: Any, templates: tuple[TemplateView, ...]) -> dict[int, str]:
    ids = {i for t in templates for i in t.task_ids[:TASKS_SHOWN]}
    return await RelatedService(s).task_names(ids)


@page
async def templates_list(request: Request, visitor: Visitor) -> Response:
    """GET lists the templates; POST creates one."""
    typed = {name: "" for name in FIELDS}
    errors: dict[str, str] = {}
    if request.method == "POST":
        typed = _typed(posted(request))
        try:
            data = TemplateCreate.model_validate(
                {
                    "name": typed["name"],
                    "instructions": typed["instructions"],
                    "description": typed["description"] or None,
                }
            )
            async with unit_of_work(request) as s:
                created = await _service(request, s).create(data)
            return see_other(f"/ui/templates/{created.id}", notice="template_created")
        except ValidationError as exc:
            errors = _errors_of(exc)
        except TaskRunnerError as exc:
            errors = {_field_of(exc): exc.message}
    q = request.query_params
    offset = int(q["offset"]) if (q.get("offset") or "").isdigit() and len(q["offset"]) < 9 else 0
    async with unit_of_work(request) as s:
        found = await _service(request, s).list(limit=PAGE_SIZE, offset=offset)
        names = await _names(s, found.items)
    return render(
        request,
        "templates.html",
        {
            "templates": found.items,
            "total": found.total,
            "offset": offset,
            "page_size": PAGE_SIZE,
            "names": names,
            "shown": TASKS_SHOWN,
            "typed": typed,
            "errors": errors,
        },
        visitor=visitor,
        status_code=422 if errors else 200,
    )


async def _template_page(
    request: Request,
    visitor: Visitor,
    template_id: int,
    *,
    typed: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    refused: TemplateInUse | None = None,
    status_code: int = 200,
) -> Response:
    async with unit_of_work(request) as s:
        template = await _service(request, s).get(template_id)
        names = await RelatedService(s).task_names(template.task_ids)
    shown = typed or {
        "name": template.name,
        "description": template.description or "",
        "instructions": template.instructions,
        "params": "",
    }
    return render(
        request,
        "template.html",
        {
            "template": template,
            "names": names,
            "typed": shown,
            "errors": errors or {},
            "refused": refused.message if refused else None,
        },
        visitor=visitor,
        status_code=status_code,
    )


@page
async def template_detail(request: Request, visitor: Visitor) -> Response:
    """GET shows the template, its tasks and the form to change it; POST changes it."""
    template_id = template_id_of(request)
    if request.method == "GET":
        return await _template_page(request, visitor, template_id)
    typed = _typed(posted(request))
    params, problem = parse_pairs(typed["params"], "=", "name=value")
    errors: dict[str, str] = {"params": problem} if problem else {}
    if not errors:
        try:
            body: dict[str, Any] = {
                "name": typed["name"],
                "instructions": typed["instructions"],
                "description": typed["description"] or None,
            }
            if params:
                body["params"] = params
            data = TemplateUpdate.model_validate(body)
            async with unit_of_work(request) as s:
                await _service(request, s).update(template_id, data)
            return see_other(f"/ui/templates/{template_id}", notice="template_saved")
        except ValidationError as exc:
            errors = _errors_of(exc)
        except NotFound:
            raise
        except TaskRunnerError as exc:
            errors = {_field_of(exc): exc.message}
    return await _template_page(request, visitor, template_id, typed=typed, errors=errors, status_code=422)


@page
async def template_delete(request: Request, visitor: Visitor) -> Response:
    """Delete the template; while tasks use it, refused with them listed and ``force`` offered."""
    template_id = template_id_of(request)
    force = first(posted(request), "force") == "1"
    try:
        async with unit_of_work(request) as s:
            await _service(request, s).delete(template_id, force=force)
    except TemplateInUse as exc:
        return await _template_page(request, visitor, template_id, refused=exc, status_code=409)
    return see_other("/ui/templates", notice="template_deleted")
