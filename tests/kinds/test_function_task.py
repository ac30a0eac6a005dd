"""The function task runner with a really installed package: discovery, sync and async calls, failures."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from app.clock import ManualClock
from app.runner.base import RunRequest, StepRecord
from app.runner.functions import FunctionRunner, describe_registered, registered_names
from tests.kinds.conftest import START


def request(function: str, **changes: Any) -> RunRequest:
    values: dict[str, Any] = dict(
        execution_id=11,
        task_id=5,
        task_name="nightly",
        instructions="",
        timezone="Europe/Berlin",
        model=None,
        tools=(),
        max_steps=1,
        timeout_seconds=5.0,
        max_retries=0,
        trigger="schedule",
        scheduled_for=START,
        window_start=START - timedelta(days=1),
        window_end=START,
        kind="function",
        function=function,
        inputs={"region": "eu"},
    )
    return RunRequest(**(values | changes))


def runner(**kwargs: Any) -> FunctionRunner:
    return FunctionRunner(clock=ManualClock(START), **kwargs)


async def test_functions_are_found_through_their_entry_points(functions: str) -> None:
    assert {"echo", "greet", "boom"} <= set(registered_names())
    described = {f.name: f for f in describe_registered()}
    assert described["echo"].target == f"{functions}:echo"
    assert described["echo"].summary == "Answer the call's task, window and inputs as JSON."
    assert described["boom"].summary is None and described["boom"].problem is None
    assert described["not-callable"].problem == f"{functions}:NOT_CALLABLE is not callable"


async def test_nothing_is_registered_without_the_package() -> None:
    assert "echo" not in registered_names()


async def test_a_sync_function_gets_the_run_and_its_result_is_the_output(functions: str) -> None:
    steps: list[StepRecord] = []

    async def sink(step: StepRecord) -> None:
        steps.append(step)

    outcome = await runner().run(request("echo"), on_step=sink)
    assert outcome.status == "succeeded", outcome
    assert json.loads(outcome.output or "") == {
        "task_id": 5,
        "execution_id": 11,
        "scheduled_for": START.isoformat(),
        "window_start": (START - timedelta(days=1)).isoformat(),
        "window_end": START.isoformat(),
        "inputs": {"region": "eu"},
    }
    (step,) = steps
    assert step.kind == "function" and step.name == "echo" and step.error is None
    assert step.input["inputs"] == {"region": "eu"}


async def test_an_async_function_is_awaited(functions: str) -> None:
    outcome = await runner().run(request("greet"))
    assert outcome.status == "succeeded" and outcome.output == "hello from nightly"


async def test_an_exception_fails_the_run_with_its_type_and_message(functions: str) -> None:
    outcome = await runner().run(request("boom"))
    assert outcome.status == "failed"
    assert outcome.error == "ValueError: the data is bad"
    assert outcome.reason == "the function raised ValueError"


@pytest.mark.parametrize("name", ["slow", "sleepy"])
async def test_the_tasks_timeout_bounds_the_call(functions: str, name: str) -> None:
    outcome = await runner().run(request(name, timeout_seconds=0.3))
    assert outcome.status == "timed_out"
    assert outcome.reason == "the function took longer than the task's timeout (0.3s)"
    assert outcome.output is None


async def test_a_result_that_is_not_json_fails(functions: str) -> None:
    outcome = await runner().run(request("opaque"))
    assert outcome.status == "failed"
    assert outcome.error == "the function returned object, which is neither text nor JSON"


async def test_a_long_result_is_clipped(functions: str) -> None:
    outcome = await runner(output_max_bytes=1024).run(request("huge"))
    assert outcome.status == "succeeded"
    assert outcome.output is not None and outcome.output.endswith("…[output truncated at 1 KiB of 293.0 KiB]")


async def test_a_function_no_longer_installed_fails_clearly() -> None:
    outcome = await runner().run(request("echo"))
    assert outcome.status == "failed" and outcome.reason == "unknown function"
    assert outcome.error is not None and "no installed package registers a function named 'echo'" in outcome.error
