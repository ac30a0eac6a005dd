"""With LOG_FORMAT=json, every line the real `taskrunner serve` process prints is one JSON object."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.openai_stub import OpenAIStub
from tests.support.processes import TaskrunnerProcess, wait_for

pytestmark = pytest.mark.slow


def test_every_line_is_json_with_request_ids_audit_and_a_clean_shutdown(tmp_path: Path) -> None:
    with OpenAIStub() as stub:
        stub.push_text("All systems operational.")
        env = {
            "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/logs.db",
            "LLM_MODEL": "openai/stub-model",
            "LLM_API_BASE": stub.api_base,
            "LLM_API_KEY": "sk-test-secret-value",
        }
        server = TaskrunnerProcess(["serve"], tmp_path / "stdout.txt", env, stderr=tmp_path / "stderr.txt")
        base = server.base
        try:
            server.wait_ready(60)
            created = httpx.post(
                base + "/api/tasks",
                json={
                    "name": "digest",
                    "instructions": "Say hi.",
                    "schedule": {"kind": "interval", "every_seconds": 86400},
                },
                headers={"X-Request-ID": "req-create-1"},
            )
            assert created.status_code == 201
            assert created.headers["X-Request-ID"] == "req-create-1"
            task_id = created.json()["id"]
            httpx.post(f"{base}/api/tasks/{task_id}/pause").raise_for_status()
            httpx.patch(f"{base}/api/tasks/{task_id}", json={"max_steps": 3, "enabled": True}).raise_for_status()
            missing = httpx.get(base + "/api/tasks/999999")
            assert missing.status_code == 404 and len(missing.headers["X-Request-ID"]) == 32
            run = httpx.post(f"{base}/api/tasks/{task_id}/run").json()
            wait_for(
                lambda: httpx.get(f"{base}/api/executions/{run['id']}").json()["status"] == "succeeded",
                30,
                "the run to succeed",
            )
            httpx.delete(f"{base}/api/tasks/{task_id}").raise_for_status()
        finally:
            code = server.stop()
    assert code == 0
    lines = [
        line
        for name in ("stdout.txt", "stderr.txt")
        for line in (tmp_path / name).read_text().splitlines()
        if line.strip()
    ]
    events: list[dict[str, Any]] = []
    for line in lines:
        try:
            events.append(json.loads(line))
        except json.JSONDecodeError:
            pytest.fail(f"not a JSON line: {line!r}")
    names = [e["event"] for e in events]
    assert "service.starting" in names
    assert any(e.get("logger", "").startswith("alembic") for e in events)
    assert any(e.get("logger", "").startswith("uvicorn") for e in events)
    assert not [e for e in events if e["level"] in ("error", "critical")], "errors were logged"
    assert "sk-test-secret-value" not in "\n".join(lines)
    requests = [e for e in events if e["event"] == "http.request"]
    assert requests and all(e.get("request_id") for e in requests)
    created_line = next(e for e in events if e["event"] == "audit.task_created")
    assert created_line["request_id"] == "req-create-1" and created_line["actor"] == "anonymous"
    assert {"audit.task_paused", "audit.task_resumed", "audit.task_updated", "audit.task_deleted"} <= set(names)
    updated = next(e for e in events if e["event"] == "audit.task_updated")
    assert updated["changes"] == {"max_steps": [20, 3]}
