"""One contract for every executor: what the scheduler may rely on, whoever runs the runs."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from app.db.models import Execution
from tests.workers.conftest import Rig


async def test_a_submitted_run_runs_once_and_is_recorded(rig: Rig) -> None:
    task_id = await rig.task()
    execution_id = await rig.queue(task_id)
    rig.submit([execution_id])
    record = await rig.wait_status(execution_id, "succeeded")
    assert record.output == "done"
    assert record.worker_id is not None
    assert record.started_at is not None and record.finished_at is not None
    assert [s.kind for s in await rig.steps(execution_id)] == ["llm"]
    assert rig.runner.runs == [execution_id]


async def test_a_run_delivered_twice_runs_once(rig: Rig) -> None:
    task_id = await rig.task()
    execution_id = await rig.queue(task_id)
    rig.submit([execution_id, execution_id])
    await rig.wait_status(execution_id, "succeeded")
    rig.submit([execution_id])  # a late redelivery finds nothing to claim
    await asyncio.sleep(0.5)
    assert rig.runner.runs == [execution_id]


async def test_many_runs_of_many_tasks_each_run_once(rig: Rig) -> None:
    ids = [await rig.queue(await rig.task(name=f"t{i}")) for i in range(20)]
    rig.submit(ids)
    for execution_id in ids:
        await rig.wait_status(execution_id, "succeeded")
    assert sorted(rig.runner.runs) == sorted(ids)


async def test_cancel_while_queued_means_it_never_runs(rig: Rig) -> None:
    task_id = await rig.task()
    execution_id = await rig.queue(task_id)
    cancelled = await rig.cancel(execution_id)
    assert cancelled.status == "cancelled"
    rig.submit([execution_id])
    await asyncio.sleep(0.5)
    record = await rig.record(execution_id)
    assert record.status == "cancelled" and record.started_at is None
    assert rig.runner.runs == []


async def test_cancel_while_running_stops_the_agent_and_keeps_its_steps(rig: Rig) -> None:
    rig.runner.gate = asyncio.Event()  # never opened: only a cancel ends this run
    task_id = await rig.task()
    execution_id = await rig.queue(task_id)
    rig.submit([execution_id])
    await asyncio.wait_for(rig.runner.started.wait(), 10)
    requested = await rig.cancel(execution_id)
    assert requested.cancel_requested_at is not None
    record = await rig.wait_status(execution_id, "cancelled", within=5)
    assert record.reason and "cancel" in record.reason
    assert len(await rig.steps(execution_id)) == 1


async def test_stop_lets_short_runs_finish_and_interrupts_the_rest(rig: Rig) -> None:
    rig.runner.gate = asyncio.Event()
    task_id = await rig.task()
    execution_id = await rig.queue(task_id)
    rig.submit([execution_id])
    await asyncio.wait_for(rig.runner.started.wait(), 10)
    await rig.stop(grace=0.2)
    record = await rig.record(execution_id)
    assert record.status == "interrupted"
    assert record.reason and "stopped" in record.reason
    async with rig.sessions() as s:
        running = (await s.execute(select(func.count()).where(Execution.status == "running"))).scalar_one()
    assert running == 0


async def test_a_run_cut_off_is_retried_as_a_new_attempt_when_the_task_allows(rig: Rig) -> None:
    rig.runner.gate = asyncio.Event()
    task_id = await rig.task(retry_on_interrupt=True)
    execution_id = await rig.queue(task_id)
    rig.submit([execution_id])
    await asyncio.wait_for(rig.runner.started.wait(), 10)
    await rig.stop(grace=0.1)
    async with rig.sessions() as s:
        rows = (await s.execute(select(Execution).where(Execution.task_id == task_id).order_by(Execution.id))).scalars()
        first, retry = list(rows)
    assert first.status == "interrupted" and f"retried as run {retry.id}" in (first.reason or "")
    assert (retry.status, retry.trigger, retry.attempt, retry.retry_of) == ("queued", "retry", 2, first.id)


async def test_a_late_outcome_does_not_overwrite_a_run_the_leader_settled_as_lost(rig: Rig) -> None:
    from datetime import UTC, datetime, timedelta

    from app.workers.settle import settle_lost_runs

    rig.runner.gate = asyncio.Event()
    task_id = await rig.task()
    execution_id = await rig.queue(task_id)
    rig.submit([execution_id])
    await asyncio.wait_for(rig.runner.started.wait(), 10)
    holder = (await rig.record(execution_id)).worker_id
    assert holder is not None
    # The worker stalled past the stale limit: the leader settles its run...
    await settle_lost_runs(rig.sessions, now=datetime.now(UTC), stale_after=timedelta(seconds=30), dead_ids=[holder])
    assert (await rig.record(execution_id)).status == "interrupted"
    # ...and when the stalled worker finishes after all, the record keeps saying so.
    rig.runner.gate.set()
    await asyncio.sleep(0.5)
    await rig.writer.close()
    rig.writer.start()
    assert (await rig.record(execution_id)).status == "interrupted"
