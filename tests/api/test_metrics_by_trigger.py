"""/metrics counts runs started and finished by trigger from the records, so any process answers the same."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx

from app.db.repositories import FireRow
from app.metrics import RUN_STATUSES
from app.vocabulary import Trigger
from tests.scheduler.conftest import START
from tests.support.records import insert_runs


def samples(text: str, name: str) -> dict[tuple[str, ...], float]:
    """Each sample of ``name`` by its label values: (trigger,) or (trigger, status)."""
    out: dict[tuple[str, ...], float] = {}
    for labels, value in re.findall(rf"^{name}\{{([^}}]*)\}} (\S+)$", text, re.M):
        named = dict(re.findall(r'(\w+)="([^"]*)"', labels))
        out[tuple(named[k] for k in ("trigger", "status") if k in named)] = float(value)
    return out


async def test_every_trigger_is_a_series_from_the_start(client: httpx.AsyncClient) -> None:
    text = (await client.get("/metrics")).text
    started = samples(text, "taskrunner_runs_started_by_trigger")
    assert started == {(t.value,): 0.0 for t in Trigger}
    finished = samples(text, "taskrunner_runs_finished_by_trigger")
    assert finished == {(t.value, s): 0.0 for t in Trigger for s in RUN_STATUSES}


async def test_runs_are_counted_by_trigger_and_status_whoever_ran_them(client: httpx.AsyncClient, db_url: str) -> None:
    created = await client.post(
        "/api/tasks",
        json={"name": "t", "instructions": "x", "schedule": {"kind": "cron", "cron": "0 * * * *", "timezone": "UTC"}},
    )
    task_id = created.json()["id"]
    hour = timedelta(hours=1)

    def fire(trigger: str, scheduled: timedelta) -> FireRow:
        return FireRow(task_id=task_id, scheduled_for=START - scheduled, trigger=trigger, status="queued", slot=None)

    def ran(status: str, started: timedelta, finished: timedelta | None) -> dict[str, object]:
        fields: dict[str, object] = {"status": status, "started_at": START - started}
        if finished is not None:
            fields["finished_at"] = START - finished
        return fields

    await insert_runs(
        db_url,
        [
            (fire("schedule", 3 * hour), ran("succeeded", 3 * hour, 3 * hour)),
            (fire("schedule", 2 * hour), ran("failed", 2 * hour, 2 * hour)),
            # A backfilled fire of ten days ago, run today: counted when it ran, not when it was due.
            (fire("backfill", 240 * hour), ran("succeeded", hour, hour)),
            (fire("event", 5 * hour), ran("timed_out", 5 * hour, 4 * hour)),
            (fire("retry", 0.5 * hour), ran("running", 0.5 * hour, None)),  # started, not finished
            (fire("manual", 48 * hour), ran("succeeded", 48 * hour, 48 * hour)),  # older than the window
            (fire("catchup", 0.2 * hour), {}),  # queued: neither started nor finished
            (fire("manual", 0.1 * hour), {"status": "cancelled", "finished_at": START}),  # cancelled while queued
        ],
        now=START,
    )
    text = (await client.get("/metrics")).text
    started = samples(text, "taskrunner_runs_started_by_trigger")
    assert started == {
        ("schedule",): 2.0,
        ("manual",): 0.0,
        ("catchup",): 0.0,
        ("retry",): 1.0,
        ("event",): 1.0,
        ("backfill",): 1.0,
        ("dependency",): 0.0,
    }
    finished = {k: v for k, v in samples(text, "taskrunner_runs_finished_by_trigger").items() if v}
    assert finished == {
        ("schedule", "succeeded"): 1.0,
        ("schedule", "failed"): 1.0,
        ("backfill", "succeeded"): 1.0,
        ("event", "timed_out"): 1.0,
        ("manual", "cancelled"): 1.0,
    }
