"""Run budgets hit mid-run, with the stub LLM reporting usage through litellm's real transport."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from app.clock import SystemClock
from app.config import Settings
from app.llm.litellm_client import LiteLLMClient
from app.runner.factory import build_runner
from app.services.concurrency import ControlService
from tests.scheduler.conftest import Harness
from tests.scheduler.test_firing import executions, task_row, utc
from tests.support.openai_stub import OpenAIStub


@pytest.fixture
async def agent(harness: Harness, openai_stub: OpenAIStub) -> AsyncIterator[Harness]:
    settings = Settings(llm_model="openai/test-model", llm_api_base=openai_stub.api_base, llm_api_key="sk-test")
    llm = LiteLLMClient(settings)
    harness.runner = build_runner(settings, SystemClock(), llm=llm)  # type: ignore[assignment]
    try:
        yield harness
    finally:
        await harness.stop()
        await llm.aclose()


def _script_tool_loop(stub: OpenAIStub, turns: int) -> None:
    for _ in range(turns):
        stub.push_tool_calls([("current_time", {"timezone": "UTC"})], prompt_tokens=10, completion_tokens=5)
    stub.push_text("done")


async def test_token_budget_stops_the_run_mid_way_and_unknown_cost_stays_null(
    agent: Harness, openai_stub: OpenAIStub
) -> None:
    _script_tool_loop(openai_stub, 5)
    await agent.start()
    task_id = await agent.create(
        schedule={"kind": "cron", "cron": "0 9 * * *", "timezone": "UTC"}, tools=["current_time"], max_tokens_per_run=40
    )
    await agent.move_to(utc(2026, 11, 23, 9))
    (run,) = await executions(agent, task_id)
    assert run.status == "failed"
    assert run.reason == "token budget exhausted: 45 tokens used (max_total_tokens=40)"
    assert len(openai_stub.requests) == 3  # stopped before a fourth call
    assert run.prompt_tokens == 30 and run.completion_tokens == 15
    assert run.cost_usd is None  # litellm has no price for test-model: unknown, never 0


async def test_cost_budget_with_a_configured_price_stops_the_run_and_can_pause(
    agent: Harness, openai_stub: OpenAIStub
) -> None:
    _script_tool_loop(openai_stub, 5)
    async with agent.sessions() as s:
        await ControlService(s, SystemClock()).put_price("openai/test-model", 1000.0, 2000.0)
        await s.commit()
    await agent.start()
    task_id = await agent.create(
        schedule={"kind": "cron", "cron": "0 9 * * *", "timezone": "UTC"},
        tools=["current_time"],
        max_cost_usd_per_run=0.03,
        pause_on_budget=True,
    )
    await agent.move_to(utc(2026, 11, 23, 9))
    (run,) = await executions(agent, task_id)
    # Each call: 10 prompt tokens at $1000/M + 5 completion tokens at $2000/M = $0.02.
    assert run.status == "failed"
    assert run.reason == "run budget of $0.03 exhausted ($0.04 spent)"
    assert run.cost_usd == pytest.approx(0.04)
    assert len(openai_stub.requests) == 2
    task = await task_row(agent, task_id)
    assert task.state == "paused"
    assert task.pause_note == "paused automatically: run budget of $0.03 exhausted ($0.04 spent)"
