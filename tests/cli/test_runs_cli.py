"""``taskrunner runs ...``: records listed with filters, in the task's timezone, and one with its steps."""

from __future__ import annotations

import json
from datetime import timedelta

from app.db.repositories import FireRow
from tests.cli.conftest import Cli, Live, insert_runs
from tests.cli.test_tasks_cli import create, one_error_line
from tests.scheduler.conftest import START


def seed(cli: Cli, live: Live) -> list[int]:
    create(cli)
    day = timedelta(days=1)
    return insert_runs(
        live.db_url,
        [
            (
                FireRow(task_id=1, scheduled_for=START - 2 * day, trigger="schedule", status="running"),
                {
                    "status": "succeeded",
                    "started_at": START - 2 * day,
                    "finished_at": START - 2 * day + timedelta(seconds=3),
                    "duration_ms": 3000,
                    "prompt_tokens": 1200,
                    "completion_tokens": 300,
                    "cost_usd": 0.0042,
                    "output": "all quiet",
                    "model": "openai/test",
                },
            ),
            (
                FireRow(
                    task_id=1,
                    scheduled_for=START - day,
                    trigger="schedule",
                    status="missed",
                    reason="the service was down at the scheduled time",
                ),
                {},
            ),
            (
                FireRow(task_id=1, scheduled_for=START - timedelta(hours=1), trigger="schedule", status="running"),
                {
                    "status": "failed",
                    "error": "HTTP tool: status.example.com timed out",
                    "finished_at": START,
                },
            ),
        ],
    )


def test_list_in_the_task_timezone_with_filters(cli: Cli, live: Live) -> None:
    ids = seed(cli, live)
    listing = cli("runs", "list")
    assert listing.exit_code == 0, listing.output
    out = listing.stdout
    assert "Runs (3 of 3)" in out
    # 2026-11-21 08:00 UTC is 09:00 in Berlin.
    assert "Sat 2026-11-21 09:00 CET" in out and "Mon 2026-11-23 08:00 CET" in out
    assert "succeeded" in out and "missed" in out and "failed" in out
    assert "1,500" in out and "$0.0042" in out and "3.0 s" in out
    assert "status.example.com timed out" in out and "the service was down" in out
    failed = json.loads(cli("runs", "list", "--status", "failed", "--json").stdout)
    assert [r["id"] for r in failed["items"]] == [ids[2]]
    window = json.loads(
        cli("runs", "list", "--since", "2026-11-22T00:00:00+00:00", "--until", "2026-11-23T00:00Z", "--json").stdout
    )
    assert [r["id"] for r in window["items"]] == [ids[1]]
    by_task = json.loads(cli("runs", "list", "--task", "1", "--limit", "1", "--offset", "1", "--json").stdout)
    assert by_task["total"] == 3 and [r["id"] for r in by_task["items"]] == [ids[1]]
    assert "No runs match" in cli("runs", "list", "--status", "skipped").stdout
    assert "not_found" in one_error_line(cli("runs", "list", "--task", "42"))
    assert "--since" in one_error_line(cli("runs", "list", "--since", "last tuesday"))


def test_show_with_steps(cli: Cli, live: Live) -> None:
    ids = seed(cli, live)
    shown = cli("runs", "show", str(ids[0]))
    assert shown.exit_code == 0, shown.output
    assert "succeeded" in shown.stdout and "all quiet" in shown.stdout and "Sat 2026-11-21 09:00 CET" in shown.stdout
    detail = json.loads(cli("runs", "show", str(ids[2]), "--json").stdout)
    assert detail["status"] == "failed" and detail["steps"] == []
    assert one_error_line(cli("runs", "show", "999")) == "error: not_found: No execution with id 999."
