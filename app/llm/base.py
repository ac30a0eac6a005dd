"""The LLM boundary: value objects and the client protocol; litellm stays behind it.

Errors (all raised by :class:`LLMClient` implementations)::

    LLMError
    ├── LLMTransientError   timeouts, 429, 5xx, connection errors: worth retrying
    └── LLMPermanentError   bad request, authentication, unknown model: fail at once
        └── LLMNotConfigured no model/provider settings to reach any LLM
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


class LLMError(Exception):
    """An LLM call failed; ``message`` is the provider's words, secrets removed."""

    def __init__(self, message: str, *, status_code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code


class LLMTransientError(LLMError):
    pass


class LLMPermanentError(LLMError):
    pass


class LLMNotConfigured(LLMPermanentError):
    pass


@dataclass(frozen=True, kw_only=True)
class ToolCall:
    id: str
    name: str
    arguments: str  # raw JSON text as the model sent it


@dataclass(frozen=True, kw_only=True)
class LLMResponse:
    content: str | None
    tool_calls: list[ToolCall] = field(default_factory=list)
    model: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float | None = None
    latency_ms: float = 0.0
    raw_message: dict[str, Any] = field(default_factory=dict)  # assistant message to append


class LLMClient(Protocol):
    async def complete(
        self,
        messages: list[dict[str, Any]],
        *,
        model: str | None = None,
        tools: list[dict[str, Any]] | None = None,
        tool_choice: str | dict[str, Any] | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 - passed through to the provider call
        max_tokens: int | None = None,
    ) -> LLMResponse:
        """One chat-completion call (no retries here; callers own retry policy)."""
        ...
