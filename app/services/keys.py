"""API key use cases: create (the secret is shown once), list without secrets, revoke; and the scopes in force."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.clock import Clock
from app.db.ops_models import ApiKey
from app.db.repositories.ops import ApiKeyRepository
from app.errors import NotFound
from app.security import generate_key
from app.services.views import Page
from app.vocabulary import KeyScope


@dataclass(frozen=True, kw_only=True)
class KeyView:
    id: int
    name: str
    prefix: str
    scope: KeyScope
    created_at: datetime
    revoked_at: datetime | None

    @classmethod
    def of(cls, key: ApiKey) -> KeyView:
        return cls(
            id=key.id,
            name=key.name,
            prefix=key.prefix,
            scope=KeyScope(key.scope),
            created_at=key.created_at,
            revoked_at=key.revoked_at,
        )


@dataclass(frozen=True, kw_only=True)
class CreatedKey:
    key: KeyView
    secret: str  # shown once, never stored


class KeyService:
    def __init__(self, session: AsyncSession, clock: Clock) -> None:
        self.keys = ApiKeyRepository(session)
        self.clock = clock

    async def create(self, name: str, *, scope: KeyScope = KeyScope.FULL) -> CreatedKey:
        new = generate_key()
        row = await self.keys.add(
            name=name, prefix=new.prefix, key_hash=new.key_hash, now=self.clock.now(), scope=scope
        )
        return CreatedKey(key=KeyView.of(row), secret=new.secret)

    async def list(self, *, limit: int, offset: int) -> Page[KeyView]:
        rows, total = await self.keys.list(limit=limit, offset=offset)
        return Page(items=tuple(KeyView.of(k) for k in rows), total=total)

    async def revoke(self, key_id: int) -> KeyView:
        """Revoke the key (kept if already revoked); NotFound when there is none."""
        row = await self.keys.revoke(key_id, now=self.clock.now())
        if row is None:
            raise NotFound("API key", key_id)
        return KeyView.of(row)


async def stored_key_scopes(sessions: async_sessionmaker[AsyncSession]) -> dict[str, KeyScope]:
    """The hash of every key not revoked with its scope (read in a short transaction of its own)."""
    async with sessions() as session:
        return await ApiKeyRepository(session).active_scopes()
