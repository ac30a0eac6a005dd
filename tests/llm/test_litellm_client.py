"""LiteLLMClient through litellm's real transport to the local OpenAI stub."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from app.config import Settings
from app.llm.base import LLMNotConfigured, LLMPermanentError, LLMTransientError
from app.llm.litellm_client import LiteLLMClient
from tests.support.openai_stub import OpenAIStub

MESSAGES = [{"role": "user", "content": "hi"}]
TOOLS = [{"type": "function", "function": {"name": "current_time", "parameters": {"type": "object"}}}]


@pytest.fixture
async def client(openai_stub: OpenAIStub) -> AsyncIterator[LiteLLMClient]:
    c = LiteLLMClient(
        Settings(llm_model="openai/gpt-4o-mini", llm_api_base=openai_stub.api_base, llm_api_key="sk-test")
    )
    yield c
    await c.aclose()


async def test_text_answer_with_usage_and_cost(client: LiteLLMClient, openai_stub: OpenAIStub) -> None:
    openai_stub.push_text("hello", prompt_tokens=100, completion_tokens=20)
    response = await client.complete(MESSAGES, timeout=5)
    assert response.content == "hello" and response.tool_calls == []
    assert (response.prompt_tokens, response.completion_tokens) == (100, 20)
    assert response.cost_usd is not None and response.cost_usd > 0
    assert response.raw_message == {"role": "assistant", "content": "hello"}
    assert openai_stub.requests[0]["messages"] == MESSAGES


async def test_tool_calls_and_the_tools_sent(client: LiteLLMClient, openai_stub: OpenAIStub) -> None:
    openai_stub.push_tool_calls([("current_time", {"timezone": "UTC"})])
    response = await client.complete(MESSAGES, tools=TOOLS, tool_choice="auto")
    assert [(c.name, c.arguments) for c in response.tool_calls] == [("current_time", '{"timezone": "UTC"}')]
    assert response.raw_message["tool_calls"][0]["function"]["name"] == "current_time"
    assert openai_stub.requests[0]["tools"] == TOOLS
    assert openai_stub.requests[0]["tool_choice"] == "auto"


async def test_unknown_model_has_unknown_cost(client: LiteLLMClient, openai_stub: OpenAIStub) -> None:
    openai_stub.push_text("hi")
    response = await client.complete(MESSAGES, model="openai/some-local-model")
    assert response.cost_usd is None
    assert openai_stub.requests[0]["model"] == "some-local-model"


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (429, LLMTransientError),
        (500, LLMTransientError),
        (502, LLMTransientError),
        (503, LLMTransientError),
        (400, LLMPermanentError),
        (401, LLMPermanentError),
        (403, LLMPermanentError),
        (404, LLMPermanentError),
    ],
)
async def test_error_mapping(
    client: LiteLLMClient, openai_stub: OpenAIStub, status: int, kind: type[Exception]
) -> None:
    openai_stub.push_error(status, f"provider says {status} for key sk-test")
    with pytest.raises(kind) as info:
        await client.complete(MESSAGES)
    assert type(info.value) is kind
    assert f"provider says {status}" in str(info.value)
    assert "sk-test" not in str(info.value)
    assert len(openai_stub.requests) == 1  # litellm and the OpenAI SDK did not retry


async def test_dropped_connection_is_transient(client: LiteLLMClient, openai_stub: OpenAIStub) -> None:
    openai_stub.push_disconnect()
    with pytest.raises(LLMTransientError):
        await client.complete(MESSAGES)


async def test_timeout_is_transient(client: LiteLLMClient, openai_stub: OpenAIStub) -> None:
    openai_stub.push_text("late", delay=3)
    with pytest.raises(LLMTransientError, match=r"(?i)timed out|timeout"):
        await client.complete(MESSAGES, timeout=0.3)


async def test_not_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    client = LiteLLMClient(Settings(llm_model="openai/gpt-4o-mini", llm_api_base=None, llm_api_key=None))
    with pytest.raises(LLMNotConfigured, match=r"LLM_MODEL.*LLM_API_KEY.*LLM_API_BASE"):
        await client.complete(MESSAGES)


async def test_api_base_without_key_works_for_local_servers(
    monkeypatch: pytest.MonkeyPatch, openai_stub: OpenAIStub
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    client = LiteLLMClient(Settings(llm_model="openai/llama3", llm_api_base=openai_stub.api_base, llm_api_key=None))
    openai_stub.push_text("local")
    try:
        assert (await client.complete(MESSAGES)).content == "local"
    finally:
        await client.aclose()
