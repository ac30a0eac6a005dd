"""Export and import tasks as portable definitions (JSON or YAML), idempotent by name."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

import yaml
from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ValidationError

from app.api.deps import Tasks
from app.errors import ValidationFailed
from app.services.task_bundles import TaskBundleIn, TaskBundles

# Registered before the task routes, so /api/tasks/export is not read as a task id.
router = APIRouter(prefix="/api/tasks", tags=["tasks"])

YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml")


class TaskBundleOut(BaseModel):
    version: int
    tasks: list[dict[str, Any]]


class ImportItemOut(BaseModel):
    name: str
    action: Literal["create", "update", "unchanged"]
    changes: list[str]
    id: int | None


class ImportReportOut(BaseModel):
    dry_run: bool
    created: int
    updated: int
    unchanged: int
    items: list[ImportItemOut]


@router.get(
    "/export",
    response_model=TaskBundleOut,
    responses={200: {"content": {"application/yaml": {"schema": {"$ref": "#/components/schemas/TaskBundleOut"}}}}},
)
async def export_tasks(
    tasks: Tasks,
    include_completed: Annotated[bool, Query(alias="all")] = False,
    format: Literal["json", "yaml"] = "json",
) -> Any:
    bundle = await TaskBundles(tasks).export(include_completed=include_completed)
    if format == "yaml":
        text = yaml.safe_dump(bundle, sort_keys=False, allow_unicode=True)
        return Response(text, media_type="application/yaml")
    return bundle


@router.post(
    "/import",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/TaskBundleOut"}},
                "application/yaml": {"schema": {"$ref": "#/components/schemas/TaskBundleOut"}},
            },
        }
    },
)
async def import_tasks(request: Request, tasks: Tasks, dry_run: bool = False) -> ImportReportOut:
    bundle = _bundle(await request.body(), request.headers.get("content-type", ""))
    report = await TaskBundles(tasks).import_(bundle, dry_run=dry_run)
    return ImportReportOut(
        dry_run=report.dry_run,
        created=report.count("create"),
        updated=report.count("update"),
        unchanged=report.count("unchanged"),
        items=[ImportItemOut(name=i.name, action=i.action, changes=i.changes, id=i.id) for i in report.items],
    )


def _bundle(body: bytes, content_type: str) -> TaskBundleIn:
    media = content_type.split(";")[0].strip().lower()
    try:
        data = yaml.safe_load(body) if media in YAML_TYPES else json.loads(body)
    except (yaml.YAMLError, ValueError) as exc:
        kind = "YAML" if media in YAML_TYPES else "JSON"
        raise ValidationFailed(f"The body is not valid {kind}: {str(exc).splitlines()[0]}") from None
    if isinstance(data, list):
        data = {"tasks": data}
    if not isinstance(data, dict):
        raise ValidationFailed("Send a bundle: {'version': 1, 'tasks': [...]} (or a list of task definitions).")
    try:
        return TaskBundleIn.model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())) from None
