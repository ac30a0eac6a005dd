"""Chat use cases: take a user's message, run one assistant turn, store the conversation.

The caller owns the transaction. A turn either completes (its messages and every
change its tools made are committed together) or raises, and the caller rolls
it all back; an unreachable LLM therefore changes nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from app.chat.agent import Action, AgentLimits, run_turn
from app.chat.prompt import system_prompt
from app.chat.repository import ChatRepository
from app.chat.tools import ChatTools, ToolContext
from app.clock import Clock
from app.db.chat_models import ChatConversation, ChatMessage
from app.errors import InvalidTimezone, LLMUnavailable, NotFound
from app.llm.base import LLMClient
from app.runner.clip import clip_text, clip_value
from app.runner.redact import Redactor
from app.services.tasks import TaskDeps, TaskService

log = structlog.get_logger("taskrunner.chat")

# Turns of history replayed to the model; each turn starts with a user message, so
# cutting between turns never separates a tool call from its result.
HISTORY_TURNS = 10


@dataclass(frozen=True, kw_only=True)
class ChatDeps:
    clock: Clock
    llm: LLMClient | None
    model: str | None
    limits: AgentLimits = field(default_factory=AgentLimits)
    message_max_chars: int = 32_000  # each stored message (and the reply) is cut, visibly, past this
    secrets: tuple[str, ...] = ()  # literal values never stored or shown (the LLM API key...)


@dataclass(frozen=True, kw_only=True)
class ChatTurn:
    conversation_id: str
    reply: str
    actions: list[Action]
    pending_action: dict[str, Any] | None


class ChatService:
    def __init__(self, session: AsyncSession, deps: ChatDeps) -> None:
        self.session = session
        self.deps = deps
        self.repo = ChatRepository(session)

    async def send(self, message: str, *, conversation_id: str | None = None, timezone: str | None = None) -> ChatTurn:
        """Answer ``message`` in a new or existing conversation; raises LLMUnavailable if the LLM is down."""
        if self.deps.llm is None:
            raise LLMUnavailable("No language model is configured for the assistant.")
        now = self.deps.clock.now()
        conversation = await self._conversation(conversation_id, message, timezone, now)
        turn = conversation.turns + 1
        pending = conversation.pending_action
        if pending is not None and int(pending.get("turn", 0)) < turn - 1:
            conversation.pending_action = None  # a confirmation is only good in the very next message
        history = await self.repo.messages(conversation.id, since_turn=max(1, turn - HISTORY_TURNS))
        user = {"role": "user", "content": message}
        messages = [
            {"role": "system", "content": system_prompt(now=now, timezone=conversation.timezone)},
            *(_replay(m) for m in history),
            user,
        ]
        tasks = TaskService(self.session, TaskDeps(clock=self.deps.clock, llm=self.deps.llm, llm_model=self.deps.model))
        tools = ChatTools(
            ToolContext(
                session=self.session,
                tasks=tasks,
                conversation=conversation,
                turn=turn,
                now=now,
                timezone=conversation.timezone,
            )
        )
        outcome = await run_turn(
            self.deps.llm, model=self.deps.model, messages=messages, tools=tools, limits=self.deps.limits
        )
        pending = conversation.pending_action
        if pending is not None and int(pending.get("turn", 0)) < turn:
            conversation.pending_action = None  # offered last turn, not confirmed in this one
        start = await self.repo.message_count(conversation.id)
        redact, limit = Redactor(self.deps.secrets), self.deps.message_max_chars
        await self.repo.add_messages(
            [
                _row(conversation.id, start + i, turn, clip_value(m, limit, redactor=redact), now)
                for i, m in enumerate([user, *outcome.messages])
            ]
        )
        conversation.turns = turn
        conversation.updated_at = now
        await self.session.flush()
        log.info(
            "chat.turn",
            conversation_id=conversation.id,
            turn=turn,
            tools=[a.tool for a in outcome.actions],
            finished=outcome.finished,
            prompt_tokens=outcome.prompt_tokens,
            completion_tokens=outcome.completion_tokens,
        )
        return ChatTurn(
            conversation_id=conversation.id,
            reply=clip_text(outcome.reply, limit, redactor=redact),
            actions=outcome.actions,
            pending_action=conversation.pending_action,
        )

    async def list(self, *, limit: int, offset: int) -> tuple[Sequence[ChatConversation], int]:
        return await self.repo.list(limit=limit, offset=offset)

    async def get(self, conversation_id: str) -> tuple[ChatConversation, Sequence[ChatMessage]]:
        """A conversation with all its messages; NotFound when there is none with that id."""
        conversation = await self.repo.get(conversation_id)
        if conversation is None:
            raise NotFound("conversation", conversation_id)
        return conversation, await self.repo.messages(conversation_id)

    async def _conversation(
        self, conversation_id: str | None, message: str, timezone: str | None, now: datetime
    ) -> ChatConversation:
        if timezone is not None:
            _check_timezone(timezone)
        if conversation_id is not None:
            found = await self.repo.get(conversation_id, for_update=True)
            if found is None:
                raise NotFound("conversation", conversation_id)
            if timezone is not None:
                found.timezone = timezone
            return found
        title = Redactor(self.deps.secrets).text(" ".join(message.split()))
        conversation = ChatConversation(
            id=uuid.uuid4().hex,
            title=title if len(title) <= 80 else title[:79] + "…",
            timezone=timezone or "UTC",
            turns=0,
            pending_action=None,
            created_at=now,
            updated_at=now,
        )
        await self.repo.add(conversation)
        return conversation


def _check_timezone(name: str) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidTimezone(name, []) from exc


def _replay(message: ChatMessage) -> dict[str, Any]:
    """A stored message as the model expects it."""
    out: dict[str, Any] = {"role": message.role, "content": message.content}
    if message.tool_calls:
        out["tool_calls"] = message.tool_calls
    if message.role == "tool":
        out["tool_call_id"] = message.tool_call_id
    return out


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
