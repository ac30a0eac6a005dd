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
from app.db.ops_models import ApiKey
from app.db.repositories.ops import ApiKeyRepository
from app.errors import NotFound
from app.security import generate_key
from app.services.inputs import TextInput

router = APIRouter(prefix="/api/keys", tags=["keys"])


class KeyCreate(TextInput):
    name: str = Field(min_length=1, max_length=100, description="Who or what uses the key.")


class KeyOut(BaseModel):
    id: int
    name: str
    prefix: str = Field(description="The key's first characters, to recognise it.")
    created_at: datetime
    revoked_at: datetime | None

    @classmethod
    def of(cls, key: ApiKey) -> KeyOut:
        return cls(id=key.id, name=key.name, prefix=key.prefix, created_at=key.created_at, revoked_at=key.revoked_at)


class KeyCreated(KeyOut):
    key: str = Field(description="The secret key. It is shown only in this response.")


@router.post("", status_code=201)
async def create_key(body: KeyCreate, uow: UoW, state: State, request: Request) -> KeyCreated:
    new = generate_key()
    repo = ApiKeyRepository(uow.session)
    row = await repo.add(name=body.name, prefix=new.prefix, key_hash=new.key_hash, now=state.clock.now())
    await uow.commit()
    keys_changed(request.app)
    return KeyCreated(**KeyOut.of(row).model_dump(), key=new.secret)


@router.get("")
async def list_keys(
    s: Session,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Offset = 0,
) -> Page[KeyOut]:
    rows, total = await ApiKeyRepository(s).list(limit=limit, offset=offset)
    return Page(items=[KeyOut.of(k) for k in rows], total=total, limit=limit, offset=offset)


@router.delete("/{key_id}", status_code=204)
async def revoke_key(key_id: KeyId, uow: UoW, state: State, request: Request) -> Response:
    if await ApiKeyRepository(uow.session).revoke(key_id, now=state.clock.now()) is None:
        raise NotFound("API key", key_id)
    await uow.commit()
    keys_changed(request.app)
    return Response(status_code=204)
