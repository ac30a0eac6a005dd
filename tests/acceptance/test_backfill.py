"""Backfill of a past window (docs/triggers.md, "Backfill"): the engine's own fire times across clock
changes, nothing recorded twice, dry runs write nothing, the 1,000-fire limit, and runs one at a time."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime
from typing import Any

import httpx

from tests.acceptance.conftest import Live, assert_error, assert_refused, create_task

BERLIN_9 = {"kind": "cron", "cron": "0 9 * * *", "timezone": "Europe/Berlin"}
# Summer time ends on 2026-10-25 (03:00 CEST -> 02:00 CET): 09:00 Berlin is 07:00 UTC before, 08:00 UTC after.
WINDOW = {"start": "2026-10-24T00:00:00+02:00", "end": "2026-10-26T23:00:00+01:00"}


def instants(report: dict[str, Any]) -> list[datetime]:
    return [datetime.fromisoformat(f["scheduled_for"]) for f in report["fires"]]


async def backfill(api: httpx.AsyncClient, task_id: int, **body: Any) -> httpx.Response:
    return await api.post(f"/api/tasks/{task_id}/backfill", json=body)


async def test_a_dst_change_fires_at_the_engines_own_times(api: httpx.AsyncClient) -> None:
    task = await create_task(api, "daily", schedule=BERLIN_9)
    dry = await backfill(api, task["id"], **WINDOW, dry_run=True)
    assert dry.status_code == 200, dry.text
    report = dry.json()
    assert [t.astimezone(UTC).isoformat() for t in instants(report)] == [
        "2026-10-24T07:00:00+00:00",
        "2026-10-25T08:00:00+00:00",
        "2026-10-26T08:00:00+00:00",
    ]
    assert [f["status"] for f in report["fires"]] == ["new"] * 3
    assert all(f["execution_id"] is None for f in report["fires"])
    assert (report["total"], report["new"], report["already_recorded"]) == (3, 3, 0)
    # A dry run writes nothing.
    assert (await api.get(f"/api/tasks/{task['id']}/executions")).json()["total"] == 0
    # Each run is told its own period: from the previous fire.
    firsts = report["fires"]
    assert datetime.fromisoformat(firsts[1]["window_start"]) == datetime.fromisoformat(firsts[0]["scheduled_for"])
    assert datetime.fromisoformat(firsts[0]["window_start"]) == datetime.fromisoformat("2026-10-23T09:00:00+02:00")


async def test_hourly_cron_keeps_real_time_through_the_repeated_hour(api: httpx.AsyncClient) -> None:
    hourly = await create_task(
        api, "hourly", schedule={"kind": "cron", "cron": "0 * * * *", "timezone": "Europe/Berlin"}
    )
    report = (
        await backfill(
            api, hourly["id"], start="2026-10-25T00:00:00+02:00", end="2026-10-25T04:00:00+01:00", dry_run=True
        )
    ).json()
    # 00:00, 01:00, 02:00 CEST, 02:00 CET, 03:00, 04:00: six real hours, none twice.
    times = instants(report)
    assert len(times) == 6 and len(set(times)) == 6
    assert [(t - times[0]).total_seconds() / 3600 for t in times] == [0, 1, 2, 3, 4, 5]
    fixed = await create_task(
        api, "half past two", schedule={"kind": "cron", "cron": "30 2 * * *", "timezone": "Europe/Berlin"}
    )
    autumn = (
        await backfill(
            api, fixed["id"], start="2026-10-24T12:00:00+02:00", end="2026-10-25T12:00:00+01:00", dry_run=True
        )
    ).json()
    assert [t.isoformat() for t in instants(autumn)] == ["2026-10-25T02:30:00+02:00"]  # the repeated hour runs once
    spring = (
        await backfill(
            api, fixed["id"], start="2026-03-28T00:00:00+01:00", end="2026-03-30T12:00:00+02:00", dry_run=True
        )
    ).json()
    assert [t.isoformat() for t in instants(spring)] == [
        "2026-03-28T02:30:00+01:00",
        "2026-03-29T03:00:00+02:00",  # in the gap: runs when the clock jumps
        "2026-03-30T02:30:00+02:00",
    ]


async def test_nothing_is_recorded_twice_even_when_backfills_race(api: httpx.AsyncClient) -> None:
    task = await create_task(api, "daily", schedule=BERLIN_9)
    first, second = await asyncio.gather(backfill(api, task["id"], **WINDOW), backfill(api, task["id"], **WINDOW))
    assert first.status_code == 200 and second.status_code == 200, (first.text, second.text)
    created = [f for r in (first.json(), second.json()) for f in r["fires"] if f["execution_id"] is not None]
    assert len(created) == 3 and len({f["execution_id"] for f in created}) == 3
    runs = (await api.get(f"/api/tasks/{task['id']}/executions")).json()["items"]
    assert len(runs) == 3 and all(r["trigger"] == "backfill" for r in runs)
    statuses = sorted(r["status"] for r in runs)
    assert statuses == ["queued", "waiting", "waiting"]
    oldest = min(runs, key=lambda r: r["scheduled_for"])
    assert oldest["status"] == "queued"
    wider = (await backfill(api, task["id"], start="2026-10-23T00:00:00+02:00", end=WINDOW["end"])).json()
    assert [f["status"] for f in wider["fires"]] == [
        "waiting",
        "already_recorded",
        "already_recorded",
        "already_recorded",
    ]
    assert (wider["new"], wider["already_recorded"]) == (1, 3)
    assert (await api.get(f"/api/tasks/{task['id']}/executions")).json()["total"] == 4


async def test_limits_and_hostile_windows_are_clear_4xx(api: httpx.AsyncClient) -> None:
    task = await create_task(api, "minutely", schedule={"kind": "cron", "cron": "* * * * *", "timezone": "UTC"})
    over = assert_error(await backfill(api, task["id"], start="2026-11-01T00:00:00Z", end="2026-11-02T00:00:00Z"), 422)
    assert "1000" in over["message"].replace(",", "")
    assert over["details"]["last_within_limit"].startswith("2026-11-01T16:39")
    exactly = await backfill(api, task["id"], start="2026-11-01T00:00:00Z", end="2026-11-01T16:39:00Z", dry_run=True)
    assert exactly.status_code == 200 and exactly.json()["total"] == 1000
    assert (await api.get(f"/api/tasks/{task['id']}/executions")).json()["total"] == 0
    future = await backfill(api, task["id"], start="2026-11-23T07:00:00Z", end="2026-11-23T09:00:00Z")
    assert "future" in assert_error(future, 422)["message"]
    naive = await backfill(api, task["id"], start="2026-11-01T00:00:00", end="2026-11-01T01:00:00")
    assert_error(naive, 422)
    backwards = await backfill(api, task["id"], start="2026-11-02T00:00:00Z", end="2026-11-01T00:00:00Z")
    assert_error(backwards, 422)
    hostile: list[Any] = [
        {"start": "0001-01-01T00:00:00+00:00", "end": "0001-01-02T00:00:00+00:00"},
        {"start": "0001-01-01T00:00:00+23:59", "end": "0001-01-01T01:00:00+23:59"},
        {"start": "1900-01-01T00:00:00-23:59", "end": "1900-01-01T00:10:00-23:59", "dry_run": True},
        {"start": "9999-12-31T00:00:00Z", "end": "9999-12-31T23:59:59Z"},
        {"start": "2026-11-01T00:00:00+25:00", "end": "2026-11-01T01:00:00Z"},
        {"start": 10**20, "end": 10**21},
        {"start": -(10**12), "end": 0},
        {"start": "yesterday", "end": "today"},
        {"start": "2026-11-01T00:00:00Z"},
        {"start": "2026-11-01T00:00:00Z", "end": "2026-11-01T00:01:00Z", "dry_run": "true"},
        {"start": "2026-11-01T00:00:00Z", "end": "2026-11-01T00:01:00Z", "dry_run": 1},
        {"start": "2026-11-01T00:00:00Z", "end": "2026-11-01T00:01:00Z", "extra": 1},
        {"start": "2026-11-01T00:00:00\u0000Z", "end": "2026-11-01T00:01:00Z"},
        [],
    ]
    for body in hostile:
        response = await api.post(f"/api/tasks/{task['id']}/backfill", json=body)
        if response.status_code == 200:  # a window that is valid after all must still be in the past and bounded
            assert response.json()["total"] <= 1000, body
        else:
            assert_refused(response)
    assert (await api.get(f"/api/tasks/{task['id']}/executions")).json()["total"] == 0
    assert_error(
        await api.post(
            "/api/tasks/424242/backfill", json={"start": "2026-11-01T00:00:00Z", "end": "2026-11-01T00:01:00Z"}
        ),
        404,
    )


async def test_a_once_task_and_a_paused_task(api: httpx.AsyncClient) -> None:
    task = await create_task(api, "daily", schedule=BERLIN_9)
    assert (await api.post(f"/api/tasks/{task['id']}/pause")).status_code == 200
    paused = await backfill(api, task["id"], **WINDOW)
    assert paused.status_code == 200 and paused.json()["new"] == 3  # an explicit request, like run now


def test_backfilled_runs_run_one_at_a_time_in_order(live: Live) -> None:
    for n in range(3):
        live.stub.push_text(f"report {n}")
    with live.http() as http:
        created = http.post(
            "/api/tasks",
            json={"name": "daily", "instructions": "Report the day.", "schedule": BERLIN_9, "tools": []},
        )
        task_id = created.json()["id"]
        report = http.post(f"/api/tasks/{task_id}/backfill", json=WINDOW)
        assert report.status_code == 200, report.text
        ids = [f["execution_id"] for f in report.json()["fires"]]
        runs = [live.wait_run(http, i) for i in ids]
    assert [r["status"] for r in runs] == ["succeeded"] * 3, [r["error"] for r in runs]
    assert [r["trigger"] for r in runs] == ["backfill"] * 3
    assert [r["output"] for r in runs] == ["report 0", "report 1", "report 2"]
    assert all(r["trigger_delay_ms"] == 0 for r in runs)
    for before, after in itertools.pairwise(runs):
        assert before["finished_at"] <= after["started_at"]
    prompts = [str(r["messages"]) for r in live.stub.requests]
    # Each run is told its own period, ending at its own fire.
    assert "2026-10-24T09:00" in prompts[0] and "2026-10-25T09:00" in prompts[1] and "2026-10-26T09:00" in prompts[2]
