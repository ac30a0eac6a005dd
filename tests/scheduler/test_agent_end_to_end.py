"""From a scheduled fire to a `succeeded` record with steps, through litellm and a real HTTP stub."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.clock import SystemClock
from app.config import Settings
from app.db.models import ExecutionStep
from app.llm.litellm_client import LiteLLMClient
from app.runner.factory import build_runner
from tests.scheduler.conftest import Harness
from tests.scheduler.test_firing import executions, utc
from tests.support.openai_stub import OpenAIStub, openai_stub  # noqa: F401


async def test_scheduled_fire_runs_the_agent_loop_and_records_each_step(
    harness: Harness,
    openai_stub: OpenAIStub,  # noqa: F811
) -> None:
    settings = Settings(llm_model="openai/test-model", llm_api_base=openai_stub.api_base, llm_api_key="sk-test")
    llm = LiteLLMClient(settings)
    harness.runner = build_runner(settings, SystemClock(), llm=llm)  # type: ignore[assignment]
    try:
        await _fire_and_check(harness, openai_stub)
    finally:
        await harness.stop()
        await llm.aclose()


async def _fire_and_check(harness: Harness, openai_stub: OpenAIStub) -> None:  # noqa: F811
    openai_stub.push_tool_calls([("current_time", {"timezone": "Europe/Berlin"})])
    openai_stub.push_text("Nothing new since last time.")
    await harness.start()
    task_id = await harness.create(
        name="digest",
        instructions="Say what is new.",
        schedule={"kind": "cron", "cron": "30 8 * * *", "timezone": "UTC"},
        tools=["current_time"],
    )
    await harness.move_to(utc(2026, 11, 23, 8, 30))
    (run,) = await executions(harness, task_id)
    assert run.status == "succeeded", (run.error, run.reason)
    assert run.output == "Nothing new since last time."
    assert run.model == "openai/test-model"
    assert run.prompt_tokens == 20 and run.completion_tokens == 10
    async with harness.sessions() as s:
        steps = list(
            (
                await s.execute(
                    select(ExecutionStep).where(ExecutionStep.execution_id == run.id).order_by(ExecutionStep.index)
                )
            ).scalars()
        )
    assert [(st.kind, st.name) for st in steps] == [
        ("llm", "test-model"),
        ("tool", "current_time"),
        ("llm", "test-model"),
    ]
    tool_output: Any = steps[1].output
    assert "Europe/Berlin" in str(tool_output)
    # The prompt carried the instructions and the task's tools, and no secret.
    first = openai_stub.requests[0]
    assert "Say what is new." in str(first["messages"])
    assert [t["function"]["name"] for t in first["tools"]] == ["current_time"]
    assert "sk-test" not in str([st.input for st in steps]) + str([st.output for st in steps])


async def test_a_hostile_answer_is_stored_bounded_redacted_and_storable(
    harness: Harness,
    openai_stub: OpenAIStub,  # noqa: F811
) -> None:
    """10 MB with a NUL and the LLM key in it: stored cut, the key removed, on either database."""
    settings = Settings(
        llm_model="openai/test-model",
        llm_api_base=openai_stub.api_base,
        llm_api_key="sk-test-key-abcdef",
        run_output_max_bytes=4096,
    )
    llm = LiteLLMClient(settings)
    harness.runner = build_runner(settings, SystemClock(), llm=llm)  # type: ignore[assignment]
    try:
        openai_stub.push_text("key sk-test-key-abcdef nul \x00 end " + "w" * (10 * 1024 * 1024))
        await harness.start()
        task_id = await harness.create(
            name="hostile", instructions="x", schedule={"kind": "cron", "cron": "30 8 * * *", "timezone": "UTC"}
        )
        await harness.move_to(utc(2026, 11, 23, 8, 30))
        (run,) = await executions(harness, task_id)
        assert run.status == "succeeded", (run.error, run.reason)
        assert run.output is not None
        assert run.output.startswith("key [REDACTED] nul \ufffd end www")
        assert run.output.endswith("…[output truncated at 4 KiB of 10.0 MiB]")
        async with harness.sessions() as s:
            (step,) = (await s.execute(select(ExecutionStep).where(ExecutionStep.execution_id == run.id))).scalars()
        assert len(step.output["content"]) < 16_100
        assert "sk-test-key-abcdef" not in step.output["content"] and "\x00" not in step.output["content"]
    finally:
        await harness.stop()
        await llm.aclose()
