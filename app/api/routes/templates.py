"""Prompt templates: thin handlers over :class:`app.services.templates.TemplateService`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response

from app.api.deps import Session, State
from app.api.params import Offset
from app.api.schemas import Page, TemplateOut
from app.services.inputs import TemplateCreate, TemplateUpdate
from app.services.templates import TemplateService

router = APIRouter(prefix="/api/templates", tags=["templates"])

TemplateRef = Annotated[
    str,
    Path(min_length=1, max_length=100, pattern=r"^[^\x00]+$", description="The template's id or name."),
]


def template_service(state: State, s: Session) -> TemplateService:
    return TemplateService(s, state.clock)


Templates = Annotated[TemplateService, Depends(template_service)]


@router.post("", status_code=201)
async def create_template(body: TemplateCreate, templates: Templates) -> TemplateOut:
    return TemplateOut.of(await templates.create(body))


@router.get("")
async def list_templates(
    templates: Templates, limit: Annotated[int, Query(ge=1, le=500)] = 50, offset: Offset = 0
) -> Page[TemplateOut]:
    page = await templates.list(limit=limit, offset=offset)
    return Page(items=[TemplateOut.of(t) for t in page.items], total=page.total, limit=limit, offset=offset)


@router.get("/{ref}")
async def get_template(ref: TemplateRef, templates: Templates) -> TemplateOut:
    return TemplateOut.of(await templates.get(ref))


@router.patch("/{ref}")
async def update_template(ref: TemplateRef, body: TemplateUpdate, templates: Templates) -> TemplateOut:
    return TemplateOut.of(await templates.update(ref, body))


@router.delete("/{ref}", status_code=204)
async def delete_template(
    ref: TemplateRef,
    templates: Templates,
    force: Annotated[bool, Query(description="Delete although tasks use it; they keep their instructions.")] = False,
) -> Response:
    await templates.delete(ref, force=force)
    return Response(status_code=204)
