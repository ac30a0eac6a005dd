"""The agent loop end to end: AgentRunner -> LiteLLMClient -> litellm -> the local OpenAI stub."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest

from app.config import Settings
from app.llm.litellm_client import LiteLLMClient
from app.runner.agent import AgentConfig, AgentRunner
from app.runner.base import StepRecord
from app.runner.tools import REGISTRY, Tool, ToolContext
from tests.runner.conftest import MakeRunner, Sleeps, Web, make_request
from tests.support.openai_stub import OpenAIStub, Reply


def tool_messages(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [m for m in body["messages"] if m["role"] == "tool"]


async def test_multi_step_tool_loop_records_every_step(openai_stub: OpenAIStub, make_runner: MakeRunner) -> None:
    history = [{"status": "succeeded", "output": "2 incidents yesterday"}]
    asked: list[tuple[int, int]] = []

    async def previous_runs(task_id: int, limit: int) -> list[dict[str, Any]]:
        asked.append((task_id, limit))
        return history

    openai_stub.push_tool_calls([("current_time", {"timezone": "America/New_York"})])
    openai_stub.push_tool_calls([("previous_runs", {"limit": 2})], prompt_tokens=20, completion_tokens=6)
    openai_stub.push_text("No new incidents since last time.", prompt_tokens=30, completion_tokens=7)
    seen: list[StepRecord] = []

    async def sink(step: StepRecord) -> None:
        seen.append(step)

    outcome = await make_runner(previous_runs=previous_runs).run(make_request(), on_step=sink)

    assert outcome.status == "succeeded", outcome
    assert outcome.output == "No new incidents since last time."
    assert [(s.kind, s.name) for s in outcome.steps] == [
        ("llm", "gpt-4o-mini"),
        ("tool", "current_time"),
        ("llm", "gpt-4o-mini"),
        ("tool", "previous_runs"),
        ("llm", "gpt-4o-mini"),
    ]
    assert seen == outcome.steps
    assert [s.index for s in outcome.steps] == [0, 1, 2, 3, 4]
    assert (outcome.prompt_tokens, outcome.completion_tokens) == (60, 18)
    assert outcome.cost_usd is not None and outcome.cost_usd > 0  # gpt-4o-mini is in litellm's price map
    assert outcome.model == "openai/gpt-4o-mini"
    assert asked == [(3, 2)]

    first = openai_stub.requests[0]
    assert first["model"] == "gpt-4o-mini"
    assert sorted(t["function"]["name"] for t in first["tools"]) == [
        "current_time",
        "http_request",
        "previous_runs",
    ]
    system = first["messages"][0]["content"]
    assert "Check the status page and summarise incidents." in system
    assert "2026-03-02T09:00:00+01:00" in system  # now, in the task's timezone
    assert "after 2026-03-01T09:00:00+01:00 up to 2026-03-02T09:00:00+01:00" in system
    assert "All good." in system  # the recent outputs summary
    assert openai_stub.calls[0].headers["authorization"] == "Bearer sk-test"

    (time_result,) = tool_messages(openai_stub.requests[1])
    assert json.loads(time_result["content"])["local_time"] == "2026-03-02T03:00:00-05:00"
    assert outcome.steps[1].output["weekday"] == "Monday"
    runs_result = tool_messages(openai_stub.requests[2])[-1]
    assert "2 incidents yesterday" in runs_result["content"]


async def test_current_time_and_previous_runs_without_history_source(
    openai_stub: OpenAIStub, make_runner: MakeRunner
) -> None:
    openai_stub.push_tool_calls([("previous_runs", {}), ("current_time", {})])
    openai_stub.push_text("done")

    outcome = await make_runner().run(make_request())

    assert outcome.status == "succeeded"
    runs, now = tool_messages(openai_stub.requests[1])
    assert json.loads(runs["content"])["runs"][0]["output"] == "All good."  # from the request's recent outputs
    assert json.loads(now["content"])["timezone"] == "Europe/Berlin"


async def test_parallel_tool_calls_run_concurrently_and_answer_in_order(
    openai_stub: OpenAIStub, make_runner: MakeRunner
) -> None:
    async def slow(ctx: ToolContext, args: dict[str, Any]) -> dict[str, Any]:
        await asyncio.sleep(0.3)
        return {"echo": args["n"]}

    tools = {
        **REGISTRY,
        "slow": Tool(name="slow", description="waits", parameters={"type": "object"}, handler=slow),
    }
    openai_stub.push_tool_calls([("slow", {"n": 1}), ("slow", {"n": 2}), ("slow", {"n": 3})])
    openai_stub.push_text("all three")

    started = time.perf_counter()
    outcome = await make_runner(tools=tools).run(make_request(tools=("slow",)))
    elapsed = time.perf_counter() - started

    assert outcome.status == "succeeded"
    assert elapsed < 0.8  # three 0.3 s calls at once, not one after another
    results = tool_messages(openai_stub.requests[1])
    assert [json.loads(m["content"])["echo"] for m in results] == [1, 2, 3]
    assert [m["tool_call_id"] for m in results] == ["call_1_0", "call_1_1", "call_1_2"]
    assert [s.kind for s in outcome.steps] == ["llm", "tool", "tool", "tool", "llm"]


async def test_max_steps_ends_the_run(openai_stub: OpenAIStub, make_runner: MakeRunner) -> None:
    for _ in range(3):
        openai_stub.push_tool_calls([("current_time", {})], content="still working")

    outcome = await make_runner().run(make_request(max_steps=2))

    assert outcome.status == "failed"
    assert outcome.reason is not None and "step limit" in outcome.reason and "max_steps=2" in outcome.reason
    assert len(openai_stub.requests) == 2
    assert outcome.output == "still working"


async def test_run_timeout_is_timed_out(openai_stub: OpenAIStub, make_runner: MakeRunner) -> None:
    openai_stub.push_tool_calls([("current_time", {})])
    openai_stub.push_text("too late", delay=5)

    started = time.perf_counter()
    outcome = await make_runner().run(make_request(timeout_seconds=0.6))

    assert time.perf_counter() - started < 2
    assert outcome.status == "timed_out"
    assert outcome.reason == "run timed out after 0.6s"
    assert [s.kind for s in outcome.steps] == ["llm", "tool"]


async def test_per_call_timeout_is_retried(openai_stub: OpenAIStub, make_runner: MakeRunner, sleeps: Sleeps) -> None:
    openai_stub.push_text("slow", delay=3)
    openai_stub.push_text("fast")

    outcome = await make_runner(config={"call_timeout_seconds": 0.3}).run(make_request(max_retries=1))

    assert outcome.status == "succeeded" and outcome.output == "fast"
    first, second = outcome.steps
    assert first.attempt == 1 and first.error is not None and "timed out" in first.error.lower()
    assert second.attempt == 2 and second.error is None
    assert sleeps.delays == [0.75]


async def test_per_call_timeout_without_retries_fails(openai_stub: OpenAIStub, make_runner: MakeRunner) -> None:
    openai_stub.push_text("slow", delay=3)

    outcome = await make_runner(config={"call_timeout_seconds": 0.3}).run(make_request(max_retries=0))

    assert outcome.status == "failed"
    assert outcome.reason is not None and outcome.reason.startswith("LLM unavailable")


async def test_token_budget_ends_the_run(openai_stub: OpenAIStub, make_runner: MakeRunner) -> None:
    openai_stub.push_tool_calls([("current_time", {})], prompt_tokens=15, completion_tokens=10)
    openai_stub.push_text("never asked")

    outcome = await make_runner().run(make_request(max_total_tokens=20))

    assert outcome.status == "failed"
    assert outcome.reason == "token budget exhausted: 25 tokens used (max_total_tokens=20)"
    assert len(openai_stub.requests) == 1
    assert openai_stub.pending == 1


async def test_transient_errors_are_retried_and_each_attempt_recorded(
    openai_stub: OpenAIStub, make_runner: MakeRunner, sleeps: Sleeps
) -> None:
    openai_stub.push_error(429, "Rate limit reached")
    openai_stub.push_error(500, "The server had an error")
    openai_stub.push_disconnect()
    openai_stub.push_text("finally")

    outcome = await make_runner().run(make_request(max_retries=3))

    assert outcome.status == "succeeded" and outcome.output == "finally"
    assert [s.attempt for s in outcome.steps] == [1, 2, 3, 4]
    errors = [s.error for s in outcome.steps]
    assert errors[0] is not None and "Rate limit reached" in errors[0]
    assert errors[1] is not None and "The server had an error" in errors[1]
    assert errors[2] is not None and errors[3] is None
    assert sleeps.delays == [0.75, 1.5, 3.0]  # exponential, jitter drawn as 0.5


async def test_retries_exhausted_fails(openai_stub: OpenAIStub, make_runner: MakeRunner, sleeps: Sleeps) -> None:
    openai_stub.push_error(503, "overloaded")
    openai_stub.push_error(503, "overloaded")

    outcome = await make_runner().run(make_request(max_retries=1))

    assert outcome.status == "failed"
    assert outcome.reason == "LLM unavailable (503): gave up after 2 attempt(s)"
    assert outcome.error is not None and "overloaded" in outcome.error
    assert len(outcome.steps) == 2 and len(sleeps.delays) == 1


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (401, "Incorrect API key provided: sk-test. You can find your API key elsewhere."),
        (400, "Invalid value for 'tools': bad schema"),
        (404, "The model `gpt-4o-mini` does not exist"),
    ],
)
async def test_permanent_errors_fail_at_once_with_the_providers_message(
    openai_stub: OpenAIStub, make_runner: MakeRunner, sleeps: Sleeps, status: int, message: str
) -> None:
    openai_stub.push_error(status, message)
    openai_stub.push_text("never asked")

    outcome = await make_runner().run(make_request(max_retries=3))

    assert outcome.status == "failed"
    assert outcome.reason == f"the LLM provider rejected the request ({status})"
    assert outcome.error is not None and message.split(":")[0].split("`")[0] in outcome.error
    assert len(openai_stub.requests) == 1 and sleeps.delays == []
    assert "sk-test" not in json.dumps([outcome.error, *[s.error for s in outcome.steps]])


async def test_a_failing_tool_gives_the_model_an_error(openai_stub: OpenAIStub, make_runner: MakeRunner) -> None:
    async def broken(ctx: ToolContext, args: dict[str, Any]) -> None:
        raise RuntimeError("disk on fire")

    tools = {
        **REGISTRY,
        "broken": Tool(name="broken", description="", parameters={"type": "object"}, handler=broken),
    }
    openai_stub.push_tool_calls([("broken", {}), ("http_request", {"url": "http://127.0.0.1:9/"}), ("not_a_tool", {})])
    openai_stub.push_text("reported the failures")

    outcome = await make_runner(tools=tools).run(make_request(tools=("broken", "http_request")))

    assert outcome.status == "succeeded"
    errors = [json.loads(m["content"])["error"] for m in tool_messages(openai_stub.requests[1])]
    assert errors[0] == "broken failed: RuntimeError: disk on fire"
    assert errors[1].startswith("refused: 127.0.0.1 is a loopback address")
    assert errors[2].startswith("no tool named 'not_a_tool'")
    assert sorted(s.error or "" for s in outcome.steps if s.kind == "tool")[0].startswith("broken failed")


async def test_tool_arguments_that_are_not_json(openai_stub: OpenAIStub, make_runner: MakeRunner) -> None:
    openai_stub.push(
        Reply(
            body={
                "id": "x",
                "object": "chat.completion",
                "created": 0,
                "model": "gpt-4o-mini",
                "choices": [
                    {
                        "index": 0,
                        "finish_reason": "tool_calls",
                        "message": {
                            "role": "assistant",
                            "content": None,
                            "tool_calls": [
                                {
                                    "id": "c1",
                                    "type": "function",
                                    "function": {"name": "current_time", "arguments": "{"},
                                }
                            ],
                        },
                    }
                ],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
            }
        )
    )
    openai_stub.push_text("ok")

    outcome = await make_runner().run(make_request())

    assert outcome.status == "succeeded"
    assert "not valid JSON" in json.loads(tool_messages(openai_stub.requests[1])[0]["content"])["error"]


async def test_secrets_never_reach_the_records(openai_stub: OpenAIStub, make_runner: MakeRunner, web: Web) -> None:
    token = "s3cr3t-bearer-token-value"
    url = web.url("/echo?api_key=qwerty12345&page=2")
    openai_stub.push_tool_calls(
        [
            (
                "http_request",
                {"url": url, "headers": {"Authorization": f"Bearer {token}", "X-Api-Key": "k-999999"}},
            )
        ]
    )
    openai_stub.push_text("fetched")
    request = make_request(instructions=f"Call {url} with header Authorization: Bearer {token}")

    outcome = await make_runner(allow=("127.0.0.1",)).run(request)

    assert outcome.status == "succeeded"
    # The site really got the credentials (the tool must work) ...
    echoed = json.loads(
        json.loads(tool_messages(openai_stub.requests[1])[0]["content"])["body"].replace("[REDACTED]", "R")
    )
    assert echoed["path"].startswith("/echo?api_key=")
    # ... but the records never show them.
    recorded = json.dumps([s.__dict__ for s in outcome.steps], default=str)
    for secret in (token, "qwerty12345", "k-999999", "sk-test", "abc123secret"):
        assert secret not in recorded
    tool_step = outcome.steps[1]
    assert tool_step.input["arguments"]["headers"]["Authorization"] == "[REDACTED]"
    assert tool_step.input["arguments"]["url"].endswith("/echo?api_key=[REDACTED]&page=2")
    assert tool_step.output["headers"]["set-cookie"] == "[REDACTED]"


async def test_no_llm_configured_says_what_to_set(monkeypatch: pytest.MonkeyPatch, clock: Any) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    settings = Settings(llm_model="openai/gpt-4o-mini", llm_api_base=None, llm_api_key=None)
    client = LiteLLMClient(settings)
    runner = AgentRunner(client, clock=clock, config=AgentConfig.from_settings(settings))

    outcome = await runner.run(make_request())

    assert outcome.status == "failed"
    assert outcome.reason == "no LLM configured"
    assert outcome.error is not None
    for name in ("LLM_MODEL", "LLM_API_BASE", "LLM_API_KEY"):
        assert name in outcome.error
    assert len(outcome.steps) == 1
