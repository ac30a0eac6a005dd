"""Acknowledged means stored: every 2xx write is visible to the very next request.

Driven from a real HTTP client against a real ``taskrunner serve`` process, on
both databases: the in-process ASGI transport waits for the whole request
(dependency clean-up included) and so hides a commit that runs after the
response has been sent.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.processes import Instance

ROUNDS = 40


@pytest.fixture
def server(fresh_url: str, tmp_path: Path) -> Iterator[str]:
    instance = Instance(fresh_url, tmp_path / "serve.log")
    try:
        instance.wait_ready()
        yield instance.base
    finally:
        instance.stop()


def task_body(i: int) -> dict[str, object]:
    return {
        "name": f"task {i}",
        "instructions": "x",
        "schedule": {"kind": "cron", "cron": "0 0 1 1 *", "timezone": "UTC"},
    }


@pytest.mark.slow
def test_every_acknowledged_write_is_visible_to_the_next_request(server: str) -> None:
    # Two connections, so the next request never queues behind the previous one's leftovers.
    with httpx.Client(base_url=server, timeout=10) as writer, httpx.Client(base_url=server, timeout=10) as reader:
        for i in range(ROUNDS):
            created = writer.post("/api/tasks", json=task_body(i))
            assert created.status_code == 201, created.text
            task_id = created.json()["id"]
            got = reader.get(f"/api/tasks/{task_id}")
            assert got.status_code == 200, f"round {i}: created task {task_id} not visible: {got.text}"

            patched = writer.patch(f"/api/tasks/{task_id}", json={"name": f"renamed {i}"})
            assert patched.status_code == 200, patched.text
            assert reader.get(f"/api/tasks/{task_id}").json()["name"] == f"renamed {i}", f"round {i}: PATCH lost"

            paused = writer.post(f"/api/tasks/{task_id}/pause")
            assert paused.status_code == 200, paused.text
            assert reader.get(f"/api/tasks/{task_id}").json()["state"] == "paused", f"round {i}: pause lost"

            fresh = writer.post("/api/tasks", json=task_body(i))
            assert fresh.status_code == 201, fresh.text
            run = reader.post(f"/api/tasks/{fresh.json()['id']}/run")
            assert run.status_code == 202, f"round {i}: run-now after create answered {run.status_code}: {run.text}"
            execution = writer.get(f"/api/executions/{run.json()['id']}")
            assert execution.status_code == 200, f"round {i}: queued run not visible: {execution.text}"

            deleted = writer.delete(f"/api/tasks/{task_id}")
            assert deleted.status_code == 204, deleted.text
            assert reader.get(f"/api/tasks/{task_id}").status_code == 404, f"round {i}: DELETE lost"


@pytest.mark.slow
def test_a_write_the_database_refuses_is_an_error_and_changes_nothing(server: str) -> None:
    with httpx.Client(base_url=server, timeout=10) as client:
        task_id = client.post("/api/tasks", json=task_body(0)).json()["id"]
        for _ in range(3):
            refused = client.patch(f"/api/tasks/{task_id}", json={"name": "bad\x00name"})
            assert refused.status_code == 422, refused.text
            assert refused.json()["error"]["code"] == "validation_error"
            assert client.get(f"/api/tasks/{task_id}").json()["name"] == "task 0"
