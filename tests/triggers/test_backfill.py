"""Backfill: the engine's own fire times over a past window (across a clock change), each run once, in order."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import select

from app.clock import SystemClock
from app.db.models import Execution
from app.services.backfill import BackfillReport, BackfillService
from app.services.events import EventBroker
from app.services.notifier import scheduler_subscriber
from app.services.unit_of_work import UnitOfWork
from tests.api.test_tasks_api import assert_error, create
from tests.scheduler.conftest import Harness

BERLIN_9AM = {"kind": "cron", "cron": "0 9 * * *", "timezone": "Europe/Berlin"}
# Berlin leaves summer time on Sunday 2026-10-25 (03:00 CEST -> 02:00 CET).
START = "2026-10-24T00:00:00+02:00"
END = "2026-10-26T23:00:00+01:00"


def utc(year: int, month: int, day: int, hour: int) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


async def backfill(
    h: Harness, task_id: int, *, dry_run: bool, start: str = START, end: str = END, drain: bool = True
) -> BackfillReport:
    """Backfill ``task_id`` from ``start`` to ``end`` through the service, then (``drain``) run what fell due."""
    broker = EventBroker()
    assert h.core is not None
    broker.subscribe(scheduler_subscriber(h.core))
    async with UnitOfWork(h.sessions, broker) as uow:
        report = await BackfillService(uow.session, SystemClock()).backfill(
            task_id, datetime.fromisoformat(start), datetime.fromisoformat(end), dry_run=dry_run
        )
        await uow.commit()
    if drain:
        await h.core.drain()
    return report


async def records(h: Harness, task_id: int) -> list[Execution]:
    async with h.sessions() as s:
        stmt = select(Execution).where(Execution.task_id == task_id).order_by(Execution.scheduled_for)
        return list((await s.execute(stmt)).scalars())


async def test_backfill_across_a_clock_change_runs_each_fire_once_in_order(harness: Harness) -> None:
    await harness.start()
    task_id = await harness.create(schedule=BERLIN_9AM)
    preview = await backfill(harness, task_id, dry_run=True)
    # 09:00 in Berlin is 07:00 UTC in summer time and 08:00 UTC after the change.
    expected = [utc(2026, 10, 24, 7), utc(2026, 10, 25, 8), utc(2026, 10, 26, 8)]
    assert [f.scheduled_for for f in preview.fires] == expected
    assert [f.window_start for f in preview.fires] == [utc(2026, 10, 23, 7), *expected[:2]]
    assert {f.status for f in preview.fires} == {"new"} and preview.new == 3
    assert await records(harness, task_id) == []

    report = await backfill(harness, task_id, dry_run=False)
    assert [f.status for f in report.fires] == ["queued", "waiting", "waiting"]
    assert harness.core is not None
    for _ in range(3):
        await harness.core.drain()
    runs = await records(harness, task_id)
    assert [(r.scheduled_for, r.trigger, r.status) for r in runs] == [(t, "backfill", "succeeded") for t in expected]
    assert [r.id for r in runs] == [f.execution_id for f in report.fires]
    # Each run was told its own period, oldest first.
    requests = harness.runner.requests
    assert [(r.trigger, r.window_start, r.window_end) for r in requests] == [
        ("backfill", utc(2026, 10, 23, 7), expected[0]),
        ("backfill", expected[0], expected[1]),
        ("backfill", expected[1], expected[2]),
    ]

    # Again over a wider window: recorded fires are never run again; only the new one runs.
    again = await backfill(harness, task_id, dry_run=False, end="2026-10-27T23:00:00+01:00")
    assert [f.status for f in again.fires] == ["already_recorded"] * 3 + ["queued"]
    await harness.core.drain()
    assert len(harness.runner.requests) == 4


async def test_backfill_waits_behind_a_running_run(harness: Harness) -> None:
    import asyncio

    harness.runner.gate = asyncio.Event()
    await harness.start()
    task_id = await harness.create(schedule=BERLIN_9AM)
    await harness.call(lambda svc: svc.run_now(task_id), drain=False)
    await asyncio.wait_for(harness.runner.started.wait(), 5)
    report = await backfill(harness, task_id, dry_run=False, drain=False)
    assert [f.status for f in report.fires] == ["waiting"] * 3
    harness.runner.gate.set()
    assert harness.core is not None
    for _ in range(4):
        await harness.core.drain()
    runs = await records(harness, task_id)
    assert [r.status for r in runs] == ["succeeded"] * 4
    assert [r.trigger for r in runs] == ["backfill", "backfill", "backfill", "manual"]


async def test_backfill_api_answers_the_fires_and_refuses_bad_windows(client: httpx.AsyncClient) -> None:
    task = await create(client, schedule=BERLIN_9AM)
    url = f"/api/tasks/{task['id']}/backfill"
    body: dict[str, Any] = {"start": START, "end": END, "dry_run": True}
    response = await client.post(url, json=body)
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["total"] == 3 and report["new"] == 3 and report["dry_run"] is True
    assert [f["scheduled_for"] for f in report["fires"]] == [
        "2026-10-24T09:00:00+02:00",
        "2026-10-25T09:00:00+01:00",
        "2026-10-26T09:00:00+01:00",
    ]
    queued = (await client.post(url, json={**body, "dry_run": False})).json()
    assert [f["status"] for f in queued["fires"]] == ["queued", "waiting", "waiting"]
    listed = (await client.get(f"/api/tasks/{task['id']}/executions")).json()
    assert {(r["trigger"], r["status"]) for r in listed["items"]} == {("backfill", "queued"), ("backfill", "waiting")}
    # A second backfill of the same window records nothing new.
    twice = (await client.post(url, json={**body, "dry_run": False})).json()
    assert twice["new"] == 0 and twice["already_recorded"] == 3

    every_minute = await create(client, name="often", schedule={"kind": "cron", "cron": "* * * * *"})
    error = assert_error(
        await client.post(
            f"/api/tasks/{every_minute['id']}/backfill",
            json={"start": "2026-11-01T00:00:00Z", "end": "2026-11-02T00:00:00Z"},
        ),
        422,
        "validation_error",
    )
    assert "1000" in error["message"]
    assert_error(await client.post(url, json={"start": END, "end": START}), 422, "validation_error")
    future = {"start": START, "end": "2026-12-30T00:00:00Z"}
    assert "future" in assert_error(await client.post(url, json=future), 422, "validation_error")["message"]
    naive = {"start": "2026-10-24T00:00:00", "end": END}
    assert_error(await client.post(url, json=naive), 422, "validation_error")
    assert_error(await client.post("/api/tasks/999/backfill", json=body), 404, "not_found")


async def test_retention_never_prunes_a_backfilled_run_still_waiting(harness: Harness) -> None:
    from app.db.repositories.ops import RetentionRepository

    await harness.start()
    task_id = await harness.create(schedule=BERLIN_9AM)
    await backfill(harness, task_id, dry_run=False, drain=False)
    async with harness.sessions() as s:
        ids = await RetentionRepository(s).expired_ids(before=utc(2026, 11, 20, 0), limit=100)
    assert ids == []
    assert harness.core is not None
    for _ in range(3):
        await harness.core.drain()
    async with harness.sessions() as s:
        ids = await RetentionRepository(s).expired_ids(before=utc(2026, 11, 20, 0), limit=100)
    assert len(ids) == 3  # finished now: ordinary records under the retention rules
