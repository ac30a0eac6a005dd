"""``taskrunner task ...`` against a live server: human and JSON output, and clear one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import httpx
import pytest

from app.client import APIError, TaskrunnerClient
from tests.cli.conftest import Cli
from tests.support.live_server import free_port

CRON_ARGS = ["--cron", "0 9 * * 1-5", "--tz", "Europe/Berlin", "--name", "digest", "--instructions", "sum up"]


def create(cli: Cli, *extra: str) -> dict[str, Any]:
    result = cli("task", "create", *CRON_ARGS, *extra, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def one_error_line(result: Any) -> str:
    assert result.exit_code != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in result.output
    return str(lines[0])


def test_create_from_flags_shows_the_schedule_in_the_task_timezone(cli: Cli) -> None:
    result = cli("task", "create", *CRON_ARGS, "--tool", "current_time", "--max-steps", "5", "--policy", "catchup")
    assert result.exit_code == 0, result.output
    assert "Created task 1 (digest)" in result.stdout
    # Now is Monday 2026-11-23 09:00 in Berlin: the next run is Tuesday, shown in Berlin time.
    assert "Tue 2026-11-24 09:00 CET" in result.stdout
    assert "Europe/Berlin" in result.stdout and "catchup" in result.stdout
    task = json.loads(cli("task", "show", "1", "--json").stdout)
    assert task["tools"] == ["current_time"] and task["max_steps"] == 5
    assert task["next_run_at"] == "2026-11-24T09:00:00+01:00"


def test_create_interval_and_once_and_paused(cli: Cli) -> None:
    result = cli("task", "create", "--every", "1h30m", "--name", "poll", "--instructions", "x", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["schedule"]["every_seconds"] == 5400
    once = cli(
        "task",
        "create",
        "--at",
        "2026-12-24T18:00",
        "--tz",
        "Europe/Paris",
        "--name",
        "xmas",
        "--instructions",
        "x",
        "--paused",
        "--json",
    )
    body = json.loads(once.stdout)
    assert body["schedule"]["at"] == "2026-12-24T18:00:00+01:00" and body["state"] == "paused"


def test_create_from_words(cli: Cli) -> None:
    result = cli("task", "create", "every weekday at 9am Berlin time, check status.example.com", "--json")
    assert result.exit_code == 0, result.output
    task = json.loads(result.stdout)
    assert task["schedule"] == {"kind": "cron", "cron": "0 9 * * 1-5", "timezone": "Europe/Berlin"}
    assert task["description"].startswith("every weekday")
    human = cli("task", "create", "every day at 7am, water the plants", "--tz", "Asia/Tokyo")
    assert human.exit_code == 0, human.output
    assert "JST" in human.stdout


def test_create_usage_errors_are_one_line(cli: Cli) -> None:
    assert "--cron, --every" in one_error_line(cli("task", "create", "--cron", "* * * * *", "--every", "5m"))
    assert "--name" in one_error_line(cli("task", "create", "--cron", "* * * * *"))
    assert "words" in one_error_line(cli("task", "create"))
    assert "interval" in one_error_line(cli("task", "create", "--every", "soon", "--name", "a", "--instructions", "b"))


def test_api_errors_are_one_line_with_code_and_message(cli: Cli) -> None:
    bad = cli("task", "create", "--cron", "61 * * * *", "--name", "a", "--instructions", "b")
    line = one_error_line(bad)
    assert line.startswith("error: invalid_cron: ") and "minute" in line
    tz = one_error_line(
        cli("task", "create", *CRON_ARGS[:2], "--tz", "Europe/Berln", "--name", "a", "--instructions", "b")
    )
    assert "invalid_timezone" in tz and "Europe/Berlin" in tz


def test_list_with_filters(cli: Cli) -> None:
    create(cli)
    create(cli, "--paused")
    result = cli("task", "create", "--every", "5m", "--name", "backup db", "--instructions", "x")
    assert result.exit_code == 0, result.output
    listing = cli("task", "list")
    assert listing.exit_code == 0, listing.output
    assert "Tasks (3 of 3)" in listing.stdout and "backup db" in listing.stdout and "paused" in listing.stdout
    paused = json.loads(cli("task", "list", "--state", "paused", "--json").stdout)
    assert paused["total"] == 1 and paused["items"][0]["id"] == 2
    found = json.loads(cli("task", "list", "--search", "BACKUP", "--json").stdout)
    assert [t["name"] for t in found["items"]] == ["backup db"]
    page = json.loads(cli("task", "list", "--limit", "1", "--offset", "1", "--json").stdout)
    assert page["total"] == 3 and [t["id"] for t in page["items"]] == [2]
    assert "No tasks" in cli("task", "list", "--search", "nothing-like-this").stdout


def test_show_pause_resume_run_update(cli: Cli) -> None:
    create(cli)
    shown = cli("task", "show", "1")
    assert shown.exit_code == 0 and "digest" in shown.stdout and "No runs yet" in shown.stdout
    paused = cli("task", "pause", "1")
    assert paused.exit_code == 0 and "Task 1 (digest) is paused." in paused.stdout
    resumed = cli("task", "resume", "1")
    assert "is active; next run Tue 2026-11-24 09:00 CET" in resumed.stdout
    assert json.loads(cli("task", "pause", "1", "--json").stdout)["state"] == "paused"
    assert json.loads(cli("task", "resume", "1", "--json").stdout)["state"] == "active"
    run = cli("task", "run", "1")
    assert run.exit_code == 0 and "Queued run 1 of task 1" in run.stdout
    conflict = one_error_line(cli("task", "run", "1", "--json"))
    assert conflict.startswith("error: conflict: ")
    shown = cli("task", "show", "1")
    assert "Recent runs" in shown.stdout and "queued" in shown.stdout
    updated = cli("task", "update", "1", "--cron", "30 10 * * *", "--name", "later")
    assert updated.exit_code == 0, updated.output
    assert "Updated task 1 (later)" in updated.stdout and "Mon 2026-11-23 10:30 CET" in updated.stdout
    moved = json.loads(cli("task", "update", "1", "--tz", "America/New_York", "--json").stdout)
    assert moved["schedule"] == {"kind": "cron", "cron": "30 10 * * *", "timezone": "America/New_York"}
    quiet = json.loads(cli("task", "update", "1", "--paused", "--max-retries", "0", "--json").stdout)
    assert quiet["state"] == "paused" and quiet["max_retries"] == 0
    assert "nothing to change" in one_error_line(cli("task", "update", "1"))


def test_delete_asks_unless_yes(cli: Cli) -> None:
    create(cli)
    create(cli)
    declined = cli("task", "delete", "1", input="n\n")
    assert declined.exit_code == 1 and "not deleted" in declined.stderr
    assert cli("task", "show", "1").exit_code == 0
    accepted = cli("task", "delete", "1", input="y\n")
    assert accepted.exit_code == 0 and "Deleted task 1." in accepted.stdout
    assert "Delete task 1 (digest)" in accepted.stderr
    assert json.loads(cli("task", "delete", "2", "--yes", "--json").stdout) == {"deleted": 2}
    assert json.loads(cli("task", "list", "--json").stdout)["total"] == 0


def test_unknown_ids(cli: Cli) -> None:
    for args in (["show", "99"], ["pause", "99"], ["resume", "99"], ["run", "99"], ["delete", "99", "--yes"]):
        line = one_error_line(cli("task", *args))
        assert line == "error: not_found: No task with id 99.", line
    assert "not_found" in one_error_line(cli("task", "update", "99", "--name", "x"))
    assert "not_found" in one_error_line(cli("task", "delete", "99"))


def test_api_key_is_sent_as_bearer() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(401, json={"error": {"code": "unauthorized", "message": "Bad key."}})

    client = TaskrunnerClient("http://x", api_key="sk-1", transport=httpx.MockTransport(handler))
    with client, pytest.raises(APIError, match="unauthorized: Bad key"):
        client.list_tasks(limit=5)
    assert seen[0].headers["authorization"] == "Bearer sk-1" and seen[0].url.query == b"limit=5&offset=0"


def test_server_not_running_is_exit_code_2_without_traceback(cli: Cli) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    for args in (["task", "list"], ["task", "show", "1"], ["runs", "list"], ["chat", "hello"]):
        result = cli(*args, "--url", url, url=False)
        assert result.exit_code == 2, result.output
        assert result.stderr.strip() == f"error: cannot reach the taskrunner server at {url}: connection refused"


def test_help_on_every_command(cli: Cli) -> None:
    commands = [
        [],
        ["task"],
        ["runs"],
        ["chat"],
        ["task", "create"],
        ["task", "list"],
        ["task", "show"],
        ["task", "update"],
        ["task", "pause"],
        ["task", "resume"],
        ["task", "run"],
        ["task", "delete"],
        ["runs", "list"],
        ["runs", "show"],
        ["serve"],
        ["migrate"],
    ]
    for command in commands:
        result = cli(*command, "--help", url=False)
        assert result.exit_code == 0, (command, result.output)
        assert "Usage" in result.stdout


def test_real_process() -> None:
    """The entry point as a subprocess: help, and a refused connection without a traceback."""
    helped = subprocess.run(
        [sys.executable, "-m", "app.cli.main", "task", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert helped.returncode == 0 and "create" in helped.stdout
    url = f"http://127.0.0.1:{free_port()}"
    down = subprocess.run(
        [sys.executable, "-m", "app.cli.main", "task", "list", "--url", url],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert down.returncode == 2
    assert down.stderr == f"error: cannot reach the taskrunner server at {url}: connection refused\n"


@pytest.mark.parametrize("name", ["markup [/x] test", "[bold]loud[/bold]", "emoji :warning: [red]"])
def test_user_text_is_printed_as_written_never_as_markup(cli: Cli, name: str) -> None:
    created = cli("task", "create", "--every", "1h", "--name", name, "--instructions", f"do {name}")
    assert created.exit_code == 0, created.output
    assert name in created.stdout
    for args in (("task", "list"), ("task", "show", "1")):
        result = cli(*args)
        assert result.exit_code == 0, result.output
        assert name in " ".join(result.stdout.split()), result.stdout
