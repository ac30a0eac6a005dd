"""One chat turn as a bounded LLM tool loop: ask the model, run the tools it calls, repeat.

Bounds: at most ``max_steps`` model calls per turn, each under ``call_timeout_seconds``
and ``max_tokens``. Any LLM failure ends the turn with :class:`app.errors.LLMUnavailable`
so the caller can roll the whole turn back.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any, Protocol

import structlog

from app.errors import LLMUnavailable
from app.llm.base import LLMClient, LLMError, LLMResponse

log = structlog.get_logger("taskrunner.chat")

MAX_TOOL_RESULT_CHARS = 12_000


@dataclass(frozen=True, kw_only=True)
class AgentLimits:
    max_steps: int = 8
    call_timeout_seconds: float = 60.0
    max_tokens: int = 1024


@dataclass(frozen=True, kw_only=True)
class Action:
    """A tool the assistant called this turn, with its arguments and result."""

    tool: str
    arguments: dict[str, Any]
    result: dict[str, Any]
    call_id: str

    def as_dict(self) -> dict[str, Any]:
        return {"tool": self.tool, "arguments": self.arguments, "result": self.result}


@dataclass(kw_only=True)
class TurnOutcome:
    reply: str
    actions: list[Action] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)  # assistant and tool messages, in order
    prompt_tokens: int = 0
    completion_tokens: int = 0
    finished: bool = True  # False when the step limit ended the turn


class ToolBox(Protocol):
    def specs(self) -> list[dict[str, Any]]: ...

    async def call(self, name: str, arguments: dict[str, Any]) -> dict[str, Any]: ...


async def run_turn(
    llm: LLMClient,
    *,
    model: str | None,
    messages: list[dict[str, Any]],
    tools: ToolBox,
    limits: AgentLimits,
) -> TurnOutcome:
    """Run the loop on ``messages`` (system, history, the new user message) until the model answers."""
    outcome = TurnOutcome(reply="")
    conversation = list(messages)
    specs = tools.specs()
    for _ in range(limits.max_steps):
        response = await _complete(llm, model, conversation, specs, limits)
        outcome.prompt_tokens += response.prompt_tokens
        outcome.completion_tokens += response.completion_tokens
        assistant = _assistant_message(response)
        conversation.append(assistant)
        outcome.messages.append(assistant)
        if not response.tool_calls:
            outcome.reply = (response.content or "").strip() or "(The assistant gave no answer.)"
            return outcome
        for call in response.tool_calls:
            arguments, result = await _run_tool(tools, call.name, call.arguments)
            outcome.actions.append(Action(tool=call.name, arguments=arguments, result=result, call_id=call.id))
            message = {"role": "tool", "tool_call_id": call.id, "content": _dump(result)}
            conversation.append(message)
            outcome.messages.append({**message, "name": call.name})
    outcome.finished = False
    outcome.reply = _out_of_steps(limits.max_steps, outcome.actions)
    return outcome


async def _complete(
    llm: LLMClient,
    model: str | None,
    messages: list[dict[str, Any]],
    specs: list[dict[str, Any]],
    limits: AgentLimits,
) -> LLMResponse:
    try:
        # The client gets the timeout too; this bound also covers a client that ignores it.
        async with asyncio.timeout(limits.call_timeout_seconds + 5):
            return await llm.complete(
                messages,
                model=model,
                tools=specs,
                tool_choice="auto",
                timeout=limits.call_timeout_seconds,
                max_tokens=limits.max_tokens,
            )
    except LLMError as exc:
        log.warning("chat.llm_failed", error=exc.message, status_code=exc.status_code)
        raise LLMUnavailable(
            f"The assistant's language model cannot be reached: {exc.message}",
            details={"status_code": exc.status_code},
        ) from exc
    except TimeoutError as exc:
        log.warning("chat.llm_timeout", timeout_seconds=limits.call_timeout_seconds)
        raise LLMUnavailable(
            f"The assistant's language model did not answer within {limits.call_timeout_seconds:g} s."
        ) from exc


async def _run_tool(tools: ToolBox, name: str, raw: str) -> tuple[dict[str, Any], dict[str, Any]]:
    try:
        arguments = json.loads(raw or "{}")
    except ValueError:
        return {"_raw": raw}, {"error": {"code": "invalid_arguments", "message": "Arguments are not valid JSON."}}
    if not isinstance(arguments, dict):
        return {"_raw": raw}, {"error": {"code": "invalid_arguments", "message": "Arguments must be an object."}}
    return arguments, await tools.call(name, arguments)


def _assistant_message(response: LLMResponse) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": response.content}
    if response.tool_calls:
        message["tool_calls"] = [
            {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
            for c in response.tool_calls
        ]
    return message


def _dump(result: dict[str, Any]) -> str:
    text = json.dumps(result, ensure_ascii=False, default=str)
    if len(text) > MAX_TOOL_RESULT_CHARS:
        text = text[:MAX_TOOL_RESULT_CHARS] + ' …"(truncated)"'
    return text


def _out_of_steps(max_steps: int, actions: list[Action]) -> str:
    done = "; ".join(
        f"{a.tool}({json.dumps(a.arguments, ensure_ascii=False)}): "
        + ("error " + str(a.result["error"].get("message")) if "error" in a.result else "done")
        for a in actions
    )
    return f"I stopped after {max_steps} steps without a final answer. " + (
        f"What I did: {done}." if done else "I did nothing."
    )
