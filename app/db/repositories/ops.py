"""Queries for operating the service: API keys, notification deliveries and record retention.

Callers own the transaction (they commit), as with every repository.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, func, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.chat_models import ChatConversation, ChatMessage
from app.db.models import ACTIVE_STATUSES, Execution, ExecutionStep
from app.db.ops_models import ApiKey, NotificationDelivery
from app.vocabulary import KeyScope


class ApiKeyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(
        self, *, name: str, prefix: str, key_hash: str, now: datetime, scope: KeyScope = KeyScope.FULL
    ) -> ApiKey:
        key = ApiKey(name=name, prefix=prefix, key_hash=key_hash, created_at=now, revoked_at=None, scope=scope)
        self.session.add(key)
        await self.session.flush()
        return key

    async def list(self, *, limit: int, offset: int) -> tuple[Sequence[ApiKey], int]:
        """Every key, revoked ones included, oldest first; and how many there are."""
        total = (await self.session.execute(select(func.count()).select_from(ApiKey))).scalar_one()
        rows = await self.session.execute(select(ApiKey).order_by(ApiKey.id).limit(limit).offset(offset))
        return list(rows.scalars()), int(total)

    async def revoke(self, key_id: int, *, now: datetime) -> ApiKey | None:
        """Mark the key revoked (kept if already revoked); None when there is no such key."""
        key = await self.session.get(ApiKey, key_id)
        if key is not None and key.revoked_at is None:
            key.revoked_at = now
            await self.session.flush()
        return key

    async def active_hashes(self) -> Sequence[str]:
        """The hashes of every key not revoked."""
        rows = await self.session.execute(select(ApiKey.key_hash).where(ApiKey.revoked_at.is_(None)))
        return [str(h) for h in rows.scalars()]

    async def active_scopes(self) -> dict[str, KeyScope]:
        """The hash of every key not revoked, with what that key may do."""
        rows = await self.session.execute(select(ApiKey.key_hash, ApiKey.scope).where(ApiKey.revoked_at.is_(None)))
        return {str(r[0]): KeyScope(r[1]) for r in rows.all()}


class DeliveryRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add_many(self, rows: Sequence[dict[str, Any]]) -> None:
        """Insert delivery attempts (columns of :class:`NotificationDelivery`, without ``id``)."""
        if rows:
            await self.session.execute(insert(NotificationDelivery), list(rows))

    async def for_execution(self, execution_id: int) -> Sequence[NotificationDelivery]:
        stmt = (
            select(NotificationDelivery)
            .where(NotificationDelivery.execution_id == execution_id)
            .order_by(NotificationDelivery.id)
        )
        return list((await self.session.execute(stmt)).scalars())


class RetentionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def expired_ids(
        self,
        *,
        before: datetime,
        failed_statuses: Sequence[str] = (),
        failed_before: datetime | None = None,
        limit: int,
    ) -> list[int]:
        """Ids of finished records scheduled before ``before`` (``failed_before`` for failed ones).

        Queued and running records are never returned, whatever their age.
        """
        finished = Execution.status.not_in(ACTIVE_STATUSES)
        if failed_before is None or not failed_statuses:
            age = Execution.scheduled_for < before
        else:
            age = or_(
                and_(Execution.status.in_(failed_statuses), Execution.scheduled_for < failed_before),
                and_(Execution.status.not_in(failed_statuses), Execution.scheduled_for < before),
            )
        stmt = select(Execution.id).where(finished, age).order_by(Execution.id).limit(limit)
        return [int(i) for i in (await self.session.execute(stmt)).scalars()]

    async def delete_executions(self, ids: Sequence[int]) -> int:
        """Delete these records with their steps and deliveries; returns how many records went."""
        if not ids:
            return 0
        # Children first and explicitly: no reliance on SQLite's foreign_keys pragma being on.
        await self.session.execute(delete(ExecutionStep).where(ExecutionStep.execution_id.in_(ids)))
        await self.session.execute(delete(NotificationDelivery).where(NotificationDelivery.execution_id.in_(ids)))
        # Re-check the status: a row cannot have become active again, but be sure never to drop one.
        result = await self.session.execute(
            delete(Execution)
            .where(Execution.id.in_(ids), Execution.status.not_in(ACTIVE_STATUSES))
            .execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def expired_conversation_ids(self, *, before: datetime, limit: int) -> list[str]:
        """Ids of chat conversations whose last activity was before ``before``."""
        stmt = (
            select(ChatConversation.id)
            .where(ChatConversation.updated_at < before)
            .order_by(ChatConversation.updated_at, ChatConversation.id)
            .limit(limit)
        )
        return [str(i) for i in (await self.session.execute(stmt)).scalars()]

    async def delete_conversations(self, ids: Sequence[str]) -> int:
        """Delete these conversations with their messages; returns how many conversations went."""
        if not ids:
            return 0
        await self.session.execute(delete(ChatMessage).where(ChatMessage.conversation_id.in_(ids)))
        result = await self.session.execute(
            delete(ChatConversation).where(ChatConversation.id.in_(ids)).execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0) or 0)


__all__ = ["ApiKeyRepository", "DeliveryRepository", "RetentionRepository"]
