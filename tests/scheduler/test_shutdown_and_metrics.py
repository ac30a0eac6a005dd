"""Stopping lets runs finish within the grace period and records the rest; metrics follow every fire."""

from __future__ import annotations

import asyncio

from prometheus_client import REGISTRY

from tests.scheduler.conftest import Harness
from tests.scheduler.test_firing import executions, utc


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_stop_records_runs_past_the_grace_period_as_interrupted(harness: Harness) -> None:
    harness.runner.gate = asyncio.Event()  # the run never finishes by itself
    await harness.start()
    task_id = await harness.create(schedule={"kind": "cron", "cron": "0 9 * * *", "timezone": "UTC"})
    harness.traveller.move_to(utc(2026, 11, 23, 9))
    assert harness.core is not None
    harness.core.wakeup()
    await asyncio.wait_for(harness.runner.started.wait(), 5)
    await harness.core.stop(grace_seconds=0.1)
    harness.core = None
    (run,) = await executions(harness, task_id)
    assert run.status == "interrupted"
    assert run.reason and "stopped" in run.reason
    assert run.finished_at is not None


async def test_stop_waits_for_a_run_that_finishes_within_the_grace_period(harness: Harness) -> None:
    harness.runner.gate = asyncio.Event()
    await harness.start()
    task_id = await harness.create(schedule={"kind": "cron", "cron": "0 9 * * *", "timezone": "UTC"})
    harness.traveller.move_to(utc(2026, 11, 23, 9))
    assert harness.core is not None
    harness.core.wakeup()
    await asyncio.wait_for(harness.runner.started.wait(), 5)
    asyncio.get_running_loop().call_later(0.2, harness.runner.gate.set)
    await harness.core.stop(grace_seconds=10)
    harness.core = None
    (run,) = await executions(harness, task_id)
    assert run.status == "succeeded"


async def test_metrics_count_fires_runs_delay_and_llm_usage(harness: Harness) -> None:
    ran, skipped = sample("taskrunner_fires_total", outcome="ran"), sample("taskrunner_fires_total", outcome="missed")
    succeeded = sample("taskrunner_runs_total", status="succeeded")
    delays = sample("taskrunner_trigger_delay_seconds_count")
    tokens = sample("taskrunner_llm_tokens_total", model="scripted", kind="prompt")
    await harness.start()
    await harness.create(schedule={"kind": "cron", "cron": "0 * * * *", "timezone": "UTC"})
    await harness.move_to(utc(2026, 11, 23, 9))
    await harness.move_to(utc(2026, 11, 23, 10))
    assert sample("taskrunner_fires_total", outcome="ran") == ran + 2
    assert sample("taskrunner_fires_total", outcome="missed") == skipped
    # A clock that jumps two fires at once (the loop fell behind): the older one is accounted as missed.
    await harness.move_to(utc(2026, 11, 23, 12))
    assert sample("taskrunner_fires_total", outcome="missed") == skipped + 1
    assert sample("taskrunner_fires_total", outcome="ran") == ran + 3
    assert sample("taskrunner_runs_total", status="succeeded") == succeeded + 3
    assert sample("taskrunner_trigger_delay_seconds_count") == delays + 3
    assert sample("taskrunner_llm_tokens_total", model="scripted", kind="prompt") == tokens + 30
    assert sample("taskrunner_on_time_rate") > 0
