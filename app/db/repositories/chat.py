"""Queries for chat: conversations and their messages.

Callers own the transaction (they commit), as with every repository.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.chat_models import ChatConversation, ChatMessage


class ChatRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, conversation_id: str, *, for_update: bool = False) -> ChatConversation | None:
        stmt = select(ChatConversation).where(ChatConversation.id == conversation_id)
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def add(self, conversation: ChatConversation) -> None:
        self.session.add(conversation)
        await self.session.flush()

    async def list(self, *, limit: int, offset: int) -> tuple[Sequence[ChatConversation], int]:
        """Conversations, most recently active first."""
        total = (await self.session.execute(select(func.count()).select_from(ChatConversation))).scalar_one()
        stmt = (
            select(ChatConversation)
            .order_by(ChatConversation.updated_at.desc(), ChatConversation.id)
            .limit(limit)
            .offset(offset)
        )
        return list((await self.session.execute(stmt)).scalars()), int(total)

    async def messages(self, conversation_id: str, *, since_turn: int = 0) -> Sequence[ChatMessage]:
        """The conversation's messages in order, from turn ``since_turn`` on."""
        stmt = (
            select(ChatMessage)
            .where(ChatMessage.conversation_id == conversation_id, ChatMessage.turn >= since_turn)
            .order_by(ChatMessage.index)
        )
        return list((await self.session.execute(stmt)).scalars())

    async def message_count(self, conversation_id: str) -> int:
        stmt = select(func.count()).select_from(ChatMessage).where(ChatMessage.conversation_id == conversation_id)
        return int((await self.session.execute(stmt)).scalar_one())

    async def add_messages(self, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            await self.session.execute(ChatMessage.__table__.insert(), list(rows))  # type: ignore[attr-defined]
