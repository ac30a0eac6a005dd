"""Completions that break the protocol become recorded failures or retries, never a crashed run."""

from __future__ import annotations

import time
from typing import Any

from app.runner.agent import AgentConfig, AgentRunner
from tests.runner.conftest import MakeRunner, make_request
from tests.support.openai_stub import OpenAIStub, Reply


def completion(choices: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": "chatcmpl-odd",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": "gpt-4o-mini",
        "choices": choices,
        "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4},
    }


def tool_call_choice(name: str | None, arguments: str) -> dict[str, Any]:
    function: dict[str, Any] = {"arguments": arguments}
    if name is not None:
        function["name"] = name
    return {
        "index": 0,
        "finish_reason": "tool_calls",
        "message": {
            "role": "assistant",
            "content": None,
            "tool_calls": [{"id": "call_1", "type": "function", "function": function}],
        },
    }


async def test_empty_choices_are_retried_then_fail_the_run_with_a_clear_error(
    openai_stub: OpenAIStub, make_runner: MakeRunner
) -> None:
    for _ in range(3):
        openai_stub.push(Reply(body=completion([])))

    outcome = await make_runner().run(make_request(max_retries=2))

    assert outcome.status == "failed"
    assert outcome.error is not None and "empty `choices`" in outcome.error
    assert outcome.reason is not None and outcome.reason.startswith("LLM unavailable")
    assert [(s.kind, s.attempt) for s in outcome.steps] == [("llm", 1), ("llm", 2), ("llm", 3)]
    assert all(s.error and "empty `choices`" in s.error for s in outcome.steps)


async def test_empty_choices_once_then_an_answer_succeeds(openai_stub: OpenAIStub, make_runner: MakeRunner) -> None:
    openai_stub.push(Reply(body=completion([])))
    openai_stub.push_text("fine now")

    outcome = await make_runner().run(make_request())

    assert (outcome.status, outcome.output) == ("succeeded", "fine now")
    assert outcome.steps[0].error is not None and outcome.steps[1].error is None


async def test_a_choice_without_a_message_is_a_recorded_failure(
    openai_stub: OpenAIStub, make_runner: MakeRunner
) -> None:
    for _ in range(2):
        openai_stub.push(Reply(body=completion([{"index": 0, "finish_reason": "stop", "message": None}])))

    outcome = await make_runner().run(make_request(max_retries=1))

    assert outcome.status == "failed"
    assert outcome.error == "the LLM answered with a malformed chat completion that could not be read"
    assert [s.attempt for s in outcome.steps] == [1, 2]  # read as transient: retried


async def test_tool_call_arguments_that_are_not_json_are_a_failed_tool_step(
    openai_stub: OpenAIStub, make_runner: MakeRunner
) -> None:
    openai_stub.push(Reply(body=completion([tool_call_choice("current_time", '{"timezone": "UTC"')])))
    openai_stub.push_text("retried with good arguments")

    outcome = await make_runner().run(make_request())

    assert outcome.status == "succeeded"
    tool = outcome.steps[1]
    assert tool.kind == "tool" and tool.error is not None and tool.error.startswith("arguments are not valid JSON")
    assert tool.input["arguments"] == '{"timezone": "UTC"'
    assert outcome.steps[0].output["tool_calls"][0]["arguments"] == '{"timezone": "UTC"'
    told = [m for m in openai_stub.requests[1]["messages"] if m["role"] == "tool"]
    assert "not valid JSON" in told[0]["content"]


async def test_a_tool_call_without_a_function_name_is_a_recorded_failure(
    openai_stub: OpenAIStub, make_runner: MakeRunner
) -> None:
    for _ in range(2):
        openai_stub.push(Reply(body=completion([tool_call_choice(None, "{}")])))

    outcome = await make_runner().run(make_request(max_retries=1))

    assert outcome.status == "failed"
    assert outcome.steps and all(s.kind == "llm" and s.error for s in outcome.steps)


async def test_the_runner_never_raises_for_odd_completions(openai_stub: OpenAIStub, make_runner: MakeRunner) -> None:
    runner: AgentRunner = make_runner()
    assert isinstance(runner.config, AgentConfig)
    odd = [
        completion([]),
        completion([{"index": 0, "finish_reason": "stop"}]),
        {"id": "x", "object": "chat.completion", "created": 0, "model": "m"},
        completion([tool_call_choice("current_time", "[1, 2")]),
    ]
    for body in odd:
        openai_stub.push(Reply(body=body))
        openai_stub.push_text("ok")
        outcome = await runner.run(make_request(max_retries=1))
        assert outcome.status in ("succeeded", "failed"), body
