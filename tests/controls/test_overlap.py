"""Overlap policies end to end: skip, buffer_one, cancel_other and allow, on both databases."""

from __future__ import annotations

import asyncio

from app.services.inputs import TaskUpdate
from tests.scheduler.conftest import Harness
from tests.scheduler.test_firing import executions, utc


async def _blocked_task(harness: Harness, policy: str) -> int:
    """A task firing every minute whose runs wait until the runner's gate opens."""
    harness.runner.gate = asyncio.Event()
    await harness.start()
    return await harness.create(
        schedule={"kind": "cron", "cron": "* * * * *", "timezone": "UTC"}, overlap_policy=policy
    )


async def _fire(harness: Harness, minute: int) -> None:
    """Move to 08:<minute> and let the fire be recorded (runs stay blocked at the gate)."""
    harness.traveller.move_to(utc(2026, 11, 23, 8, minute))
    assert harness.core is not None
    harness.core.wakeup()
    for _ in range(50):
        await asyncio.sleep(0.01)
        if not harness.core.writer.backlog:
            break
    await asyncio.sleep(0.05)


async def _statuses(harness: Harness, task_id: int, expected: list[str]) -> list[str]:
    """The task's record statuses once they read ``expected`` (or after 3 s, whatever they are)."""
    got: list[str] = []
    for _ in range(150):
        got = [r.status for r in await executions(harness, task_id)]
        if got == expected:
            break
        await asyncio.sleep(0.02)
    return got


async def _release(harness: Harness) -> None:
    assert harness.runner.gate is not None and harness.core is not None
    harness.runner.gate.set()
    await harness.core.drain()


async def test_skip_records_the_overlapping_fire_as_skipped(harness: Harness) -> None:
    task_id = await _blocked_task(harness, "skip")
    await _fire(harness, 1)
    await _fire(harness, 2)
    await _release(harness)
    runs = await executions(harness, task_id)
    assert [(r.status, r.reason) for r in runs] == [
        ("succeeded", None),
        ("skipped", "skipped: the previous run of this task was still going"),
    ]


async def test_buffer_one_runs_once_right_after_and_skips_the_rest(harness: Harness) -> None:
    task_id = await _blocked_task(harness, "buffer_one")
    await _fire(harness, 1)
    await _fire(harness, 2)  # buffered behind the running one
    await _fire(harness, 3)  # buffer full: skipped
    assert await _statuses(harness, task_id, ["running", "queued", "skipped"]) == ["running", "queued", "skipped"]
    runs = await executions(harness, task_id)
    assert "buffer_one" in (runs[2].reason or "")
    assert len(harness.runner.requests) == 1  # the buffered run waits for the running one
    await _release(harness)
    runs = await executions(harness, task_id)
    assert [r.status for r in runs] == ["succeeded", "succeeded", "skipped"]
    first, second = runs[0], runs[1]
    assert first.finished_at is not None and second.started_at is not None
    assert second.started_at >= first.finished_at
    assert "waited" in (second.reason or "")  # its wait is on the record


async def test_cancel_other_cancels_the_running_run_with_a_reason(harness: Harness) -> None:
    task_id = await _blocked_task(harness, "cancel_other")
    await _fire(harness, 1)
    await _fire(harness, 2)
    await _release(harness)
    runs = await executions(harness, task_id)
    assert [r.status for r in runs] == ["cancelled", "succeeded"]
    assert "replaced it (cancel_other)" in (runs[0].reason or "")
    assert runs[0].finished_at is not None


async def test_allow_runs_in_parallel(harness: Harness) -> None:
    task_id = await _blocked_task(harness, "allow")
    await _fire(harness, 1)
    await _fire(harness, 2)
    await _fire(harness, 3)
    assert await _statuses(harness, task_id, ["running"] * 3) == ["running"] * 3
    await _release(harness)
    assert [r.status for r in await executions(harness, task_id)] == ["succeeded"] * 3


async def test_policy_change_takes_effect_and_no_fire_is_recorded_twice(harness: Harness) -> None:
    task_id = await _blocked_task(harness, "skip")
    await harness.call(lambda s: s.update(task_id, TaskUpdate(overlap_policy="allow")))
    await _fire(harness, 1)
    await _fire(harness, 1)  # the same scheduled time again: still one record
    await _fire(harness, 2)
    await _release(harness)
    runs = await executions(harness, task_id)
    assert [(r.scheduled_for.minute, r.status) for r in runs] == [(1, "succeeded"), (2, "succeeded")]
