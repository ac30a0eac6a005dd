"""What a task does, by kind: checking and storing the fields of agent, http and function tasks.

Shared by creating and changing tasks (:mod:`app.services.tasks`) and by templates
(:mod:`app.services.templates`). Secret request headers are never answered back:
views show ``[REDACTED]``, and a change that sends ``[REDACTED]`` for a header keeps
the stored value, so a task read, edited and written back keeps its secrets.
"""

from __future__ import annotations

from typing import Any

from app.db.models import Task, TaskTemplate
from app.db.repositories.templates import TemplateRepository
from app.errors import NotFound, UnknownFunction, UnknownTemplate, ValidationFailed
from app.redact import REDACTED
from app.runner.functions import registered_names
from app.services.inputs import HttpSpec
from app.services.placeholders import check_params, fill, placeholders


def check_function(name: str) -> str:
    """``name`` if an installed package registers it; :class:`UnknownFunction` listing the known ones."""
    known = registered_names()
    if name not in known:
        raise UnknownFunction(name, known)
    return name


async def resolve_template(
    repo: TemplateRepository, ref: int | str, *, for_update: bool = False, not_found: bool = False
) -> TaskTemplate:
    """The template with id ``ref`` (an integer, or a string of digits) or named ``ref``.

    None such: :class:`UnknownTemplate` (a reference in a body, 422), or with ``not_found``
    :class:`NotFound` (the resource a path names, 404).
    """
    template = None
    if isinstance(ref, int) or (ref.isascii() and ref.isdigit()):
        number = int(ref)
        template = await repo.get(number, for_update=for_update) if 0 < number < 2**63 else None
    else:
        template = await repo.by_name(ref, for_update=for_update)
    if template is None and not_found:
        raise NotFound("template", ref)
    if template is None:
        raise UnknownTemplate(
            f"No template {ref!r}: give an existing template's id or name (GET /api/templates).",
            details={"template": str(ref)},
        )
    return template


def apply_template(task: Task, template: TaskTemplate, params: dict[str, Any]) -> None:
    """Make ``task`` run ``template`` filled with ``params`` (all placeholders filled, none unknown)."""
    checked = check_params(placeholders(template.instructions), params)
    task.template_id = template.id
    task.params = checked
    task.instructions = fill(template.instructions, checked)


def stored_http(spec: HttpSpec, current: dict[str, Any] | None) -> dict[str, Any]:
    """The request to store; a header sent as ``[REDACTED]`` keeps its stored value."""
    data = spec.model_dump(mode="json")
    stored = {k.lower(): v for k, v in ((current or {}).get("headers") or {}).items()}
    headers: dict[str, str] = {}
    for name, value in data["headers"].items():
        if value == REDACTED:
            if name.lower() not in stored:
                raise ValidationFailed(
                    f"header {name!r} is {REDACTED}: give its value (secrets are never shown, so an export "
                    "or a task read back holds this marker instead)",
                    details={"header": name},
                )
            value = stored[name.lower()]
        headers[name] = value
    data["headers"] = headers
    return data
