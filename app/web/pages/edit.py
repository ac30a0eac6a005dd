"""New task and Edit: the form, its preview before saving, and errors beside the fields."""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import Response

from app.errors import NotFound, TaskRunnerError
from app.schedules.spec import CronSpec, IntervalSpec, OnceSpec
from app.services.functions import list_functions
from app.services.inputs import HTTP_METHODS, TaskCreate, TaskUpdate
from app.services.overview import OverviewService
from app.services.previews import Preview, available_tools, preview_schedule, preview_words
from app.services.related import RelatedService
from app.services.templates import TemplateService
from app.services.views import TaskView
from app.vocabulary import ConditionKind, DependencyMode, DependencyOn, TaskKind
from app.web.base import Visitor, page, posted, see_other, state_of, unit_of_work
from app.web.kind_form import after_rows, kind_values
from app.web.pages.tasks import task_deps, task_id_of, task_service
from app.web.render import render
from app.web.task_form import (
    DEFAULTS,
    FORM_ERROR,
    UNITS,
    TaskForm,
    control_values,
    controls_payload,
    create_payload,
    domain_error,
    options_payload,
    pydantic_errors,
    read_form,
    schedule_payload,
    what_payload,
)

TEMPLATE_CHOICES = 500  # templates offered in the form's menu, by name


async def _choices(request: Request, s: AsyncSession, form: TaskForm, *, task_id: int | None = None) -> dict[str, Any]:
    """What the form's menus offer: templates, registered functions, and tasks to run after (not itself)."""
    state = state_of(request)
    service = TemplateService(s, state.clock)
    templates = (await service.list(limit=TEMPLATE_CHOICES, offset=0)).items
    chosen_template = str(form.values["template"])
    if (
        chosen_template.isdigit()
        and len(chosen_template) < 19
        and int(chosen_template) not in {t.id for t in templates}
    ):
        # Beyond the menu's length: still offered, so saving never detaches the task by accident
        # (one that no longer exists is refused by the service beside the field).
        with suppress(NotFound):
            templates = (*templates, await service.get(int(chosen_template)))
    tasks = [(i, n) for i, n in await OverviewService(s, state.clock).task_choices() if i != task_id]
    offered = {i for i, _ in tasks}
    chosen = {int(r["task_id"]) for r in form.values["after"] if r["task_id"].isdigit() and len(r["task_id"]) < 19}
    if chosen - offered:  # an upstream beyond the menu's length still shows by name
        tasks += sorted((await RelatedService(s).task_names(chosen - offered)).items())
    return {
        "templates": templates,
        "functions": await list_functions(),
        "task_choices": tasks,
        "after_rows": after_rows(form.values),
        "vocab": VOCABULARY,
    }


# The menus' words, from the domain's vocabulary.
VOCABULARY = {
    "task_kinds": tuple(k.value for k in TaskKind),
    "http_methods": HTTP_METHODS,
    "conditions": tuple(k.value for k in ConditionKind),
    "dependency_on": tuple(o.value for o in DependencyOn),
    "dependency_modes": tuple(m.value for m in DependencyMode),
}


def _values(form: TaskForm, preview: Preview | None, choices: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "form": form.values,
        "errors": form.errors,
        "preview": preview,
        "tools": available_tools(),
        **choices,
        **extra,
    }


async def _new_page(
    request: Request, visitor: Visitor, form: TaskForm, preview: Preview | None, status: int
) -> Response:
    async with unit_of_work(request) as s:
        choices = await _choices(request, s, form)
    return render(request, "task_new.html", _values(form, preview, choices), visitor=visitor, status_code=status)


async def _preview(request: Request, form: TaskForm) -> Preview | None:
    """What the form's schedule would be, or None with the errors set on the form."""
    v = form.values
    try:
        if v["mode"] == "words":
            if not v["description"]:
                form.error("description", "Say what to do and when, e.g. “every weekday at 9am, summarise …”.")
                return None
            return await preview_words(v["description"], v["timezone"] or None, task_deps(request))
        raw = schedule_payload(form)
        if raw is None:
            return None
        spec: CronSpec | OnceSpec | IntervalSpec
        if raw["kind"] == "cron":
            spec = CronSpec.model_validate(raw)
        elif raw["kind"] == "once":
            spec = OnceSpec.model_validate(raw)
        else:
            spec = IntervalSpec.model_validate(raw)
        return preview_schedule(spec, now=state_of(request).clock.now())
    except ValidationError as exc:
        pydantic_errors(form, exc)
    except TaskRunnerError as exc:
        domain_error(form, exc, words=v["mode"] == "words")
    return None


@page
async def new_task(request: Request, visitor: Visitor) -> Response:
    """GET shows the empty form; POST previews (``action=preview``) or creates the task."""
    if request.method == "GET":
        return await _new_page(request, visitor, TaskForm(values=dict(DEFAULTS)), None, 200)
    form = read_form(posted(request))
    action = (posted(request).get("action") or ["create"])[0]
    if action == "preview":
        preview = await _preview(request, form)
        return await _new_page(request, visitor, form, preview, 200 if not form.errors else 422)
    payload = create_payload(form)
    if not form.errors:
        try:
            data = TaskCreate.model_validate(payload)
            async with unit_of_work(request) as s:
                task = await task_service(request, s).create(data)
                task_id = task.id
            return see_other(f"/ui/tasks/{task_id}", notice="created")
        except ValidationError as exc:
            pydantic_errors(form, exc, words=form.values["mode"] == "words")
        except TaskRunnerError as exc:
            domain_error(form, exc, words=form.values["mode"] == "words")
    return await _new_page(request, visitor, form, None, 422)


@page
async def preview_fragment(request: Request, visitor: Visitor) -> Response:
    """The preview panel alone, for the form's Preview button when JavaScript is on."""
    form = read_form(posted(request))
    preview = await _preview(request, form)
    return render(
        request, "_preview.html", {"form": form.values, "errors": form.errors, "preview": preview}, visitor=visitor
    )


def _form_of_task(task: TaskView) -> TaskForm:
    spec = task.schedule
    values = dict(DEFAULTS)
    values.update(
        mode="explicit",
        name=task.name,
        instructions=task.instructions,
        kind=spec.kind,
        timezone=task.timezone,
        missed_run_policy=task.missed_run_policy,
        model=task.model or "",
        max_steps=str(task.max_steps),
        timeout_seconds=str(task.timeout_seconds),
        max_retries=str(task.max_retries),
        tools=list(task.tools or []),
    )
    if isinstance(spec, CronSpec):
        values["cron"] = spec.cron
    elif isinstance(spec, OnceSpec):
        from zoneinfo import ZoneInfo

        values["at"] = spec.at.astimezone(ZoneInfo(task.timezone)).replace(tzinfo=None).isoformat(timespec="minutes")
    else:
        seconds = spec.every_seconds
        unit = next(u for u in ("days", "hours", "minutes", "seconds") if seconds % UNITS[u] == 0)
        values["every"], values["every_unit"] = str(seconds // UNITS[unit]), unit
    notify = task.notify or {}
    values.update(
        notify_webhook=notify.get("webhook_url") or "",
        notify_email=notify.get("email") or "",
        notify_on=notify.get("on") or "failure",
    )
    values.update(control_values(task))
    values.update(kind_values(task))
    return TaskForm(values=values)


def _schedule_changed(before: TaskForm, after: TaskForm) -> bool:
    keys = (
        "kind",
        "timezone",
        *{"cron": ("cron",), "once": ("at",), "interval": ("every", "every_unit")}.get(after.values["kind"], ()),
    )
    return any(str(before.values[k]) != str(after.values[k]) for k in keys)


@page
async def edit_task(request: Request, visitor: Visitor) -> Response:
    task_id = task_id_of(request)
    async with unit_of_work(request) as s:
        service = task_service(request, s)
        task = await service.get(task_id)
        current = _form_of_task(task)
        ref = {"id": task.id, "name": task.name}
        if request.method == "GET":
            choices = await _choices(request, s, current, task_id=task.id)
            return render(request, "task_edit.html", _values(current, None, choices, task=ref), visitor=visitor)
        form = read_form(posted(request))
        form.values["mode"] = "explicit"
        payload = options_payload(form)
        payload["name"] = form.values["name"] or None
        payload["instructions"] = form.values["instructions"] or None
        if form.values["controls_shown"]:  # a form without the section leaves the controls as they are
            payload |= controls_payload(form)
        if _schedule_changed(current, form):
            payload["schedule"] = schedule_payload(form)
        what_payload(form, payload, had_template=task.template_id is not None)
        if not form.errors:
            try:
                await service.update(task_id, TaskUpdate.model_validate(payload))
            except ValidationError as exc:
                pydantic_errors(form, exc)
            except TaskRunnerError as exc:
                domain_error(form, exc, words=False)
        if form.errors:
            await s.rollback()
            form.errors.setdefault(FORM_ERROR, "Nothing was saved; fix the fields marked below.")
            values = _values(form, None, await _choices(request, s, form, task_id=task_id), task=ref)
            return render(request, "task_edit.html", values, visitor=visitor, status_code=422)
    return see_other(f"/ui/tasks/{task_id}", notice="saved")
