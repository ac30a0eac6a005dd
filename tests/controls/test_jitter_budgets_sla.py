"""Jitter and preview agreement, failure auto-pause, SLA breaches recorded and reported, period budgets."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from app.api.schemas import TaskOut
from app.clock import SystemClock
from app.controls.settings import ControlSettings
from app.notify import Notifier, RunEvent
from app.notify.spec import DeliveryAttempt
from app.services.inputs import TaskUpdate
from app.services.views import TaskView
from tests.scheduler.conftest import Harness
from tests.scheduler.test_firing import executions, task_row, utc
from tests.support.runners import ScriptedRunner


class CapturingNotifier(Notifier):
    """Keeps the events instead of sending them."""

    def __init__(self) -> None:
        super().__init__(clock=SystemClock())
        self.events: list[RunEvent] = []

    async def deliver(self, event: RunEvent) -> list[DeliveryAttempt]:
        self.events.append(event)
        return []


async def test_jitter_moves_the_start_deterministically_and_previews_agree(harness: Harness) -> None:
    await harness.start()
    task_id = await harness.create(
        schedule={"kind": "cron", "cron": "0 * * * *", "timezone": "UTC"}, jitter_seconds=1800
    )
    preview = TaskOut.of(TaskView.of(await task_row(harness, task_id)))
    first = preview.next_fires[0]
    assert first.scheduled_for == utc(2026, 11, 23, 9)
    assert first.scheduled_for < first.due_at < first.scheduled_for + timedelta(seconds=1800)
    # At the nominal time the fire is recorded, but waits for its due time.
    await harness.move_to(utc(2026, 11, 23, 9))
    (run,) = await executions(harness, task_id)
    assert run.status == "queued" and run.due_at == first.due_at and run.scheduled_for == first.scheduled_for
    assert harness.runner.requests == []
    # A restarted scheduler (another process) computes the same due time and starts it then.
    await harness.stop()
    await harness.start()
    await harness.move_to(first.due_at - timedelta(seconds=1))
    assert [r.status for r in await executions(harness, task_id)] == ["queued"]
    await harness.move_to(first.due_at)
    (run,) = await executions(harness, task_id)
    assert run.status == "succeeded"
    assert run.started_at == first.due_at
    # The next fire's due time is the one the preview showed.
    await harness.move_to(preview.next_fires[1].due_at)
    runs = await executions(harness, task_id)
    assert [(r.scheduled_for, r.due_at) for r in runs] == [(f.scheduled_for, f.due_at) for f in preview.next_fires[:2]]


async def test_spread_round_hours_spreads_tasks_over_the_window(harness: Harness) -> None:
    await harness.start(controls=ControlSettings(spread_seconds=600))
    ids = [await harness.create(schedule={"kind": "cron", "cron": "0 9 * * *", "timezone": "UTC"}) for _ in range(5)]
    await harness.move_to(utc(2026, 11, 23, 9))
    runs = await executions(harness)
    assert {r.task_id for r in runs} == set(ids)
    dues = sorted(r.due_at for r in runs if r.due_at is not None)
    assert len(set(dues)) == 5
    assert all(utc(2026, 11, 23, 9) <= d < utc(2026, 11, 23, 9, 10) for d in dues)
    for due in dues:
        await harness.move_to(due)
    runs = await executions(harness)
    assert all(r.status == "succeeded" and r.started_at == r.due_at for r in runs)


async def test_pause_after_failures_pauses_with_a_note_and_resume_clears_it(harness: Harness) -> None:
    harness.runner = ScriptedRunner(fail=True)
    await harness.start()
    task_id = await harness.create(
        schedule={"kind": "interval", "every_seconds": 60, "timezone": "UTC"}, pause_after_failures=3
    )
    for minute in range(1, 6):
        await harness.move_to(utc(2026, 11, 23, 8, minute))
    runs = await executions(harness, task_id)
    assert [r.status for r in runs] == ["failed"] * 3  # paused after the third
    task = await task_row(harness, task_id)
    assert task.state == "paused"
    assert task.pause_note == "paused automatically after 3 consecutive failed runs"
    resumed = await harness.call(lambda s: s.resume(task_id))
    assert resumed.state == "active" and resumed.pause_note is None
    # A fresh streak is needed to pause again: one more failure does not.
    await harness.move_to(utc(2026, 11, 23, 8, 7))
    assert (await task_row(harness, task_id)).state == "active"


async def test_manual_pause_note_is_kept_until_resume(harness: Harness) -> None:
    await harness.start()
    task_id = await harness.create(schedule={"kind": "cron", "cron": "0 9 * * *", "timezone": "UTC"})
    paused = await harness.call(lambda s: s.pause(task_id, "vendor outage, see INC-42"))
    assert paused.pause_note == "vendor outage, see INC-42"
    resumed = await harness.call(lambda s: s.resume(task_id))
    assert resumed.pause_note is None


async def test_sla_breaches_are_recorded_and_reported(harness: Harness) -> None:
    notifier = CapturingNotifier()
    harness.runner.gate = asyncio.Event()
    await harness.start(notifier=notifier)
    task_id = await harness.create(
        schedule={"kind": "cron", "cron": "0 9 * * *", "timezone": "UTC"},
        max_duration_seconds=60,
        max_delay_seconds=30,
        notify={"webhook_url": "https://hooks.example.com/x", "on": "failure"},
    )
    harness.traveller.move_to(utc(2026, 11, 23, 9))
    assert harness.core is not None
    harness.core.wakeup()
    # The run takes two minutes of (moved) clock time.
    await asyncio.wait_for(harness.runner.started.wait(), 5)
    harness.traveller.move_to(utc(2026, 11, 23, 9, 2))
    harness.runner.gate.set()
    await harness.core.drain()
    (run,) = await executions(harness, task_id)
    assert run.status == "succeeded"
    assert run.sla_breach == "ran 120s (max_duration_seconds=60)"
    # A succeeded run is not reported under on=failure, but its breach is.
    (event,) = notifier.events
    assert event.execution_id == run.id and event.error == "SLA breach: ran 120s (max_duration_seconds=60)"


async def test_late_start_breach_when_a_run_waits_for_its_key(harness: Harness) -> None:
    await harness.start()
    async with harness.sessions() as s:
        from app.services.concurrency import ControlService

        await ControlService(s, SystemClock()).put_key("slack", 0)  # closed: nothing of the key runs
        await s.commit()
    task_id = await harness.create(
        schedule={"kind": "cron", "cron": "0 9 * * *", "timezone": "UTC"},
        concurrency_key="slack",
        max_delay_seconds=30,
    )
    await harness.move_to(utc(2026, 11, 23, 9))
    (run,) = await executions(harness, task_id)
    assert run.status == "queued" and run.reason == "waiting for concurrency key 'slack' (0/0 running)"
    async with harness.sessions() as s:
        await ControlService(s, SystemClock()).put_key("slack", 1)
        await s.commit()
    await harness.move_to(utc(2026, 11, 23, 9, 1, 30))
    (run,) = await executions(harness, task_id)
    assert run.status == "succeeded"
    assert run.trigger_delay_ms == 90_000
    assert run.reason == "waited 90s in the queue (waiting for concurrency key 'slack' (0/0 running))"
    assert run.sla_breach == "started 90s late (max_delay_seconds=30)"


async def test_daily_budget_spent_skips_the_fire_and_can_pause(harness: Harness) -> None:
    await harness.start()
    task_id = await harness.create(
        schedule={"kind": "interval", "every_seconds": 3600, "timezone": "UTC"},
        max_cost_usd_per_day=0.0002,
        pause_on_budget=True,
    )
    # Each scripted run costs $0.0001: two runs spend the day's budget.
    for hour in (9, 10, 11):
        await harness.move_to(utc(2026, 11, 23, hour))
    runs = await executions(harness, task_id)
    assert [r.status for r in runs] == ["succeeded", "succeeded", "skipped"]
    assert runs[2].reason == "daily budget of $0.0002 spent ($0.0002 today)"
    task = await task_row(harness, task_id)
    assert task.state == "paused"
    assert task.pause_note == "paused automatically: daily budget of $0.0002 spent ($0.0002 today)"


async def test_daily_budget_without_pause_skips_until_the_next_day(harness: Harness) -> None:
    await harness.start()
    task_id = await harness.create(
        schedule={"kind": "cron", "cron": "0 */8 * * *", "timezone": "UTC"}, max_cost_usd_per_day=0.0001
    )
    for when in (utc(2026, 11, 23, 16), utc(2026, 11, 24, 0), utc(2026, 11, 24, 8)):
        await harness.move_to(when)
    statuses: list[Any] = [(r.scheduled_for.hour, r.status) for r in await executions(harness, task_id)]
    # 16:00 ran and spent the 23rd's budget; the 24th starts afresh at 00:00, then 08:00 is skipped.
    assert statuses == [(16, "succeeded"), (0, "succeeded"), (8, "skipped")]
    assert (await task_row(harness, task_id)).state == "active"


async def test_controls_change_through_the_service(harness: Harness) -> None:
    await harness.start()
    task_id = await harness.create(schedule={"kind": "cron", "cron": "0 9 * * *", "timezone": "UTC"})
    task = await harness.call(
        lambda s: s.update(task_id, TaskUpdate(concurrency_key="openai", jitter_seconds=5, max_delay_seconds=10))
    )
    assert (task.concurrency_key, task.jitter_seconds, task.max_delay_seconds) == ("openai", 5, 10)
    task = await harness.call(lambda s: s.update(task_id, TaskUpdate(concurrency_key=None)))
    assert task.concurrency_key is None and task.jitter_seconds == 5
