"""Following a run live: the server-sent events of ``GET /api/executions/{id}/events`` and the CLI's ``--follow``.

A real ``taskrunner serve`` process runs the run (its leader in-process on SQLite, its worker
thread on PostgreSQL) against the scripted OpenAI stub; the stream is read over a real socket,
so it sees the steps as the database gets them, not as one process's memory has them.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from app.cli.main import app as cli_app
from tests.support.openai_stub import OpenAIStub
from tests.support.processes import TaskrunnerProcess

KEY = "k-follow-test"
AUTH = {"Authorization": f"Bearer {KEY}"}


@pytest.fixture
def stub() -> Iterator[OpenAIStub]:
    with OpenAIStub() as s:
        yield s


@pytest.fixture
def server(fresh_url: str, stub: OpenAIStub, tmp_path: Path) -> Iterator[str]:
    env = {
        "DATABASE_URL": fresh_url,
        "API_KEYS": KEY,
        "LLM_MODEL": "openai/gpt-4o-mini",
        "LLM_API_BASE": stub.api_base,
        "LLM_API_KEY": "sk-test",
        "EVENTS_HEARTBEAT_SECONDS": "0.5",
    }
    instance = TaskrunnerProcess(["serve"], tmp_path / "serve.log", env)
    try:
        instance.wait_ready()
        yield instance.base
    finally:
        instance.stop()


def new_task(http: httpx.Client, name: str) -> int:
    body = {
        "name": name,
        "instructions": "Say what time it is.",
        "schedule": {"kind": "cron", "cron": "0 0 1 1 *", "timezone": "Europe/Berlin"},
        "tools": ["current_time"],
        "max_retries": 0,
    }
    created = http.post("/api/tasks", json=body)
    assert created.status_code == 201, created.text
    return int(created.json()["id"])


def read_events(http: httpx.Client, execution_id: int, **params: Any) -> tuple[list[tuple[str, Any, str | None]], int]:
    """(event, data, id) for each event of one stream, and how many heartbeats came with them."""
    events: list[tuple[str, Any, str | None]] = []
    heartbeats = 0
    with http.stream("GET", f"/api/executions/{execution_id}/events", params=params) as response:
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        fields: dict[str, str] = {}
        for line in response.iter_lines():
            if line.startswith(":"):
                heartbeats += 1
            elif line:
                name, _, value = line.partition(": ")
                fields[name] = value
            elif "event" in fields:
                events.append((fields["event"], json.loads(fields["data"]), fields.get("id")))
                fields = {}
            else:
                fields = {}
    return events, heartbeats


@pytest.mark.slow
def test_the_event_stream_shows_each_step_as_it_happens_then_the_end(server: str, stub: OpenAIStub) -> None:
    # The first call keeps the stream quiet for more than a poll: a heartbeat goes out meanwhile.
    stub.push_tool_calls([("current_time", {"timezone": "UTC"})], delay=2.5)
    stub.push_text("It is <b>[bold]time</b>.", delay=0.5, prompt_tokens=40, completion_tokens=8)
    with httpx.Client(base_url=server, headers=AUTH, timeout=30) as http:
        task_id = new_task(http, "clock")
        run_id = http.post(f"/api/tasks/{task_id}/run").json()["id"]
        started = time.monotonic()
        events, heartbeats = read_events(http, run_id)
        took = time.monotonic() - started

        kinds = [e[0] for e in events]
        assert kinds[0] == "status" and kinds[-1] == "end", kinds
        assert kinds.count("end") == 1
        statuses = [data["status"] for kind, data, _ in events if kind == "status"]
        assert statuses[-1] == "running" and len(statuses) == len(set(statuses))  # one event per change
        steps = [(data["index"], data["kind"], data["name"], eid) for kind, data, eid in events if kind == "step"]
        assert steps == [
            (0, "llm", "gpt-4o-mini", "1"),
            (1, "tool", "current_time", "2"),
            (2, "llm", "gpt-4o-mini", "3"),
        ]
        first_llm = next(data for kind, data, _ in events if kind == "step")
        assert [c["name"] for c in first_llm["output"]["tool_calls"]] == ["current_time"]
        end = events[-1][1]
        assert end["id"] == run_id and end["status"] == "succeeded"
        assert end["output"] == "It is <b>[bold]time</b>."
        assert end["prompt_tokens"] == 50 and end["completion_tokens"] == 13
        assert "steps" not in end
        # The LLM took three real seconds: the stream was open while the run went on, with heartbeats.
        assert took >= 3.0 and heartbeats >= 1
        # The same record as the API's, step for step.
        detail = http.get(f"/api/executions/{run_id}").json()
        assert [s["name"] for s in detail["steps"]] == [s[2] for s in steps]

        # A finished run: everything at once, then the end; from a step on, only the rest.
        started = time.monotonic()
        again, _ = read_events(http, run_id)
        assert time.monotonic() - started < 1.0
        assert [e[0] for e in again] == ["step", "step", "step", "end"]
        rest, _ = read_events(http, run_id, from_step=2)
        assert [(e[0], e[2]) for e in rest] == [("step", "3"), ("end", None)]

        missing = http.get("/api/executions/999999/events")
        assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
        bad = http.get(f"/api/executions/{run_id}/events", params={"from_step": -1})
        assert bad.status_code == 422 and bad.json()["error"]["code"] == "validation_error"
    anonymous = httpx.get(f"{server}/api/executions/{run_id}/events", timeout=10)
    assert anonymous.status_code == 401 and anonymous.json()["error"]["code"] == "unauthorized"


def cli(*args: str, url: str, state_dir: Path) -> Any:
    runner = CliRunner(env={"TASKRUNNER_STATE_DIR": str(state_dir), "COLUMNS": "200", "TASKRUNNER_API_KEY": KEY})
    return runner.invoke(cli_app, [*args, "--url", url])


@pytest.mark.slow
def test_cli_follow_prints_steps_then_the_outcome_and_exits_by_it(
    server: str, stub: OpenAIStub, tmp_path: Path
) -> None:
    with httpx.Client(base_url=server, headers=AUTH, timeout=30) as http:
        ok_task = new_task(http, "clock")
        failing_task = new_task(http, "broken")

    stub.push_tool_calls([("current_time", {"timezone": "UTC"})], delay=0.5)
    stub.push_text("Noon [red]sharp[/red] :warning:", delay=0.5, prompt_tokens=40, completion_tokens=8)
    done = cli("task", "run", str(ok_task), "--follow", url=server, state_dir=tmp_path)
    assert done.exit_code == 0, done.output
    lines = done.output.splitlines()
    assert lines[0].startswith("Queued run ")
    step_lines = [line.strip() for line in lines if line.strip().startswith("#")]
    assert step_lines[0].startswith("#0 llm gpt-4o-mini") and step_lines[0].endswith("-> calls current_time")
    assert step_lines[1].startswith("#1 tool current_time")
    assert step_lines[2].startswith("#2 llm gpt-4o-mini") and "15 tokens" in step_lines[0]
    assert len(step_lines) == 3
    assert "Noon [red]sharp[/red] :warning:" in done.output  # user text comes out literally
    assert any("succeeded" in line for line in lines if line.startswith("Status"))
    assert any(line.startswith("Tokens") and "63" in line for line in lines)
    assert any(line.startswith("Cost") for line in lines)

    # The same run again, finished: `runs follow` and `runs show --follow` print it and exit 0.
    run_id = lines[0].split()[2]
    again = cli("runs", "follow", run_id, url=server, state_dir=tmp_path)
    assert again.exit_code == 0 and again.output.count("-> ") == 3, again.output
    shown = cli("runs", "show", run_id, "--follow", "--json", url=server, state_dir=tmp_path)
    assert shown.exit_code == 0, shown.output
    events = [json.loads(line) for line in shown.output.splitlines()]
    assert [e["event"] for e in events] == ["step", "step", "step", "end"]

    # A run that fails: its error shows, and the exit code says so.
    stub.push_error(400, "model refuses the request")
    failed = cli("task", "run", str(failing_task), "--follow", url=server, state_dir=tmp_path)
    assert failed.exit_code == 1, failed.output
    assert "failed" in failed.output and "model refuses the request" in failed.output
    unknown = cli("runs", "follow", "999999", url=server, state_dir=tmp_path)
    assert unknown.exit_code != 0 and "999999" in unknown.output
