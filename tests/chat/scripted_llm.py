"""An in-process LLMClient whose answers each test scripts: replies, tool calls or failures."""

from __future__ import annotations

import json
from typing import Any

from app.llm.base import LLMResponse, LLMTransientError, ToolCall


class Script:
    """The model's answers, in order: a reply, tool calls, or a failure; remembers every request."""

    def __init__(self) -> None:
        self.queue: list[LLMResponse | Exception] = []
        self.requests: list[list[dict[str, Any]]] = []
        self._ids = 0

    def reply(self, text: str) -> Script:
        self.queue.append(LLMResponse(content=text, model="openai/test", prompt_tokens=50, completion_tokens=10))
        return self

    def call(self, *calls: tuple[str, dict[str, Any]]) -> Script:
        tool_calls = []
        for name, args in calls:
            self._ids += 1
            tool_calls.append(ToolCall(id=f"call_{self._ids}", name=name, arguments=json.dumps(args)))
        self.queue.append(LLMResponse(content=None, tool_calls=tool_calls, model="openai/test"))
        return self

    def fail(self) -> Script:
        self.queue.append(LLMTransientError("Connection error: connection refused", status_code=None))
        return self

    async def complete(self, messages: list[dict[str, Any]], **_: Any) -> LLMResponse:
        self.requests.append(json.loads(json.dumps(messages)))
        if not self.queue:
            raise AssertionError("the model was called more often than scripted")
        item = self.queue.pop(0)
        if isinstance(item, Exception):
            raise item
        return item

    def tool_results(self, request: int) -> list[dict[str, Any]]:
        """The tool results the model saw in its ``request``-th call (0-based)."""
        return [json.loads(m["content"]) for m in self.requests[request] if m["role"] == "tool"]


class StubScript:
    """The same script API over the local OpenAI-compatible HTTP stub (used with LiteLLMClient)."""

    def __init__(self, stub: Any) -> None:
        self.stub = stub

    def reply(self, text: str) -> StubScript:
        self.stub.push_text(text, prompt_tokens=50, completion_tokens=10)
        return self

    def call(self, *calls: tuple[str, dict[str, Any]]) -> StubScript:
        self.stub.push_tool_calls(list(calls))
        return self

    def fail(self) -> StubScript:
        self.stub.push_error(503, "The model is overloaded.")
        return self

    @property
    def requests(self) -> list[list[dict[str, Any]]]:
        return [body["messages"] for body in self.stub.requests]

    def tool_results(self, request: int) -> list[dict[str, Any]]:
        return [json.loads(m["content"]) for m in self.requests[request] if m["role"] == "tool"]
