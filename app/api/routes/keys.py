"""API key endpoints: create (the key is shown once), list without secrets, revoke."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field

from app.api.auth import keys_changed
from app.api.deps import Session, State, UoW
from app.api.params import KeyId, Offset
from app.api.schemas import Page
from app.services.inputs import TextInput
from app.services.keys import KeyService, KeyView
from app.vocabulary import KeyScope

router = APIRouter(prefix="/api/keys", tags=["keys"])


class KeyCreate(TextInput):
    name: str = Field(min_length=1, max_length=100, description="Who or what uses the key.")
    scope: KeyScope = Field(
        default=KeyScope.FULL, description="`read_only` keys may only read (GET, and read tools over MCP)."
    )


class KeyOut(BaseModel):
    id: int
    name: str
    prefix: str = Field(description="The key's first characters, to recognise it.")
    scope: KeyScope
    created_at: datetime
    revoked_at: datetime | None

    @classmethod
    def of(cls, key: KeyView) -> KeyOut:
        return cls.model_validate(key, from_attributes=True)


class KeyCreated(KeyOut):
    key: str = Field(description="The secret key. It is shown only in this response.")


@router.post("", status_code=201)
async def create_key(body: KeyCreate, uow: UoW, state: State, request: Request) -> KeyCreated:
    created = await KeyService(uow.session, state.clock).create(body.name, scope=body.scope)
    await uow.commit()
    keys_changed(request.app)
    return KeyCreated(**KeyOut.of(created.key).model_dump(), key=created.secret)


@router.get("")
async def list_keys(
    s: Session,
    state: State,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Offset = 0,
) -> Page[KeyOut]:
    page = await KeyService(s, state.clock).list(limit=limit, offset=offset)
    return Page(items=[KeyOut.of(k) for k in page.items], total=page.total, limit=limit, offset=offset)


@router.delete("/{key_id}", status_code=204)
async def revoke_key(key_id: KeyId, uow: UoW, state: State, request: Request) -> Response:
    await KeyService(uow.session, state.clock).revoke(key_id)
    await uow.commit()
    keys_changed(request.app)
    return Response(status_code=204)
