"""ORM models for chat: conversations and their messages, tool calls and tool results included.

A conversation may hold one ``pending_action`` (a delete waiting for the user's
confirmation in a later turn). Messages are stored in the OpenAI chat shape so
a conversation can be replayed to the model as it was.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db.models import Base, BigId
from app.db.types import UTCDateTime


class ChatConversation(Base):
    __tablename__ = "chat_conversations"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # uuid4 hex
    title: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))  # the user's, for "today", "last night"
    turns: Mapped[int] = mapped_column(Integer, default=0)  # user messages so far
    pending_action: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class ChatMessage(Base):
    __tablename__ = "chat_messages"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(String(32), ForeignKey("chat_conversations.id", ondelete="CASCADE"))
    index: Mapped[int] = mapped_column(Integer)
    turn: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(16))  # user | assistant | tool
    content: Mapped[str | None] = mapped_column(Text)
    tool_calls: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)  # assistant: calls it made
    tool_call_id: Mapped[str | None] = mapped_column(String(200))  # tool: which call this answers
    name: Mapped[str | None] = mapped_column(String(100))  # tool: its name
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("conversation_id", "index"), {"sqlite_autoincrement": True})
