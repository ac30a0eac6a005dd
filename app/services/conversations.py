"""Chat conversations: open one, read its history, store a finished turn. The assistant itself is in app.chat."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.clock import Clock
from app.db.chat_models import ChatConversation, ChatMessage
from app.db.repositories.chat import ChatRepository
from app.errors import NotFound
from app.schedules.timezones import resolve_timezone
from app.services.views import Page

TITLE_CHARS = 80


@dataclass(frozen=True, kw_only=True)
class ConversationView:
    id: str
    title: str
    timezone: str
    turns: int
    pending_action: dict[str, Any] | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: ChatConversation) -> ConversationView:
        return cls(
            id=row.id,
            title=row.title,
            timezone=row.timezone,
            turns=row.turns,
            pending_action=dict(row.pending_action) if row.pending_action else None,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )


@dataclass(frozen=True, kw_only=True)
class MessageView:
    index: int
    turn: int
    role: str
    content: str | None
    tool_calls: list[dict[str, Any]] | None
    tool_call_id: str | None
    name: str | None
    created_at: datetime

    @classmethod
    def of(cls, row: ChatMessage) -> MessageView:
        return cls(
            index=row.index,
            turn=row.turn,
            role=row.role,
            content=row.content,
            tool_calls=row.tool_calls,
            tool_call_id=row.tool_call_id,
            name=row.name,
            created_at=row.created_at,
        )


class ConversationService:
    def __init__(self, session: AsyncSession, clock: Clock) -> None:
        self.repo = ChatRepository(session)
        self.session = session
        self.clock = clock

    async def open(self, conversation_id: str | None, *, first_message: str, timezone: str | None) -> ConversationView:
        """The conversation (locked for this turn), or a new one titled after ``first_message``.

        ``timezone`` must be an IANA zone name; it becomes the conversation's.
        """
        zone = resolve_timezone(timezone).key if timezone is not None else None
        now = self.clock.now()
        if conversation_id is not None:
            found = await self.repo.get(conversation_id, for_update=True)
            if found is None:
                raise NotFound("conversation", conversation_id)
            if zone is not None and found.timezone != zone:
                found.timezone = zone
                await self.session.flush()
            return ConversationView.of(found)
        title = " ".join(first_message.split())
        row = ChatConversation(
            id=uuid.uuid4().hex,
            title=title if len(title) <= TITLE_CHARS else title[: TITLE_CHARS - 1] + "…",
            timezone=zone or "UTC",
            turns=0,
            pending_action=None,
            created_at=now,
            updated_at=now,
        )
        await self.repo.add(row)
        return ConversationView.of(row)

    async def history(self, conversation_id: str, *, since_turn: int = 0) -> tuple[MessageView, ...]:
        return tuple(MessageView.of(m) for m in await self.repo.messages(conversation_id, since_turn=since_turn))

    async def finish_turn(
        self,
        conversation_id: str,
        *,
        turn: int,
        messages: Sequence[dict[str, Any]],
        pending_action: dict[str, Any] | None,
    ) -> ConversationView:
        """Store a turn's messages (OpenAI chat shape) and the action waiting for confirmation, if any."""
        row = await self.repo.get(conversation_id)
        if row is None:
            raise NotFound("conversation", conversation_id)
        now = self.clock.now()
        start = await self.repo.message_count(conversation_id)
        await self.repo.add_messages([_row(conversation_id, start + i, turn, m, now) for i, m in enumerate(messages)])
        row.turns = turn
        row.pending_action = pending_action
        row.updated_at = now
        await self.session.flush()
        return ConversationView.of(row)

    async def list(self, *, limit: int, offset: int) -> Page[ConversationView]:
        rows, total = await self.repo.list(limit=limit, offset=offset)
        return Page(items=tuple(ConversationView.of(c) for c in rows), total=total)

    async def get(self, conversation_id: str) -> tuple[ConversationView, tuple[MessageView, ...]]:
        """A conversation with all its messages; NotFound when there is none with that id."""
        row = await self.repo.get(conversation_id)
        if row is None:
            raise NotFound("conversation", conversation_id)
        return ConversationView.of(row), await self.history(conversation_id)


def _row(conversation_id: str, index: int, turn: int, message: dict[str, Any], now: datetime) -> dict[str, Any]:
    return {
        "conversation_id": conversation_id,
        "index": index,
        "turn": turn,
        "role": message["role"],
        "content": message.get("content"),
        "tool_calls": message.get("tool_calls"),
        "tool_call_id": message.get("tool_call_id"),
        "name": message.get("name"),
        "created_at": now,
    }
