"""Firing on time: records, standard cron meaning, DST, one-time tasks, pause/resume/change."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.db.models import Execution, ExecutionStep, Task
from app.services.inputs import TaskUpdate
from tests.scheduler.conftest import Harness


async def executions(h: Harness, task_id: int | None = None) -> list[Execution]:
    async with h.sessions() as s:
        stmt = select(Execution).order_by(Execution.scheduled_for, Execution.id)
        if task_id is not None:
            stmt = stmt.where(Execution.task_id == task_id)
        return list((await s.execute(stmt)).scalars())


async def task_row(h: Harness, task_id: int) -> Task:
    async with h.sessions() as s:
        task = await s.get(Task, task_id)
        assert task is not None
        return task


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


async def test_cron_task_fires_on_time_and_leaves_a_succeeded_record(harness: Harness) -> None:
    await harness.start()
    task_id = await harness.create(schedule={"kind": "cron", "cron": "0 9 * * 1-5", "timezone": "Europe/Berlin"})
    # 2026-11-23 is a Monday; 09:00 Berlin (CET) is 08:00 UTC, which is "now": next is Tuesday.
    await harness.move_to(utc(2026, 11, 24, 7, 59, 59))
    assert await executions(harness) == []
    await harness.move_to(utc(2026, 11, 24, 8, 0, 0))
    (run,) = await executions(harness)
    assert run.task_id == task_id
    assert run.status == "succeeded"
    assert run.trigger == "schedule"
    assert run.scheduled_for == utc(2026, 11, 24, 8)
    assert run.trigger_delay_ms == 0
    assert run.output == "done"
    assert run.prompt_tokens == 10 and run.completion_tokens == 5
    assert run.started_at is not None and run.finished_at is not None and run.duration_ms is not None
    async with harness.sessions() as s:
        steps = (await s.execute(select(ExecutionStep).where(ExecutionStep.execution_id == run.id))).scalars()
        assert [st.name for st in steps] == ["scripted"]
    assert (await task_row(harness, task_id)).next_run_at == utc(2026, 11, 25, 8)
    # The run saw what it covers: no earlier run, so the window opens at nothing.
    assert harness.runner.requests[0].window_end == utc(2026, 11, 24, 8)


async def test_standard_cron_meaning_when_firing(harness: Harness) -> None:
    await harness.start()
    sunday = await harness.create(schedule={"kind": "cron", "cron": "0 12 * * 7", "timezone": "UTC"})
    either = await harness.create(schedule={"kind": "cron", "cron": "0 6 1 * mon", "timezone": "UTC"})
    await harness.move_to(utc(2026, 12, 2, 0, 0))
    fired = {(e.task_id, e.scheduled_for) for e in await executions(harness)}
    # Day-of-week 7 is Sunday (Nov 29); "1st of the month OR Monday" fires Nov 30 (Mon) and Dec 1.
    assert (sunday, utc(2026, 11, 29, 12)) in fired
    assert {(either, utc(2026, 11, 30, 6)), (either, utc(2026, 12, 1, 6))} <= fired
    assert len(fired) == 3


async def test_fixed_time_in_dst_gap_runs_once_when_the_clock_jumps(harness: Harness) -> None:
    harness.traveller.move_to(utc(2026, 3, 28, 12))
    await harness.start()
    task_id = await harness.create(schedule={"kind": "cron", "cron": "30 2 * * *", "timezone": "Europe/Berlin"})
    await harness.move_to(utc(2026, 3, 30, 12))
    times = [e.scheduled_for for e in await executions(harness, task_id)]
    # 02:30 does not exist on 2026-03-29 in Berlin: it runs at 03:00 CEST (01:00 UTC), once.
    assert times == [utc(2026, 3, 29, 1, 0), utc(2026, 3, 30, 0, 30)]


async def test_fixed_time_in_repeated_hour_runs_once_and_wildcard_hours_keep_real_time(
    harness: Harness,
) -> None:
    harness.traveller.move_to(utc(2026, 10, 24, 12))
    await harness.start()
    fixed = await harness.create(schedule={"kind": "cron", "cron": "30 2 * * *", "timezone": "Europe/Berlin"})
    hourly = await harness.create(schedule={"kind": "cron", "cron": "0 * * * *", "timezone": "Europe/Berlin"})
    await harness.move_to(utc(2026, 10, 25, 3, 0))
    assert [e.scheduled_for for e in await executions(harness, fixed)] == [utc(2026, 10, 25, 0, 30)]
    hourly_times = [e.scheduled_for for e in await executions(harness, hourly)]
    # Every real hour fires, including both 02:00 (CEST, then CET).
    assert hourly_times == [utc(2026, 10, 24, 13) + timedelta(hours=i) for i in range(15)]


async def test_one_time_task_runs_once_then_is_completed(harness: Harness) -> None:
    await harness.start()
    task_id = await harness.create(schedule={"kind": "once", "at": "2026-11-23T10:00:00", "timezone": "Europe/Paris"})
    await harness.move_to(utc(2026, 11, 23, 9, 0))
    await harness.move_to(utc(2026, 11, 24, 9, 0))
    runs = await executions(harness, task_id)
    assert [(r.scheduled_for, r.status) for r in runs] == [(utc(2026, 11, 23, 9), "succeeded")]
    task = await task_row(harness, task_id)
    assert task.state == "completed" and task.next_run_at is None


async def test_interval_counts_from_creation_and_from_resume(harness: Harness) -> None:
    await harness.start()
    task_id = await harness.create(schedule={"kind": "interval", "every_seconds": 600, "timezone": "UTC"})
    await harness.advance(minutes=10)
    await harness.call(lambda svc: svc.pause(task_id))
    await harness.advance(minutes=25)
    await harness.call(lambda svc: svc.resume(task_id))
    await harness.advance(minutes=10)
    times = [e.scheduled_for for e in await executions(harness, task_id)]
    assert times == [utc(2026, 11, 23, 8, 10), utc(2026, 11, 23, 8, 45)]
    assert all(e.status == "succeeded" for e in await executions(harness, task_id))


async def test_paused_task_does_not_fire(harness: Harness) -> None:
    await harness.start()
    task_id = await harness.create(schedule={"kind": "cron", "cron": "*/5 * * * *", "timezone": "UTC"})
    await harness.call(lambda svc: svc.pause(task_id))
    await harness.advance(hours=1)
    assert await executions(harness, task_id) == []


async def test_changing_the_schedule_reschedules_at_once(harness: Harness) -> None:
    await harness.start()
    task_id = await harness.create(schedule={"kind": "cron", "cron": "0 12 * * *", "timezone": "UTC"})
    new = TaskUpdate.model_validate({"schedule": {"kind": "cron", "cron": "15 8 * * *", "timezone": "UTC"}})
    await harness.call(lambda svc: svc.update(task_id, new))
    await harness.move_to(utc(2026, 11, 23, 8, 15))
    assert [e.scheduled_for for e in await executions(harness, task_id)] == [utc(2026, 11, 23, 8, 15)]


async def test_deleted_task_stops_firing(harness: Harness) -> None:
    await harness.start()
    task_id = await harness.create(schedule={"kind": "cron", "cron": "* * * * *", "timezone": "UTC"})
    await harness.call(lambda svc: svc.delete(task_id))
    await harness.advance(minutes=5)
    assert await executions(harness) == []


async def test_a_fire_while_the_previous_run_is_going_is_recorded_skipped(harness: Harness) -> None:
    harness.runner.gate = asyncio.Event()
    await harness.start()
    task_id = await harness.create(schedule={"kind": "interval", "every_seconds": 60, "timezone": "UTC"})
    harness.traveller.move_to(utc(2026, 11, 23, 8, 1))
    assert harness.core is not None
    harness.core.wakeup()
    await asyncio.wait_for(harness.runner.started.wait(), 5)
    harness.traveller.move_to(utc(2026, 11, 23, 8, 2))
    harness.core.wakeup()
    for _ in range(100):
        runs = await executions(harness, task_id)
        if len(runs) == 2:
            break
        await asyncio.sleep(0.01)
    harness.runner.gate.set()
    await harness.core.drain()
    runs = await executions(harness, task_id)
    assert [(r.scheduled_for, r.status) for r in runs] == [
        (utc(2026, 11, 23, 8, 1), "succeeded"),
        (utc(2026, 11, 23, 8, 2), "skipped"),
    ]
    assert runs[1].reason and "still" in runs[1].reason


async def test_run_now_runs_once_and_refuses_overlap(harness: Harness) -> None:
    from app.errors import Conflict

    harness.runner.gate = asyncio.Event()
    await harness.start()
    task_id = await harness.create(schedule={"kind": "cron", "cron": "0 0 1 1 *", "timezone": "UTC"})
    first = await harness.call(lambda svc: svc.run_now(task_id), drain=False)
    await asyncio.wait_for(harness.runner.started.wait(), 5)
    with pytest.raises(Conflict, match="already running"):
        await harness.call(lambda svc: svc.run_now(task_id), drain=False)
    harness.runner.gate.set()
    assert harness.core is not None
    await harness.core.drain()
    (run,) = await executions(harness, task_id)
    assert run.id == first.id and run.trigger == "manual" and run.status == "succeeded"
