"""Runs of every task kind through both executors (in process; procrastinate jobs with a worker on PostgreSQL).

http and function runs never reach the agent runner (no LLM call), leave one step of
their own kind and no token or cost figures; agent runs keep the exact instructions
they ran with, so a template changed between two runs shows in the second only.
"""

from __future__ import annotations

import json

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.services.inputs import TaskCreate, TemplateCreate, TemplateUpdate
from app.services.tasks import TaskDeps, TaskService
from app.services.templates import TemplateService
from app.services.views import RunView
from tests.kinds.conftest import Web
from tests.workers.conftest import Rig


async def test_an_http_run_makes_its_request_without_the_model(rig: Rig, web: Web) -> None:
    task_id = await rig.task(instructions=None, kind="http", http={"url": web.url("/ok"), "expected_status": 200})
    execution_id = await rig.queue(task_id)
    rig.submit([execution_id])
    record = await rig.wait_status(execution_id, "succeeded", "failed")
    assert record.status == "succeeded", (record.error, record.reason)
    assert record.output is not None and record.output.startswith("HTTP 200 OK from GET ")
    assert record.model is None and record.instructions is None
    assert record.prompt_tokens is None and record.completion_tokens is None and record.cost_usd is None
    (step,) = await rig.steps(execution_id)
    assert step.kind == "http" and step.output["status"] == 200
    assert rig.runner.runs == []  # the agent runner (and so the LLM) was never called


async def test_an_http_run_with_an_unexpected_status_fails_with_the_reason(rig: Rig, web: Web) -> None:
    task_id = await rig.task(instructions=None, kind="http", http={"url": web.url("/status?code=500")})
    execution_id = await rig.queue(task_id)
    rig.submit([execution_id])
    record = await rig.wait_status(execution_id, "succeeded", "failed")
    assert record.status == "failed"
    assert record.reason == "expected a 2xx status, got HTTP 500 Internal Server Error"


async def test_a_function_run_calls_the_registered_function(rig: Rig, functions: str) -> None:
    task_id = await rig.task(instructions=None, kind="function", function="echo")
    execution_id = await rig.queue(task_id)
    rig.submit([execution_id])
    record = await rig.wait_status(execution_id, "succeeded", "failed")
    assert record.status == "succeeded", (record.error, record.reason)
    answer = json.loads(record.output or "")
    assert answer["task_id"] == task_id and answer["execution_id"] == execution_id
    assert record.model is None and record.prompt_tokens is None and record.cost_usd is None
    assert [s.kind for s in await rig.steps(execution_id)] == ["function"]
    assert rig.runner.runs == []


async def test_a_failing_function_fails_the_run(rig: Rig, functions: str) -> None:
    task_id = await rig.task(instructions=None, kind="function", function="boom")
    execution_id = await rig.queue(task_id)
    rig.submit([execution_id])
    record = await rig.wait_status(execution_id, "succeeded", "failed")
    assert record.status == "failed" and record.error == "ValueError: the data is bad"


async def _templated_task(sessions: async_sessionmaker[AsyncSession], rig: Rig) -> int:
    async with sessions() as s:
        await TemplateService(s, rig.clock).create(
            TemplateCreate(name="digest", instructions="Summarise {{page}} for {{team}}.")
        )
        task = await TaskService(s, TaskDeps(clock=rig.clock)).create(
            TaskCreate.model_validate(
                {
                    "name": "templated",
                    "schedule": {"kind": "interval", "every_seconds": 3600},
                    "template": "digest",
                    "params": {"page": "status.example.com", "team": "ops"},
                }
            )
        )
        await s.commit()
    return task.id


async def test_a_template_change_reaches_the_next_run_and_each_record_keeps_its_text(
    rig: Rig, sessions: async_sessionmaker[AsyncSession]
) -> None:
    task_id = await _templated_task(sessions, rig)
    first = await rig.queue(task_id)
    rig.submit([first])
    await rig.wait_status(first, "succeeded")
    async with sessions() as s:
        await TemplateService(s, rig.clock).update("digest", TemplateUpdate(instructions="Only {{page}}, briefly."))
        await s.commit()
    second = await rig.queue(task_id)
    rig.submit([second])
    await rig.wait_status(second, "succeeded")
    before, after = await rig.record(first), await rig.record(second)
    assert before.instructions == "Summarise status.example.com for ops."
    assert after.instructions == "Only status.example.com, briefly."
    # What the agent was given, each time (the scripted runner records it as its step's input).
    steps = [(await rig.steps(i))[0].input["instructions"] for i in (first, second)]
    assert steps == [before.instructions, after.instructions]
    assert RunView.of(after, "UTC").instructions == after.instructions
