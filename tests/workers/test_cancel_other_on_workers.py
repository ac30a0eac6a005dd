"""Overlap policy ``cancel_other`` when the run it replaces is on a worker process (PostgreSQL).

The fire's transaction closes the running record ``cancelled`` and asks procrastinate
to abort the run's job, so the worker holding it stops the agent at once and its late
outcome never writes over the ``cancelled`` record.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from app.scheduler.writer import Fire
from tests.workers.conftest import Rig


async def _replace(rig: Rig, task_id: int) -> int:
    """Record a fire of ``task_id`` under ``cancel_other`` and hand its run over, as the scheduler does."""
    recorded = await rig.writer.fire(
        Fire(
            task_id=task_id,
            scheduled_for=datetime.now(UTC) + timedelta(seconds=1),
            overlap_policy="cancel_other",
            advance=False,
        )
    )
    assert recorded.status == "queued" and recorded.execution_id is not None
    rig.submit([recorded.execution_id])
    return recorded.execution_id


async def _until(check: object, within: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not check():  # type: ignore[operator]
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def test_cancel_other_stops_the_agent_on_the_worker_and_keeps_the_record(queue_rig: Rig) -> None:
    rig = queue_rig
    rig.runner.gate = asyncio.Event()
    task_id = await rig.task(overlap_policy="cancel_other")
    first = await rig.queue(task_id, at=datetime.now(UTC) - timedelta(seconds=5))
    rig.submit([first])
    await asyncio.wait_for(rig.runner.started.wait(), 10)
    assert (await rig.record(first)).status == "running"

    second = await _replace(rig, task_id)
    replaced = await rig.record(first)
    assert replaced.status == "cancelled" and "replaced it (cancel_other)" in (replaced.reason or "")
    # The worker's agent is stopped (not left to run to its end): its job was asked to abort.
    await _until(lambda: first in rig.runner.cancelled)
    async with rig.sessions() as s:
        job = (
            await s.execute(
                text(
                    "SELECT j.status, array_agg(e.type::text ORDER BY e.id) AS events FROM procrastinate_jobs j"
                    " JOIN procrastinate_events e ON e.job_id = j.id"
                    " WHERE (j.args->>'execution_id')::int = :i GROUP BY j.status"
                ),
                {"i": first},
            )
        ).one()
    assert "abort_requested" in job.events
    # The new fire runs; the replaced record keeps its reason and the steps it made.
    await _until(lambda: second in rig.runner.runs)
    rig.runner.gate.set()
    await rig.wait_status(second, "succeeded")
    await asyncio.sleep(0.3)
    await rig.writer.close()
    rig.writer.start()
    after = await rig.record(first)
    assert (after.status, after.reason, after.output) == ("cancelled", replaced.reason, None)
    assert [s.kind for s in await rig.steps(first)] == ["llm"]
    assert rig.runner.runs == [first, second] and rig.runner.cancelled == [first]


async def test_a_run_held_without_a_job_is_stopped_by_the_heartbeat(queue_rig: Rig) -> None:
    """A run the worker started itself (offered again after waiting, so no job carries it) stops too."""
    rig = queue_rig
    rig.runner.gate = asyncio.Event()
    task_id = await rig.task(overlap_policy="cancel_other")
    first = await rig.queue(task_id, at=datetime.now(UTC) - timedelta(seconds=5))
    assert rig.worker is not None and rig.worker.processor is not None
    processor = rig.worker.processor
    held = asyncio.create_task(processor.process(first))  # no procrastinate job: nothing to abort
    await asyncio.wait_for(rig.runner.started.wait(), 10)
    second = await _replace(rig, task_id)
    await _until(lambda: first in rig.runner.cancelled, within=5)  # the heartbeat beats every 0.2 s
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(held, 5)
    rig.runner.gate.set()
    await rig.wait_status(second, "succeeded")
    after = await rig.record(first)
    assert after.status == "cancelled" and "replaced it (cancel_other)" in (after.reason or "")
