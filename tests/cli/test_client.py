"""The typed client covers the API: one method per documented operation, errors with the request id."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest

from app.client import APIError, ServerUnreachable, TaskrunnerClient
from tests.cli.conftest import Live

DOCUMENT = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"
# Tags whose operations the client must offer (new areas add theirs when they want a client).
COVERED_TAGS = {"tasks", "executions", "schedules", "chat", "keys", "health", "workers"}


def _snake(operation_id: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", operation_id).lower()


def test_a_method_for_every_documented_operation() -> None:
    spec = json.loads(DOCUMENT.read_text())
    wanted = {
        _snake(op["operationId"])
        for item in spec["paths"].values()
        for op in item.values()
        if COVERED_TAGS & set(op.get("tags", []))
    }
    missing = sorted(name for name in wanted if not callable(getattr(TaskrunnerClient, name, None)))
    assert not missing, f"app/client/client.py lacks: {missing}"


def test_round_trip_and_errors_against_a_live_server(live: Live) -> None:
    with TaskrunnerClient(live.url) as client:
        task = client.create_task(
            {"name": "t", "instructions": "i", "schedule": {"kind": "interval", "every_seconds": 60}}
        )
        assert client.get_task(task["id"])["name"] == "t"
        assert client.pause_task(task["id"])["state"] == "paused"
        assert client.list_tasks(state="paused")["total"] == 1
        assert client.preview_schedule({"kind": "cron", "cron": "@daily"}, count=2)["next_runs"]
        assert client.get_readiness()["status"] == "ready"
        assert "taskrunner_http_request_duration_seconds" in client.get_metrics()
        with pytest.raises(APIError) as caught:
            client.get_execution(999_999)
        assert caught.value.status == 404 and caught.value.code == "not_found"
        assert caught.value.details == {"resource": "execution", "id": "999999"}
        assert caught.value.request_id and len(caught.value.request_id) == 32
        client.delete_task(task["id"])


def test_unreachable_server_is_its_own_error() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    with (
        TaskrunnerClient("http://x", transport=httpx.MockTransport(refuse)) as client,
        pytest.raises(ServerUnreachable, match="connection refused"),
    ):
        client.list_executions()
