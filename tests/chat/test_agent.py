"""The bounded tool loop with an in-memory LLM fake: step limit, bad arguments, LLM failures."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from app.chat.agent import AgentLimits, run_turn
from app.errors import LLMUnavailable
from app.llm.base import LLMResponse, LLMTransientError, ToolCall


class FakeLLM:
    def __init__(self, *responses: LLMResponse | Exception, delay: float = 0.0) -> None:
        self.responses = list(responses)
        self.calls: list[dict[str, Any]] = []
        self.delay = delay

    async def complete(self, messages: list[dict[str, Any]], **kw: Any) -> LLMResponse:
        self.calls.append({"messages": list(messages), **kw})
        if self.delay:
            await asyncio.sleep(self.delay)
        item = self.responses.pop(0)
        if isinstance(item, Exception):
            raise item
        return item


class Echo:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def specs(self) -> list[dict[str, Any]]:
        return [{"type": "function", "function": {"name": "echo", "parameters": {"type": "object"}}}]

    async def call(self, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
        self.calls.append((name, arguments))
        return {"echo": arguments}


def call(args: str, id: str = "c1") -> LLMResponse:
    return LLMResponse(content=None, tool_calls=[ToolCall(id=id, name="echo", arguments=args)], model="m")


def answer(text: str) -> LLMResponse:
    return LLMResponse(content=text, model="m", prompt_tokens=10, completion_tokens=5)


async def test_tool_then_answer() -> None:
    llm, tools = FakeLLM(call('{"x": 1}'), answer("done")), Echo()
    outcome = await run_turn(
        llm,
        model="m",
        messages=[{"role": "user", "content": "hi"}],
        tools=tools,
        limits=AgentLimits(max_steps=4, call_timeout_seconds=7),
    )
    assert outcome.reply == "done" and outcome.finished
    assert [a.as_dict() for a in outcome.actions] == [
        {"tool": "echo", "arguments": {"x": 1}, "result": {"echo": {"x": 1}}}
    ]
    assert [m["role"] for m in outcome.messages] == ["assistant", "tool", "assistant"]
    second = llm.calls[1]
    assert second["timeout"] == 7 and second["tools"] == tools.specs()
    assert second["messages"][-1] == {"role": "tool", "tool_call_id": "c1", "content": '{"echo": {"x": 1}}'}


async def test_bad_json_arguments_are_reported_to_the_model() -> None:
    llm, tools = FakeLLM(call("{nope"), answer("sorry")), Echo()
    outcome = await run_turn(llm, model="m", messages=[], tools=tools, limits=AgentLimits())
    assert tools.calls == [] and outcome.actions[0].result["error"]["code"] == "invalid_arguments"


async def test_step_limit_ends_the_turn_with_an_honest_reply() -> None:
    llm, tools = FakeLLM(*(call(json.dumps({"n": i}), id=f"c{i}") for i in range(3))), Echo()
    outcome = await run_turn(llm, model="m", messages=[], tools=tools, limits=AgentLimits(max_steps=3))
    assert not outcome.finished and len(tools.calls) == 3
    assert outcome.reply.startswith("I stopped after 3 steps without a final answer.")


async def test_llm_errors_and_timeouts_are_llm_unavailable() -> None:
    with pytest.raises(LLMUnavailable, match="connection refused"):
        await run_turn(
            FakeLLM(LLMTransientError("connection refused")),
            model="m",
            messages=[],
            tools=Echo(),
            limits=AgentLimits(),
        )
    with pytest.raises(LLMUnavailable, match="did not answer"):
        await run_turn(
            FakeLLM(answer("late"), delay=5),
            model="m",
            messages=[],
            tools=Echo(),
            limits=AgentLimits(call_timeout_seconds=-4.9),
        )
