"""Recovery policy as pure decisions, and its heavy planning kept off the event loop."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from app.scheduler.recovery import LeftQueued, StoredTask, plan_all, settle_left_queued
from app.schedules import CronSpec, compile_schedule

NOW = datetime(2026, 3, 29, 6, 0, tzinfo=UTC)
GRACE = timedelta(seconds=60)


@pytest.mark.parametrize(
    ("trigger", "policy", "late_s", "attempt", "expected"),
    [
        ("schedule", "skip", 30, 1, None),  # within the grace: still runs
        ("schedule", "skip", 90, 1, ("missed", "came back 90 s late; missed-run policy 'skip'")),
        ("schedule", "fail", 3600, 1, ("failed", "came back 60 min late; missed-run policy 'fail'")),
        ("schedule", "catchup", 3600, 1, None),  # it is the catch-up run
        ("catchup", "skip", 3600, 1, None),
        ("manual", "skip", 86400, 1, None),  # asked for by hand: always runs
        ("schedule", "skip", 10800, 2, ("missed", "interrupted before its first model call")),
    ],
)
def test_settle_left_queued(
    trigger: str, policy: str, late_s: int, attempt: int, expected: tuple[str, str] | None
) -> None:
    run = LeftQueued(
        execution_id=1,
        trigger=trigger,
        scheduled_for=NOW - timedelta(seconds=late_s),
        policy=policy,
        attempt=attempt,
    )
    settled = settle_left_queued(run, now=NOW, grace=GRACE)
    if expected is None:
        assert settled is None
    else:
        assert settled is not None and settled.status == expected[0] and expected[1] in settled.reason


async def test_planning_a_long_downtime_leaves_the_event_loop_free() -> None:
    compiled = compile_schedule(CronSpec(cron="* * * * *", timezone="Europe/Berlin"), anchor=NOW)
    tasks = [
        (
            StoredTask(id=i, policy="skip", kind="cron", next_run_at=NOW - timedelta(hours=6), revision=1),
            compiled,
        )
        for i in range(60)
    ]
    ticks = 0
    stop = asyncio.Event()

    async def ticker() -> None:
        nonlocal ticks
        while not stop.is_set():
            ticks += 1
            await asyncio.sleep(0.001)

    ticking = asyncio.create_task(ticker())
    await asyncio.sleep(0)
    before = ticks
    plans = await plan_all(tasks, now=NOW, grace=GRACE)
    during = ticks - before
    stop.set()
    await ticking

    assert len(plans) == 60 and all(len(fires) == 361 for fires, _next in plans)
    assert during >= 3, "the loop was blocked while 60 x 361 missed fires were planned"
