"""The LLM path through a real local OpenAI-compatible server, reached by litellm as in production."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from app.config import Settings
from app.errors import AmbiguousSchedule
from app.llm.litellm_client import LiteLLMClient
from app.nl import parse_description
from app.schedules.spec import CronSpec, IntervalSpec
from tests.support.openai_stub import OpenAIStub

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
TEXT = "every other day water the plants"  # the rules refuse it


@pytest.fixture
def stub() -> Iterator[OpenAIStub]:
    with OpenAIStub() as server:
        yield server


def client(api_base: str) -> LiteLLMClient:
    return LiteLLMClient(Settings(llm_model="openai/test-model", llm_api_base=api_base, llm_api_key="sk-test"))


def answer(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "kind": "interval", "cron": None, "at": None, "every_seconds": 172800, "timezone": "Europe/Berlin",
        "instructions": "Water the plants", "name": "Water the plants",
        "assumptions": ["'every other day' read as every 48 hours from creation"], "question": None,
    }  # fmt: skip
    return {**base, **overrides}


async def parse(stub: OpenAIStub, text: str = TEXT) -> Any:
    return await parse_description(
        text, default_timezone="Europe/Berlin", now=NOW, llm=client(stub.api_base), model="openai/test-model"
    )


async def test_valid_answer_and_the_request_it_came_from(stub: OpenAIStub) -> None:
    stub.push_tool_calls([("set_schedule", answer())])
    parsed = await parse(stub)
    assert parsed.parser == "llm"
    assert parsed.schedule == IntervalSpec(every_seconds=172800, timezone="Europe/Berlin")
    assert parsed.instructions == "Water the plants"
    assert parsed.assumptions == ["'every other day' read as every 48 hours from creation"]
    (request,) = stub.requests
    assert request["model"] == "test-model"
    (tool,) = request["tools"]
    assert tool["function"]["name"] == "set_schedule"
    schema = tool["function"]["parameters"]
    assert set(schema["required"]) >= {"kind", "cron", "at", "every_seconds", "timezone", "question"}
    assert schema["properties"]["kind"]["enum"] == ["cron", "once", "interval"]
    assert request["tool_choice"] == {"type": "function", "function": {"name": "set_schedule"}}
    system = request["messages"][0]["content"]
    assert "2026-11-23T09:00:00+01:00" in system  # the current time, in the default zone
    assert "Europe/Berlin" in system
    assert "EITHER" in system and "first Monday" in system  # cron's OR rule is explained
    assert request["messages"][1] == {"role": "user", "content": TEXT}


async def test_invalid_answer_is_sent_back_and_repaired(stub: OpenAIStub) -> None:
    stub.push_tool_calls([("set_schedule", answer(kind="cron", cron="0 9 * * 9", every_seconds=None))])
    stub.push_tool_calls([("set_schedule", answer(kind="cron", cron="0 9 */2 * *", every_seconds=None))])
    parsed = await parse(stub)
    assert parsed.schedule == CronSpec(cron="0 9 */2 * *", timezone="Europe/Berlin")
    assert len(stub.requests) == 2
    tool_messages = [m for m in stub.requests[1]["messages"] if m["role"] == "tool"]
    assert len(tool_messages) == 1
    assert "Rejected" in tool_messages[0]["content"]
    assert "day-of-week" in tool_messages[0]["content"]  # the validator's own words
    assistant = stub.requests[1]["messages"][2]
    assert assistant["role"] == "assistant"
    assert assistant["tool_calls"][0]["id"] == tool_messages[0]["tool_call_id"]


async def test_both_day_fields_restricted_is_refused_back_to_the_model(stub: OpenAIStub) -> None:
    text = "first Monday of each month at 9 send the board report"
    stub.push_tool_calls([("set_schedule", answer(kind="cron", cron="0 9 1-7 * 1", every_seconds=None))])
    stub.push_tool_calls([("set_schedule", answer(question="Cron cannot say 'first Monday'. Every Monday?"))])
    with pytest.raises(AmbiguousSchedule) as info:
        await parse(stub, text)
    assert "first Monday" in info.value.question
    rejected = stub.requests[1]["messages"][-1]["content"]
    assert "EITHER" in rejected


async def test_still_invalid_after_the_repairs_asks_the_user(stub: OpenAIStub) -> None:
    for _ in range(3):
        stub.push_tool_calls([("set_schedule", answer(kind="once", at="2020-01-01T09:00:00", every_seconds=None))])
    with pytest.raises(AmbiguousSchedule) as info:
        await parse(stub)
    assert "past" in info.value.question
    assert len(stub.requests) == 3  # one call and max_repairs=2 repairs


async def test_model_question_becomes_ambiguous_schedule(stub: OpenAIStub) -> None:
    stub.push_tool_calls([("set_schedule", answer(question="Which day of the month do you mean?"))])
    with pytest.raises(AmbiguousSchedule) as info:
        await parse(stub)
    assert info.value.question == "Which day of the month do you mean?"
    assert info.value.code == "ambiguous_schedule"


async def test_provider_503_is_a_question_naming_the_unplaced_words(stub: OpenAIStub) -> None:
    stub.push_error(503, "overloaded")
    with pytest.raises(AmbiguousSchedule) as info:
        await parse(stub)
    assert info.value.code == "ambiguous_schedule"
    assert info.value.details["unplaced"] == ["every other"]
    assert "unreachable" in info.value.details["llm_unavailable"]


async def test_permanent_error_is_a_question_with_its_message(stub: OpenAIStub) -> None:
    stub.push_error(400, "model test-model does not support tools")
    with pytest.raises(AmbiguousSchedule) as info:
        await parse(stub)
    assert "does not support tools" in info.value.details["llm_unavailable"]


async def test_connection_refused_is_a_question() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again before the call: nothing listens there
    with pytest.raises(AmbiguousSchedule) as info:
        await parse_description(
            TEXT, default_timezone=None, now=NOW, llm=client(f"http://127.0.0.1:{port}/v1"), model=None
        )
    assert "unreachable" in info.value.details["llm_unavailable"]


async def test_rules_answer_without_calling_the_model(stub: OpenAIStub) -> None:
    parsed = await parse(stub, "every day at 9am check mail")
    assert parsed.parser == "rules"
    assert stub.requests == []


async def test_no_llm_configured_is_a_question_naming_the_words() -> None:
    with pytest.raises(AmbiguousSchedule) as info:
        await parse_description("every day at lunchtime summarise email", default_timezone=None, now=NOW, llm=None)
    assert info.value.details["unplaced"] == ["at lunchtime"]
    assert "lunchtime" in info.value.question


async def test_with_the_llm_down_every_refusal_is_a_question() -> None:
    # The client can rephrase at once; the words that need it are named.
    with pytest.raises(AmbiguousSchedule) as info:
        await parse_description("fortnightly water the plants", default_timezone=None, now=NOW, llm=None)
    assert info.value.details["unplaced"] == ["fortnightly"]


async def test_text_that_is_not_a_schedule_is_a_question_without_asking_the_model(stub: OpenAIStub) -> None:
    stub.push_tool_calls([("set_schedule", answer(kind="cron", cron="0 12 * * *", every_seconds=None))])
    with pytest.raises(AmbiguousSchedule) as info:
        await parse(stub, "make me a sandwich")
    assert "When should it run" in info.value.question
    assert stub.requests == []
