"""Chat use cases: take a user's message, run one assistant turn, store the conversation.

Every use case goes through services; the caller owns the transaction. A turn either completes (its messages and every
change its tools made are committed together) or raises, and the caller rolls
it all back; an unreachable LLM therefore changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import structlog

from app.chat.agent import Action, AgentLimits, run_turn
from app.chat.prompt import system_prompt
from app.chat.tools import ChatTools
from app.clip import clip_text, clip_value
from app.clock import Clock
from app.errors import LLMUnavailable
from app.llm.base import LLMClient
from app.redact import Redactor
from app.services.catalog import Services
from app.services.conversations import ConversationView, MessageView
from app.services.views import Page
from app.tools import Pending, ToolContext

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
    def __init__(self, services: Services, deps: ChatDeps) -> None:
        self.services = services
        self.deps = deps

    async def send(self, message: str, *, conversation_id: str | None = None, timezone: str | None = None) -> ChatTurn:
        """Answer ``message`` in a new or existing conversation; raises LLMUnavailable if the LLM is down."""
        if self.deps.llm is None:
            raise LLMUnavailable("No language model is configured for the assistant.")
        now = self.deps.clock.now()
        conversations = self.services.conversations
        title = Redactor(self.deps.secrets).text(message)
        conversation = await conversations.open(conversation_id, first_message=title, timezone=timezone)
        turn = conversation.turns + 1
        pending = Pending(action=conversation.pending_action)
        if pending.action is not None and int(pending.action.get("turn", 0)) < turn - 1:
            pending.action = None  # a confirmation is only good in the very next message
        history = await conversations.history(conversation.id, since_turn=max(1, turn - HISTORY_TURNS))
        user = {"role": "user", "content": message}
        messages = [
            {"role": "system", "content": system_prompt(now=now, timezone=conversation.timezone)},
            *(_replay(m) for m in history),
            user,
        ]
        tools = ChatTools(
            ToolContext(services=self.services, now=now, timezone=conversation.timezone, turn=turn, pending=pending)
        )
        outcome = await run_turn(
            self.deps.llm, model=self.deps.model, messages=messages, tools=tools, limits=self.deps.limits
        )
        if pending.action is not None and int(pending.action.get("turn", 0)) < turn:
            pending.action = None  # offered last turn, not confirmed in this one
        redact, limit = Redactor(self.deps.secrets), self.deps.message_max_chars
        stored = await conversations.finish_turn(
            conversation.id,
            turn=turn,
            messages=[clip_value(m, limit, redactor=redact) for m in [user, *outcome.messages]],
            pending_action=pending.action,
        )
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
            conversation_id=stored.id,
            reply=clip_text(outcome.reply, limit, redactor=redact),
            actions=outcome.actions,
            pending_action=stored.pending_action,
        )

    async def list(self, *, limit: int, offset: int) -> Page[ConversationView]:
        return await self.services.conversations.list(limit=limit, offset=offset)

    async def get(self, conversation_id: str) -> tuple[ConversationView, tuple[MessageView, ...]]:
        """A conversation with all its messages; NotFound when there is none with that id."""
        return await self.services.conversations.get(conversation_id)


def _replay(message: MessageView) -> dict[str, Any]:
    """A stored message as the model expects it."""
    out: dict[str, Any] = {"role": message.role, "content": message.content}
    if message.tool_calls:
        out["tool_calls"] = message.tool_calls
    if message.role == "tool":
        out["tool_call_id"] = message.tool_call_id
    return out
