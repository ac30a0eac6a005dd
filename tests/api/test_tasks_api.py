"""The task and execution endpoints: fields, lists, changes, and the error shape for bad input."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

CRON = {"kind": "cron", "cron": "0 9 * * 1-5", "timezone": "Europe/Berlin"}


async def create(client: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    body.setdefault("name", "digest")
    body.setdefault("instructions", "summarise incidents")
    body.setdefault("schedule", CRON)
    response = await client.post("/api/tasks", json=body)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def assert_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"]
    return error  # type: ignore[no-any-return]


async def test_create_answers_with_the_schedule_in_words_and_next_runs(client: httpx.AsyncClient) -> None:
    task = await create(client, tools=["current_time"], max_steps=5)
    assert task["state"] == "active" and task["enabled"] is True
    assert task["schedule"] == CRON
    assert "09:00" in task["schedule_description"]
    assert "Europe/Berlin" in task["schedule_description"]
    # Now is Monday 2026-11-23 08:00 UTC = 09:00 Berlin: the next run is Tuesday.
    assert task["next_run_at"] == "2026-11-24T09:00:00+01:00"
    assert task["next_runs"][:3] == [
        "2026-11-24T09:00:00+01:00",
        "2026-11-25T09:00:00+01:00",
        "2026-11-26T09:00:00+01:00",
    ]
    assert len(task["next_runs"]) == 5
    assert task["tools"] == ["current_time"] and task["max_steps"] == 5
    assert task["missed_run_policy"] == "skip"
    got = (await client.get(f"/api/tasks/{task['id']}")).json()
    assert got["id"] == task["id"] and got["next_runs"] == task["next_runs"]


async def test_list_paginates_and_filters(client: httpx.AsyncClient) -> None:
    for i in range(5):
        await create(client, name=f"task {i}", enabled=i % 2 == 0)
    page = (await client.get("/api/tasks", params={"limit": 2, "offset": 1})).json()
    assert page["total"] == 5 and [t["name"] for t in page["items"]] == ["task 1", "task 2"]
    paused = (await client.get("/api/tasks", params={"state": "paused"})).json()
    assert paused["total"] == 2 and {t["name"] for t in paused["items"]} == {"task 1", "task 3"}
    found = (await client.get("/api/tasks", params={"q": "TASK 4"})).json()
    assert [t["name"] for t in found["items"]] == ["task 4"]
    assert_error(await client.get("/api/tasks", params={"limit": 100_000}), 422, "validation_error")


async def test_patch_reschedules_and_pause_resume(client: httpx.AsyncClient) -> None:
    task = await create(client)
    changed = await client.patch(
        f"/api/tasks/{task['id']}",
        json={"schedule": {"kind": "interval", "every_seconds": 900}, "name": "n2"},
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert body["name"] == "n2" and body["next_run_at"] == "2026-11-23T08:15:00Z"
    paused = (await client.post(f"/api/tasks/{task['id']}/pause")).json()
    assert paused["state"] == "paused" and paused["next_run_at"] is None and paused["next_runs"] == []
    resumed = (await client.post(f"/api/tasks/{task['id']}/resume")).json()
    assert resumed["state"] == "active" and resumed["next_run_at"] == "2026-11-23T08:15:00Z"


async def test_run_now_answers_202_with_a_queued_execution(client: httpx.AsyncClient) -> None:
    task = await create(client)
    response = await client.post(f"/api/tasks/{task['id']}/run")
    assert response.status_code == 202
    execution = response.json()
    assert execution["status"] == "queued" and execution["trigger"] == "manual"
    assert_error(await client.post(f"/api/tasks/{task['id']}/run"), 409, "conflict")
    listed = (await client.get(f"/api/tasks/{task['id']}/executions")).json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == execution["id"]
    detail = (await client.get(f"/api/executions/{execution['id']}")).json()
    assert detail["steps"] == [] and detail["task_id"] == task["id"]
    everything = (await client.get("/api/executions", params={"status": "queued"})).json()
    assert everything["total"] == 1
    assert (await client.get("/api/executions", params={"status": "failed"})).json()["total"] == 0


async def test_delete(client: httpx.AsyncClient) -> None:
    task = await create(client)
    assert (await client.delete(f"/api/tasks/{task['id']}")).status_code == 204
    assert_error(await client.get(f"/api/tasks/{task['id']}"), 404, "not_found")


@pytest.mark.parametrize(
    ("schedule", "code", "needle"),
    [
        ({"kind": "cron", "cron": "61 * * * *"}, "invalid_cron", "minute"),
        ({"kind": "cron", "cron": "0 9 * * 8"}, "invalid_cron", "day-of-week"),
        ({"kind": "cron", "cron": "0 9 * *"}, "invalid_cron", "5 fields"),
        (
            {"kind": "cron", "cron": "0 9 * * *", "timezone": "Europe/Berln"},
            "invalid_timezone",
            "Europe/Berlin",
        ),
        ({"kind": "once", "at": "2020-01-01T00:00:00Z"}, "schedule_in_past", "past"),
        ({"kind": "interval", "every_seconds": 0}, "validation_error", "every_seconds"),
        ({"kind": "weekly"}, "validation_error", "kind"),
    ],
)
async def test_bad_schedules_get_a_clear_4xx_and_change_nothing(
    client: httpx.AsyncClient, schedule: dict[str, Any], code: str, needle: str
) -> None:
    existing = await create(client)
    body = {"name": "x", "instructions": "y", "schedule": schedule}
    error = assert_error(await client.post("/api/tasks", json=body), 422, code)
    assert needle.lower() in (error["message"] + str(error["details"])).lower()
    patched = await client.patch(f"/api/tasks/{existing['id']}", json={"schedule": schedule})
    assert_error(patched, 422, code)
    assert (await client.get(f"/api/tasks/{existing['id']}")).json() == existing
    assert (await client.get("/api/tasks")).json()["total"] == 1


async def test_timezone_suggestions(client: httpx.AsyncClient) -> None:
    body = {
        "name": "x",
        "instructions": "y",
        "schedule": {"kind": "cron", "cron": "0 9 * * *", "timezone": "Berlin"},
    }
    error = assert_error(await client.post("/api/tasks", json=body), 422, "invalid_timezone")
    assert "Europe/Berlin" in error["details"]["suggestions"]


@pytest.mark.parametrize(
    "body",
    [
        {"instructions": "y", "schedule": CRON},  # no name
        {"name": "x", "instructions": "y", "schedule": CRON, "description": "every day at 9"},  # both
        {"name": "x", "instructions": "y", "schedule": CRON, "surprise": 1},  # unknown field
        {"name": "x", "instructions": "y", "schedule": CRON, "tools": ["rm_rf"]},  # unknown tool
        {"name": "x", "instructions": "y", "schedule": CRON, "missed_run_policy": "maybe"},
        {"name": "", "instructions": "y", "schedule": CRON},
    ],
)
async def test_missing_or_contradictory_fields(client: httpx.AsyncClient, body: dict[str, Any]) -> None:
    assert_error(await client.post("/api/tasks", json=body), 422, "validation_error")


async def test_unknown_ids_malformed_json_and_oversized_bodies(client: httpx.AsyncClient) -> None:
    assert_error(await client.get("/api/tasks/999"), 404, "not_found")
    assert_error(await client.post("/api/tasks/999/pause"), 404, "not_found")
    assert_error(await client.post("/api/tasks/999/run"), 404, "not_found")
    assert_error(await client.patch("/api/tasks/999", json={"name": "x"}), 404, "not_found")
    assert_error(await client.delete("/api/tasks/999"), 404, "not_found")
    assert_error(await client.get("/api/executions/999"), 404, "not_found")
    assert_error(await client.get("/api/tasks/999/executions"), 404, "not_found")
    assert_error(await client.get("/api/tasks/abc"), 422, "validation_error")
    assert_error(await client.get("/api/nowhere"), 404, "not_found")
    bad_json = await client.post("/api/tasks", content=b"{not json", headers={"content-type": "application/json"})
    assert_error(bad_json, 422, "validation_error")
    huge = {"name": "x", "instructions": "y" * 100_000, "schedule": CRON}
    assert_error(await client.post("/api/tasks", json=huge), 413, "payload_too_large")
    assert_error(await client.get("/api/executions", params={"since": "yesterday"}), 422, "validation_error")


async def test_preview_uses_the_same_engine(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/api/schedules/preview",
        params={
            "kind": "cron",
            "cron": "30 2 * * *",
            "timezone": "Europe/Berlin",
            "count": 3,
            "after": "2026-03-28T00:00:00+00:00",
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["next_runs"] == [
        "2026-03-28T02:30:00+01:00",
        "2026-03-29T03:00:00+02:00",
        "2026-03-30T02:30:00+02:00",
    ]
    assert body["description"]
    sunday = await client.get("/api/schedules/preview", params={"kind": "cron", "cron": "0 9 * * 0,7", "count": 2})
    assert sunday.json()["next_runs"] == ["2026-11-29T09:00:00Z", "2026-12-06T09:00:00Z"]
    assert_error(
        await client.get("/api/schedules/preview", params={"kind": "cron", "cron": "* * 32 * *"}),
        422,
        "invalid_cron",
    )
    assert_error(await client.get("/api/schedules/preview", params={"kind": "cron"}), 422, "validation_error")


async def test_health_endpoints(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = (await client.get("/readyz")).json()
    assert ready["status"] == "ready"
    assert (await client.get("/metrics")).status_code == 200


async def test_execution_filters_by_task_status_trigger_and_time_range_newest_first(
    client: httpx.AsyncClient, db_url: str
) -> None:
    from datetime import UTC, datetime, timedelta

    from app.db.engine import create_engine, create_sessionmaker
    from app.db.repositories import ExecutionRepository, FireRow

    a, b = (await create(client, name="a"))["id"], (await create(client, name="b"))["id"]
    base = datetime(2026, 11, 20, 9, tzinfo=UTC)
    engine = create_engine(db_url)
    async with create_sessionmaker(engine)() as s:
        rows = [
            FireRow(task_id=a, scheduled_for=base + timedelta(days=i), trigger="schedule", status=status, reason="r")
            for i, status in enumerate(["missed", "failed", "skipped"])
        ]
        rows.append(FireRow(task_id=b, scheduled_for=base, trigger="event", status="failed", reason="r"))
        await ExecutionRepository(s).insert_fires(rows, now=base)
        await s.commit()
    await engine.dispose()
    everything = (await client.get("/api/executions")).json()
    assert everything["total"] == 4
    times = [e["scheduled_for"] for e in everything["items"]]
    assert times == sorted(times, reverse=True)
    failed = (await client.get("/api/executions", params={"status": "failed"})).json()
    assert {e["task_id"] for e in failed["items"]} == {a, b}
    events = (await client.get("/api/executions", params={"trigger": "event"})).json()
    assert events["total"] == 1 and [e["task_id"] for e in events["items"]] == [b]
    scheduled_failed = (await client.get("/api/executions", params={"trigger": "schedule", "status": "failed"})).json()
    assert [e["task_id"] for e in scheduled_failed["items"]] == [a]
    assert_error(await client.get("/api/executions", params={"trigger": "bogus"}), 422, "validation_error")
    window = await client.get(
        "/api/executions",
        params={"task_id": a, "since": "2026-11-21T00:00:00+00:00", "until": "2026-11-22T00:00:00+00:00"},
    )
    assert [e["status"] for e in window.json()["items"]] == ["failed"]
    page = (await client.get(f"/api/tasks/{a}/executions", params={"limit": 1, "offset": 1})).json()
    assert page["total"] == 3 and [e["status"] for e in page["items"]] == ["failed"]
    naive = await client.get("/api/executions", params={"since": "2026-11-21T00:00:00"})
    assert_error(naive, 422, "validation_error")


async def test_a_once_time_in_a_dst_gap_runs_at_the_jump_like_cron_and_says_so(client: httpx.AsyncClient) -> None:
    params = {"kind": "once", "at": "2026-03-29T02:30:00", "timezone": "Europe/Berlin", "after": "2026-03-01T00:00:00Z"}
    body = (await client.get("/api/schedules/preview", params=params)).json()
    assert body["next_runs"] == ["2026-03-29T03:00:00+02:00"]  # where "30 2 * * *" fires that day, too
    assert "02:30 does not exist on 2026-03-29 in Europe/Berlin" in body["description"]
    assert "runs when the clock jumps, at 03:00 CEST" in body["description"]
