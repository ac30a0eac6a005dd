"""API key endpoints: create (the key is shown once), list without secrets, revoke."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field

from app.api.auth import keys_changed
from app.api.deps import Session, State
from app.api.schemas import Page
from app.services.keys import KeyService, KeyView
from app.vocabulary import KeyScope

router = APIRouter(prefix="/api/keys", tags=["keys"])


class KeyCreate(BaseModel):
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
        return cls(
            id=key.id,
            name=key.name,
            prefix=key.prefix,
            scope=key.scope,
            created_at=key.created_at,
            revoked_at=key.revoked_at,
        )


class KeyCreated(KeyOut):
    key: str = Field(description="The secret key. It is shown only in this response.")


@router.post("", status_code=201)
async def create_key(body: KeyCreate, s: Session, state: State, request: Request) -> KeyCreated:
    created = await KeyService(s, state.clock).create(body.name, scope=body.scope)
    await s.commit()
    keys_changed(request.app)
    return KeyCreated(**KeyOut.of(created.key).model_dump(), key=created.secret)


@router.get("")
async def list_keys(
    s: Session,
    state: State,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Page[KeyOut]:
    page = await KeyService(s, state.clock).list(limit=limit, offset=offset)
    return Page(items=[KeyOut.of(k) for k in page.items], total=page.total, limit=limit, offset=offset)


@router.delete("/{key_id}", status_code=204)
async def revoke_key(key_id: int, s: Session, state: State, request: Request) -> Response:
    await KeyService(s, state.clock).revoke(key_id)
    await s.commit()
    keys_changed(request.app)
    return Response(status_code=204)
