"""Chat endpoints: talk to the assistant, and read conversations back."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from app.api.deps import Session, State
from app.api.params import ConversationId, Offset
from app.api.schemas import Page
from app.chat.agent import AgentLimits
from app.chat.service import ChatDeps, ChatService
from app.redact import configured_secrets
from app.services.catalog import ServiceDeps, Services
from app.services.inputs import TextInput

router = APIRouter(prefix="/api/chat", tags=["chat"])

MAX_STEPS_PER_TURN = 8
MAX_CALL_SECONDS = 60.0


class ChatIn(TextInput):
    message: str = Field(min_length=1, max_length=4000)
    conversation_id: str | None = Field(default=None, max_length=32)
    timezone: str | None = Field(
        default=None, max_length=64, description="The user's IANA timezone (kept for the conversation)."
    )


class ActionOut(BaseModel):
    tool: str
    arguments: dict[str, Any]
    result: dict[str, Any]


class ChatOut(BaseModel):
    conversation_id: str
    reply: str
    actions: list[ActionOut]
    pending_action: dict[str, Any] | None = None


class ConversationOut(BaseModel):
    id: str
    title: str
    timezone: str
    turns: int
    pending_action: dict[str, Any] | None
    created_at: datetime
    updated_at: datetime


class MessageOut(BaseModel):
    index: int
    turn: int
    role: str
    content: str | None
    tool_calls: list[dict[str, Any]] | None
    tool_call_id: str | None
    name: str | None
    created_at: datetime


class ConversationDetailOut(ConversationOut):
    messages: list[MessageOut]


def _service(state: State, session: Session) -> ChatService:
    limits = AgentLimits(
        max_steps=MAX_STEPS_PER_TURN,
        call_timeout_seconds=min(MAX_CALL_SECONDS, state.settings.llm_call_timeout_seconds),
    )
    deps = ChatDeps(
        clock=state.clock,
        llm=state.llm,
        model=state.settings.llm_model,
        limits=limits,
        message_max_chars=state.settings.chat_message_max_chars,
        secrets=configured_secrets(state.settings),
    )
    service_deps = ServiceDeps(
        clock=state.clock,
        llm=state.llm,
        llm_model=state.settings.llm_model,
        http_allow_hosts=tuple(state.settings.http_allow_host_list),
    )
    services = Services(session, service_deps)
    return ChatService(services, deps)


@router.post("")
async def chat(body: ChatIn, state: State, session: Session) -> ChatOut:
    turn = await _service(state, session).send(
        body.message, conversation_id=body.conversation_id, timezone=body.timezone
    )
    return ChatOut(
        conversation_id=turn.conversation_id,
        reply=turn.reply,
        actions=[ActionOut(**a.as_dict()) for a in turn.actions],
        pending_action=turn.pending_action,
    )


@router.get("/conversations")
async def list_conversations(
    state: State,
    session: Session,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Offset = 0,
) -> Page[ConversationOut]:
    page = await _service(state, session).list(limit=limit, offset=offset)
    return Page(
        items=[ConversationOut.model_validate(c, from_attributes=True) for c in page.items],
        total=page.total,
        limit=limit,
        offset=offset,
    )


@router.get("/conversations/{conversation_id}")
async def get_conversation(conversation_id: ConversationId, state: State, session: Session) -> ConversationDetailOut:
    conversation, messages = await _service(state, session).get(conversation_id)
    base = ConversationOut.model_validate(conversation, from_attributes=True).model_dump()
    return ConversationDetailOut(
        **base, messages=[MessageOut.model_validate(m, from_attributes=True) for m in messages]
    )
