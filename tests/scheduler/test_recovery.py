"""Downtime: missed-run policies, interrupted runs, and no fire run or recorded twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from app.db.models import Execution, Task
from app.db.repositories import ExecutionRepository, FireRow
from tests.scheduler.conftest import START, Harness
from tests.scheduler.test_firing import executions, task_row, utc
from tests.support.records import worker_row


async def _down_for(harness: Harness, hours: float) -> None:
    """Stop the scheduler, let time pass with nobody scheduling, start a new one."""
    await harness.stop()
    harness.traveller.move_to(datetime.now(UTC) + timedelta(hours=hours))
    await harness.start()


@pytest.mark.parametrize(
    ("policy", "statuses"),
    [
        ("skip", ["missed", "missed", "missed"]),
        ("fail", ["failed", "failed", "failed"]),
        ("catchup", ["missed", "missed", "succeeded"]),
    ],
)
async def test_missed_run_policies_after_downtime(harness: Harness, policy: str, statuses: list[str]) -> None:
    await harness.start()
    task_id = await harness.create(
        schedule={"kind": "cron", "cron": "0 * * * *", "timezone": "UTC"}, missed_run_policy=policy
    )
    await _down_for(harness, 3.5)  # 09:00, 10:00 and 11:00 pass while down; now 11:30
    runs = await executions(harness, task_id)
    assert [r.scheduled_for for r in runs] == [utc(2026, 11, 23, h) for h in (9, 10, 11)]
    assert [r.status for r in runs] == statuses
    assert all(r.reason for r in runs), "every due fire says why"
    if policy == "catchup":
        assert runs[-1].trigger == "catchup"
        assert "3 fire(s) missed" in (runs[-1].reason or "")
        assert len(harness.runner.requests) == 1
    else:
        assert harness.runner.requests == []
    assert (await task_row(harness, task_id)).next_run_at == utc(2026, 11, 23, 12)
    # Scheduling goes on normally afterwards.
    await harness.move_to(utc(2026, 11, 23, 12))
    assert (await executions(harness, task_id))[-1].status == "succeeded"


async def test_a_short_restart_within_the_grace_period_still_runs_the_fire(harness: Harness) -> None:
    await harness.start()
    task_id = await harness.create(schedule={"kind": "cron", "cron": "1 8 * * *", "timezone": "UTC"})
    await harness.stop()
    harness.traveller.move_to(START + timedelta(minutes=1, seconds=20))
    await harness.start()
    (run,) = await executions(harness, task_id)
    assert run.status == "succeeded" and run.trigger_delay_ms == 20_000


async def _left_running(harness: Harness, task_id: int, at: datetime, *, steps: int) -> int:
    """A run the previous process left ``running``, with ``steps`` steps recorded."""
    async with harness.sessions() as s:
        repo = ExecutionRepository(s)
        ((execution_id, _t, _at),) = await repo.insert_fires(
            [FireRow(task_id=task_id, scheduled_for=at, trigger="schedule", status="running")], now=at
        )
        await repo.add_steps(
            [
                {
                    "execution_id": execution_id,
                    "index": i,
                    "kind": "llm",
                    "name": "m",
                    "input": {},
                    "output": {"tool_calls": [{"name": "http_request"}]},
                    "error": None,
                    "started_at": at,
                    "latency_ms": 1.0,
                }
                for i in range(steps)
            ]
        )
        await s.commit()
    return execution_id


async def test_runs_found_running_after_their_first_model_call_become_interrupted(harness: Harness) -> None:
    await harness.start()
    task_id = await harness.create(schedule={"kind": "cron", "cron": "0 0 1 1 *", "timezone": "UTC"})
    await harness.stop()
    await _left_running(harness, task_id, START, steps=1)
    await harness.start()
    (run,) = await executions(harness, task_id)
    assert run.status == "interrupted"
    assert run.reason and "stopped" in run.reason
    assert harness.runner.requests == []


async def test_a_run_interrupted_before_its_first_model_call_starts_again(harness: Harness) -> None:
    await harness.start()
    at = START + timedelta(minutes=1)
    task_id = await harness.create(schedule={"kind": "once", "at": at.isoformat()})
    await harness.stop()
    # The process died after marking the run running, before the model answered.
    execution_id = await _left_running(harness, task_id, at, steps=0)
    async with harness.sessions() as s:
        await s.execute(update(Task).where(Task.id == task_id).values(state="completed", next_run_at=None))
        await s.commit()
    harness.traveller.move_to(at + timedelta(seconds=20))
    await harness.start()
    (run,) = await executions(harness, task_id)
    assert (run.id, run.status, run.attempt) == (execution_id, "succeeded", 2)
    assert run.reason and run.reason.startswith("restarted")
    assert len(harness.runner.requests) == 1
    assert run.trigger_delay_ms == 20_000


@pytest.mark.parametrize(
    ("policy", "trigger", "status"),
    [
        ("skip", "schedule", "missed"),
        ("fail", "schedule", "failed"),
        ("catchup", "schedule", "succeeded"),
        ("skip", "manual", "succeeded"),
    ],
)
async def test_fires_left_queued_by_a_crash_follow_the_missed_run_policy(
    harness: Harness, policy: str, trigger: str, status: str
) -> None:
    await harness.start()
    at = START + timedelta(minutes=1)
    task_id = await harness.create(schedule={"kind": "once", "at": at.isoformat()}, missed_run_policy=policy)
    await harness.stop()
    # The dead leader recorded the fire (and completed the one-time task) but never ran it.
    async with harness.sessions() as s:
        await ExecutionRepository(s).insert_fires(
            [FireRow(task_id=task_id, scheduled_for=at, trigger=trigger, status="queued")], now=at
        )
        await s.execute(update(Task).where(Task.id == task_id).values(state="completed", next_run_at=None))
        await s.commit()
    harness.traveller.move_to(at + timedelta(seconds=90))  # down longer than the 60 s grace
    await harness.start()
    (run,) = await executions(harness, task_id)
    assert run.status == status
    assert len(harness.runner.requests) == (1 if status == "succeeded" else 0)
    if status != "succeeded":
        assert run.reason is not None and f"missed-run policy '{policy}'" in run.reason and "90 s" in run.reason
        assert run.finished_at is not None


async def test_a_run_restarted_after_a_long_outage_still_follows_the_policy(harness: Harness) -> None:
    await harness.start()
    at = START + timedelta(minutes=1)
    task_id = await harness.create(schedule={"kind": "once", "at": at.isoformat()})
    await harness.stop()
    await _left_running(harness, task_id, at, steps=0)
    harness.traveller.move_to(at + timedelta(hours=2))
    await harness.start()
    (run,) = await executions(harness, task_id)
    assert (run.status, run.attempt) == ("missed", 2)
    assert run.reason and "interrupted before its first model call" in run.reason
    assert harness.runner.requests == []


async def test_a_scheduler_that_died_mid_fire_does_not_run_or_record_it_twice(harness: Harness) -> None:
    await harness.start()
    task_id = await harness.create(schedule={"kind": "cron", "cron": "5 8 * * *", "timezone": "UTC"})
    await harness.stop()
    # The dead process recorded the 08:05 fire (queued) but never ran it nor moved next_run_at.
    fire_at = utc(2026, 11, 23, 8, 5)
    async with harness.sessions() as s:
        await ExecutionRepository(s).insert_fires(
            [FireRow(task_id=task_id, scheduled_for=fire_at, trigger="schedule", status="queued")],
            now=fire_at,
        )
        await s.execute(update(Task).where(Task.id == task_id).values(next_run_at=fire_at))
        await s.commit()
    harness.traveller.move_to(fire_at + timedelta(seconds=5))
    await harness.start()
    runs = await executions(harness, task_id)
    assert [(r.scheduled_for, r.status) for r in runs] == [(fire_at, "succeeded")]
    assert len(harness.runner.requests) == 1


async def test_the_same_fire_recorded_twice_is_stored_once(harness: Harness) -> None:
    await harness.start()
    task_id = await harness.create(schedule={"kind": "cron", "cron": "0 0 1 1 *", "timezone": "UTC"})
    at = utc(2026, 11, 23, 9)
    async with harness.sessions() as s:
        repo = ExecutionRepository(s)
        row = FireRow(task_id=task_id, scheduled_for=at, trigger="schedule", status="missed", reason="x")
        assert len(await repo.insert_fires([row], now=at)) == 1
        assert await repo.insert_fires([row], now=at) == []
        await s.commit()
    assert len(await executions(harness, task_id)) == 1


async def test_every_due_fire_is_accounted_for(harness: Harness) -> None:
    await harness.start()
    ids = [
        await harness.create(schedule={"kind": "cron", "cron": "*/10 * * * *", "timezone": "UTC"}),
        await harness.create(
            schedule={"kind": "cron", "cron": "*/10 * * * *", "timezone": "UTC"}, missed_run_policy="catchup"
        ),
    ]
    await harness.advance(minutes=30)  # 08:10, 08:20, 08:30 run
    await _down_for(harness, 1)  # 08:40 .. 09:30 pass while down
    await harness.advance(minutes=20)  # 09:40, 09:50 run
    for task_id in ids:
        runs = await executions(harness, task_id)
        expected = [utc(2026, 11, 23, 8, 10) + timedelta(minutes=10 * i) for i in range(11)]
        assert [r.scheduled_for for r in runs] == expected
        assert all(r.status in {"succeeded", "missed"} for r in runs)
        assert all(r.reason for r in runs if r.status != "succeeded")
    async with harness.sessions() as s:
        assert (await s.get(Execution, 1)) is not None


async def _held_by(harness: Harness, execution_id: int, worker_id: str, *, last_heartbeat: datetime) -> None:
    async with harness.sessions() as s:
        s.add(worker_row(worker_id, last_heartbeat))
        await s.execute(update(Execution).where(Execution.id == execution_id).values(worker_id=worker_id))
        await s.commit()


async def test_a_new_leader_leaves_runs_of_live_workers_alone_and_restarts_those_of_dead_ones(
    harness: Harness,
) -> None:
    await harness.start()
    at = START + timedelta(minutes=1)
    live_task = await harness.create(schedule={"kind": "cron", "cron": "0 0 1 1 *", "timezone": "UTC"})
    dead_task = await harness.create(schedule={"kind": "cron", "cron": "0 0 1 1 *", "timezone": "UTC"})
    await harness.stop()
    harness.traveller.move_to(at + timedelta(seconds=20))
    now = at + timedelta(seconds=20)
    # Neither run has recorded a step; one worker still beats, the other went silent long ago.
    live = await _left_running(harness, live_task, at, steps=0)
    dead = await _left_running(harness, dead_task, at, steps=0)
    await _held_by(harness, live, "w-live-1", last_heartbeat=now)
    await _held_by(harness, dead, "w-dead-1", last_heartbeat=now - timedelta(hours=1))
    await harness.start()
    (still,) = await executions(harness, live_task)
    assert (still.status, still.attempt, still.worker_id) == ("running", 1, "w-live-1")
    (again,) = await executions(harness, dead_task)
    assert (again.id, again.status, again.attempt) == (dead, "succeeded", 2)
    assert again.reason and again.reason.startswith("restarted")
    assert [r.execution_id for r in harness.runner.requests] == [dead]
