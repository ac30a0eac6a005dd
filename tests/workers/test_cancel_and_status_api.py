"""Cancel over HTTP and the CLI, and what /api/workers, /readyz and /metrics say about the roles."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx

from app.db.repositories import FireRow
from tests.cli.conftest import Cli, Live, insert_runs
from tests.cli.test_tasks_cli import create
from tests.scheduler.conftest import START


async def _task(client: httpx.AsyncClient) -> int:
    body = {"name": "t", "instructions": "x", "schedule": {"kind": "interval", "every_seconds": 3600}}
    created = await client.post("/api/tasks", json=body)
    assert created.status_code == 201, created.text
    return int(created.json()["id"])


async def test_cancel_a_queued_run_over_http(client: httpx.AsyncClient) -> None:
    task_id = await _task(client)
    run = (await client.post(f"/api/tasks/{task_id}/run")).json()
    assert run["status"] == "queued"
    cancelled = await client.post(f"/api/executions/{run['id']}/cancel")
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    assert "cancelled on request" in cancelled.json()["reason"]
    again = await client.post(f"/api/executions/{run['id']}/cancel")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "conflict"
    missing = await client.post("/api/executions/999999/cancel")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    bad = await client.post("/api/executions/abc/cancel")
    assert bad.status_code == 422


async def test_workers_and_roles_are_reported(client: httpx.AsyncClient) -> None:
    task_id = await _task(client)
    await client.post(f"/api/tasks/{task_id}/run")
    workers = (await client.get("/api/workers")).json()
    assert workers["items"] == [] and workers["total"] == 0
    assert workers["queue"]["queued"] == 1 and workers["queue"]["running"] == 0
    assert workers["queue"]["oldest_queued_age_seconds"] == 0.0
    ready = (await client.get("/readyz")).json()["checks"]
    assert ready["scheduler"] == "disabled" and ready["worker"] == "disabled"
    assert ready["workers_alive"] == 0 and ready["queue_depth"] == 1 and ready["running"] == 0
    metrics = (await client.get("/metrics")).text
    assert "taskrunner_queue_depth 1.0" in metrics
    assert "taskrunner_workers_alive 0.0" in metrics


def test_cli_cancels_a_run(cli: Cli, live: Live) -> None:
    create(cli)
    (queued,) = insert_runs(
        live.db_url,
        [(FireRow(task_id=1, scheduled_for=START + timedelta(minutes=1), trigger="manual", status="queued"), {})],
    )
    result = cli("runs", "cancel", str(queued))
    assert result.exit_code == 0, result.output
    assert f"Run {queued}: cancelled." in result.output
    again = cli("runs", "cancel", str(queued), "--json")
    assert again.exit_code != 0
    assert "already ended" in again.output
    shown = json.loads(cli("runs", "show", str(queued), "--json").output)
    assert shown["status"] == "cancelled"
