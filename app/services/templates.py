"""Prompt templates: create, list, read, change and delete them.

A template's instructions hold ``{{placeholder}}`` names (:mod:`app.services.placeholders`);
agent tasks made from it fill them with their ``params``. Each task stores its filled
instructions, and a change of the template fills them again for every task made from
it, in the same transaction, so each task's next run uses the new text (and every
record keeps the exact text it ran with). A change that would leave a task with an
unfilled placeholder is refused (``missing_params``, naming the tasks); params for
placeholders the template no longer has are dropped. A template still in use is
deleted only with ``force``: its tasks keep their current instructions, detached.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.clock import Clock
from app.db.models import Task, TaskTemplate
from app.db.repositories.templates import TemplateRepository
from app.errors import Conflict, MissingParams, TemplateInUse, ValidationFailed
from app.services.events import TaskChanged
from app.services.inputs import TemplateCreate, TemplateUpdate
from app.services.placeholders import check_template, fill, value_problem
from app.services.task_kinds import resolve_template
from app.services.unit_of_work import record
from app.services.views import Page, TemplateView


class TemplateService:
    def __init__(self, session: AsyncSession, clock: Clock) -> None:
        self.session = session
        self.clock = clock
        self.templates = TemplateRepository(session)

    async def create(self, data: TemplateCreate) -> TemplateView:
        """Store a template; 409 ``conflict`` when the name is taken."""
        check_template(data.instructions)
        if await self.templates.by_name(data.name) is not None:
            raise Conflict(f"A template named {data.name!r} exists already.", details={"name": data.name})
        now = self.clock.now()
        template = TaskTemplate(
            name=data.name,
            instructions=data.instructions,
            description=data.description,
            created_at=now,
            updated_at=now,
        )
        await self.templates.add(template)
        return TemplateView.of(template)

    async def list(self, *, limit: int, offset: int) -> Page[TemplateView]:
        """Templates by name, each with the tasks made from it."""
        rows, total = await self.templates.list(limit=limit, offset=offset)
        usage = await self.templates.usage([t.id for t in rows])
        return Page(items=tuple(TemplateView.of(t, usage.get(t.id, ())) for t in rows), total=total)

    async def get(self, ref: int | str) -> TemplateView:
        """The template with this id or name."""
        template = await resolve_template(self.templates, ref, not_found=True)
        return await self._view(template)

    async def update(self, ref: int | str, data: TemplateUpdate) -> TemplateView:
        """Change fields; new instructions are filled in for every task made from the template."""
        template = await resolve_template(self.templates, ref, for_update=True, not_found=True)
        fields = data.model_fields_set
        for name in ("name", "instructions"):
            if name in fields and getattr(data, name) is None:
                raise ValidationFailed(f"`{name}` cannot be null")
        if data.name is not None and data.name != template.name:
            other = await self.templates.by_name(data.name)
            if other is not None:
                raise Conflict(f"A template named {data.name!r} exists already.", details={"name": data.name})
            template.name = data.name
        if "description" in fields:
            template.description = data.description
        now = self.clock.now()
        if data.instructions is not None and data.instructions != template.instructions:
            names = check_template(data.instructions)
            tasks = await self.templates.tasks_using(template.id, for_update=True)
            _refill(tasks, data.instructions, names, now, defaults=data.params or {})
            for task in tasks:
                record(self.session, TaskChanged(task_id=task.id))
            template.instructions = data.instructions
        template.updated_at = now
        await self.session.flush()
        return await self._view(template)

    async def delete(self, ref: int | str, *, force: bool = False) -> None:
        """Delete the template; 409 ``template_in_use`` naming its tasks unless ``force`` (they keep their text)."""
        template = await resolve_template(self.templates, ref, for_update=True, not_found=True)
        tasks = await self.templates.tasks_using(template.id, for_update=True)
        if tasks and not force:
            listed = ", ".join(f"{t.id} ({t.name})" for t in tasks[:20]) + (" ..." if len(tasks) > 20 else "")
            raise TemplateInUse(
                f"Template {template.name!r} is used by {len(tasks)} task(s): {listed}. Change or delete them "
                "first, or delete with force=true (they keep their current instructions, detached).",
                details={"template": template.name, "tasks": [{"id": t.id, "name": t.name} for t in tasks]},
            )
        now = self.clock.now()
        for task in tasks:
            task.template_id = task.params = None
            task.revision += 1
            task.updated_at = now
            record(self.session, TaskChanged(task_id=task.id))
        await self.session.flush()
        await self.templates.delete(template)

    async def _view(self, template: TaskTemplate) -> TemplateView:
        usage = await self.templates.usage([template.id])
        return TemplateView.of(template, usage.get(template.id, ()))


def _refill(
    tasks: Sequence[Task], instructions: str, names: tuple[str, ...], now: datetime, *, defaults: Mapping[str, str]
) -> None:
    """Fill ``instructions`` for each task (``defaults`` for values it lacks); refused, naming them, if any lack one."""
    for name, value in defaults.items():
        if name not in names:
            raise ValidationFailed(
                f"`params` gives {name!r}, which is not a placeholder of the new instructions",
                details={"unknown": [name], "placeholders": list(names)},
            )
        problem = value_problem(value)
        if problem:
            raise ValidationFailed(f"param `{name}` {problem}", details={"param": name})
    for task in tasks:
        task.params = {**defaults, **(task.params or {})}
    lacking: list[dict[str, Any]] = []
    for t in tasks:
        absent = [n for n in names if n not in (t.params or {})]
        if absent:
            lacking.append({"id": t.id, "name": t.name, "missing": absent})
    if lacking:
        missing = sorted({n for item in lacking for n in item["missing"]})
        named = ", ".join(f"task {item['id']} {item['name']!r}" for item in lacking[:5])
        more = f" and {len(lacking) - 5} more" if len(lacking) > 5 else ""
        raise MissingParams(
            f"{len(lacking)} task(s) made from this template have no value for: {', '.join(missing)} "
            f"({named}{more}). Give them `params` first, or keep the placeholders as they are.",
            details={"missing": missing, "tasks": lacking},
        )
    for task in tasks:
        params = {n: v for n, v in (task.params or {}).items() if n in names}
        task.params = params
        task.instructions = fill(instructions, params)
        task.revision += 1
        task.updated_at = now
