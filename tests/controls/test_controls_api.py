"""Controls over HTTP: task fields, pause notes, concurrency keys, model prices and /metrics."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from app.db.repositories import FireRow
from tests.api.conftest import client, frozen
from tests.api.test_tasks_api import assert_error
from tests.scheduler.conftest import START
from tests.support.records import insert_runs

__all__ = ["client", "frozen"]

CRON = {"kind": "cron", "cron": "0 * * * *", "timezone": "UTC"}


async def _task(client: httpx.AsyncClient, **controls: object) -> dict[str, object]:
    response = await client.post("/api/tasks", json={"name": "t", "instructions": "x", "schedule": CRON, **controls})
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body


async def test_controls_are_set_shown_and_cleared(client: httpx.AsyncClient) -> None:
    task = await _task(
        client,
        overlap_policy="buffer_one",
        concurrency_key="openai",
        jitter_seconds=120,
        max_cost_usd_per_run=0.5,
        max_tokens_per_run=20_000,
        max_cost_usd_per_day=2,
        max_cost_usd_per_month=40,
        pause_on_budget=True,
        pause_after_failures=3,
        max_delay_seconds=60,
        max_duration_seconds=600,
    )
    assert task["overlap_policy"] == "buffer_one" and task["concurrency_key"] == "openai"
    assert task["max_cost_usd_per_day"] == 2 and task["pause_after_failures"] == 3
    fires = task["next_fires"]
    assert isinstance(fires, list) and len(fires) == 5
    assert [f["scheduled_for"] for f in fires] == task["next_runs"]
    assert all(f["due_at"] >= f["scheduled_for"] for f in fires)
    # The preview is stable: reading the task again gives the same due times.
    again = (await client.get(f"/api/tasks/{task['id']}")).json()
    assert again["next_fires"] == fires
    changed = (
        await client.patch(f"/api/tasks/{task['id']}", json={"concurrency_key": None, "max_cost_usd_per_day": None})
    ).json()
    assert changed["concurrency_key"] is None and changed["max_cost_usd_per_day"] is None
    assert changed["overlap_policy"] == "buffer_one"
    assert_error(await client.patch(f"/api/tasks/{task['id']}", json={"overlap_policy": None}), 422, "validation_error")


@pytest.mark.parametrize(
    "controls",
    [
        {"overlap_policy": "queue"},
        {"concurrency_key": "has space"},
        {"jitter_seconds": -1},
        {"max_cost_usd_per_run": -0.01},
        {"pause_after_failures": 0},
        {"max_duration_seconds": 0},
    ],
)
async def test_bad_controls_are_rejected(client: httpx.AsyncClient, controls: dict[str, object]) -> None:
    body = {"name": "t", "instructions": "x", "schedule": CRON, **controls}
    assert_error(await client.post("/api/tasks", json=body), 422, "validation_error")


async def test_pause_and_resume_take_a_note(client: httpx.AsyncClient) -> None:
    task = await _task(client)
    paused = (await client.post(f"/api/tasks/{task['id']}/pause", json={"note": "vendor outage"})).json()
    assert paused["state"] == "paused" and paused["pause_note"] == "vendor outage"
    listed = (await client.get("/api/tasks", params={"state": "paused"})).json()
    assert listed["items"][0]["pause_note"] == "vendor outage"
    resumed = (await client.post(f"/api/tasks/{task['id']}/resume")).json()
    assert resumed["state"] == "active" and resumed["pause_note"] is None
    plain = (await client.post(f"/api/tasks/{task['id']}/pause")).json()
    assert plain["state"] == "paused" and plain["pause_note"] is None


async def test_concurrency_keys_crud(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/concurrency-keys")).json() == {"items": [], "total": 0}
    put = await client.put("/api/concurrency-keys/slack", json={"max_running": 1})
    assert put.status_code == 200 and put.json()["max_running"] == 1
    task = await _task(client, concurrency_key="slack")
    await client.post(f"/api/tasks/{task['id']}/run")
    listed = (await client.get("/api/concurrency-keys")).json()
    assert listed["total"] == 1
    assert {k: listed["items"][0][k] for k in ("key", "max_running", "running", "queued", "tasks")} == {
        "key": "slack",
        "max_running": 1,
        "running": 0,
        "queued": 1,
        "tasks": 1,
    }
    assert (await client.put("/api/concurrency-keys/slack", json={"max_running": 3})).json()["max_running"] == 3
    assert_error(await client.put("/api/concurrency-keys/slack", json={"max_running": -1}), 422, "validation_error")
    assert_error(await client.put("/api/concurrency-keys/bad key!", json={"max_running": 1}), 422, "validation_error")
    assert (await client.delete("/api/concurrency-keys/slack")).status_code == 204
    assert_error(await client.get("/api/concurrency-keys/slack"), 404, "not_found")
    assert_error(await client.delete("/api/concurrency-keys/slack"), 404, "not_found")


async def test_model_prices_crud(client: httpx.AsyncClient) -> None:
    put = await client.put(
        "/api/model-prices/ollama/llama3", json={"input_per_million": 0.2, "output_per_million": 0.4}
    )
    assert put.status_code == 200 and put.json()["model"] == "ollama/llama3"
    listed = (await client.get("/api/model-prices")).json()
    assert [(p["model"], p["output_per_million"]) for p in listed["items"]] == [("ollama/llama3", 0.4)]
    assert_error(
        await client.put("/api/model-prices/x", json={"input_per_million": -1, "output_per_million": 0}),
        422,
        "validation_error",
    )
    assert (await client.delete("/api/model-prices/ollama/llama3")).status_code == 204
    assert_error(await client.delete("/api/model-prices/ollama/llama3"), 404, "not_found")


async def test_metrics_from_the_records(client: httpx.AsyncClient, db_url: str) -> None:
    task = await _task(client, max_delay_seconds=30)
    task_id = int(str(task["id"]))
    at = START - timedelta(hours=3)
    rows = [
        (
            FireRow(task_id=task_id, scheduled_for=at, trigger="schedule", status="queued"),
            {"status": "succeeded", "started_at": at, "trigger_delay_ms": 1_000},
        ),
        (
            FireRow(task_id=task_id, scheduled_for=at + timedelta(hours=1), trigger="schedule", status="queued"),
            {
                "status": "succeeded",
                "started_at": at,
                "trigger_delay_ms": 90_000,
                "sla_breach": "started 90s late (max_delay_seconds=30)",
            },
        ),
        (FireRow(task_id=task_id, scheduled_for=at + timedelta(hours=2), trigger="schedule", status="missed"), {}),
        (
            FireRow(task_id=task_id, scheduled_for=at + timedelta(minutes=30), trigger="retry", status="queued"),
            {"status": "failed", "started_at": at, "trigger_delay_ms": 0, "attempt": 2},
        ),
    ]
    await insert_runs(db_url, rows, now=START)
    text = (await client.get("/metrics")).text
    labels = f'task="t",task_id="{task_id}"'
    assert f"taskrunner_task_on_time_rate{{{labels}}} 0.5" in text  # 2 on time of 4 due
    assert f"taskrunner_task_sla_breach_total{{{labels}}} 1.0" in text
    assert "taskrunner_missed_total 1.0" in text
    assert "taskrunner_success_total 2.0" in text
    assert "taskrunner_retry_total 1.0" in text
    assert "taskrunner_sla_breach_total 1.0" in text
