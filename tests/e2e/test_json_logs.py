"""With LOG_FORMAT=json, every line the real `taskrunner serve` process prints is one JSON object."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.live_server import free_port
from tests.support.openai_stub import OpenAIStub

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def _wait(predicate: Any, timeout: float, what: str) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _ready(base: str) -> bool:
    try:
        return httpx.get(base + "/readyz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def test_every_line_is_json_with_request_ids_audit_and_a_clean_shutdown(tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with OpenAIStub() as stub:
        stub.push_text("All systems operational.")
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/logs.db",
            "PORT": str(port),
            "HOST": "127.0.0.1",
            "LOG_FORMAT": "json",
            "LLM_MODEL": "openai/stub-model",
            "LLM_API_BASE": stub.api_base,
            "LLM_API_KEY": "sk-test-secret-value",
            "LITELLM_LOCAL_MODEL_COST_MAP": "True",
        }
        out, err = (tmp_path / "stdout.txt").open("w"), (tmp_path / "stderr.txt").open("w")
        proc = subprocess.Popen(
            [sys.executable, "-m", "app.cli.main", "serve"], cwd=ROOT, env=env, stdout=out, stderr=err
        )
        try:
            _wait(lambda: _ready(base), 60, "readiness")
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
            _wait(
                lambda: httpx.get(f"{base}/api/executions/{run['id']}").json()["status"] == "succeeded",
                30,
                "the run to succeed",
            )
            httpx.delete(f"{base}/api/tasks/{task_id}").raise_for_status()
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
            code = proc.wait(60)
            out.close()
            err.close()
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
