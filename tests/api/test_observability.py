"""Request ids, HTTP and run metrics, label series from the start, and 503 (not 500) when the database is down."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from prometheus_client import REGISTRY

from app import metrics
from app.api.app import create_app
from app.config import Settings
from app.services.notifier import NullListener


def sample(name: str, **labels: str) -> float | None:
    return REGISTRY.get_sample_value(name, labels)


async def test_request_id_is_echoed_or_made_and_on_every_answer(client: httpx.AsyncClient) -> None:
    mine = await client.get("/api/tasks", headers={"X-Request-ID": "abc-123"})
    assert mine.headers["X-Request-ID"] == "abc-123"
    junk = await client.get("/api/tasks", headers={"X-Request-ID": "bad id\twith spaces"})
    assert len(junk.headers["X-Request-ID"]) == 32 and junk.headers["X-Request-ID"] != "bad id\twith spaces"
    too_large = await client.post("/api/tasks", content=b"x" * 70_000, headers={"content-type": "application/json"})
    assert too_large.status_code == 413 and too_large.headers["X-Request-ID"]
    unknown = await client.get("/nowhere")
    assert unknown.status_code == 404 and unknown.headers["X-Request-ID"]


async def test_http_latency_by_route_template_and_status(client: httpx.AsyncClient) -> None:
    labels = {"method": "GET", "route": "/api/tasks/{task_id}", "status": "404"}
    before = sample("taskrunner_http_request_duration_seconds_count", **labels) or 0.0
    await client.get("/api/tasks/12345")
    await client.get("/api/tasks/67890")
    assert sample("taskrunner_http_request_duration_seconds_count", **labels) == before + 2
    await client.get("/no/such/path")
    assert sample("taskrunner_http_request_duration_seconds_count", method="GET", route="unmatched", status="404")


async def test_label_series_exist_from_the_start_and_gauges_count_runs(client: httpx.AsyncClient) -> None:
    model = Settings().llm_model
    assert sample("taskrunner_llm_calls_total", model=model, outcome="error") is not None
    assert sample("taskrunner_llm_retries_total", model=model) is not None
    assert sample("taskrunner_tool_calls_total", tool="http_request", outcome="ok") is not None
    assert sample("taskrunner_runs_total", status="timed_out") is not None
    assert sample("taskrunner_sla_breaches_total", kind="missed") is not None
    created = await client.post(
        "/api/tasks", json={"name": "n", "instructions": "i", "schedule": {"kind": "interval", "every_seconds": 60}}
    )
    await client.post(f"/api/tasks/{created.json()['id']}/run")
    text = (await client.get("/metrics")).text
    assert "taskrunner_runs_queued 1.0" in text and "taskrunner_runs_running 0.0" in text


def test_retries_and_sla_breaches_are_counted() -> None:
    retries = sample("taskrunner_llm_retries_total", model="m/x") or 0.0
    metrics.step_recorded("llm", "m/x", "timeout", None, None, None, attempt=1)
    metrics.step_recorded("llm", "m/x", None, 5, 1, None, attempt=2)
    assert sample("taskrunner_llm_retries_total", model="m/x") == retries + 1
    late = sample("taskrunner_sla_breaches_total", kind="late_start") or 0.0
    metrics.run_started(delay_seconds=120)
    assert sample("taskrunner_sla_breaches_total", kind="late_start") == late + 1
    timed_out = sample("taskrunner_sla_breaches_total", kind="timed_out") or 0.0
    metrics.run_finished("timed_out", 3.0)
    assert sample("taskrunner_sla_breaches_total", kind="timed_out") == timed_out + 1


@pytest.fixture
async def down() -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(database_url="postgresql+asyncpg://postgres@127.0.0.1:1/none", scheduler_enabled=False)
    app = create_app(settings, listener=NullListener())
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as c:
            yield c


async def test_unreachable_database_is_503_in_our_envelope(down: httpx.AsyncClient) -> None:
    answer = await down.get("/api/tasks")
    assert answer.status_code == 503
    assert answer.json()["error"]["code"] == "database_unavailable"
    assert answer.headers["X-Request-ID"]
    assert (await down.get("/readyz")).status_code == 503
    assert (await down.get("/healthz")).status_code == 200
