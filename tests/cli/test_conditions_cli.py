"""``taskrunner task create/update --if-changed/--if-ok/--no-condition`` and conditions in ``show`` output."""

from __future__ import annotations

import json
from datetime import timedelta

from app.db.repositories import FireRow
from tests.cli.conftest import Cli, Live, insert_runs
from tests.cli.test_tasks_cli import CRON_ARGS, create, one_error_line
from tests.scheduler.conftest import START

FEED = "https://feeds.example.com/releases.xml"


def test_create_update_and_remove_a_condition(cli: Cli) -> None:
    task = create(cli, "--if-changed", FEED)
    assert task["condition"] == {"url_changed": FEED}
    shown = cli("task", "show", str(task["id"]))
    assert shown.exit_code == 0, shown.output
    assert "Runs only if" in shown.stdout and f"the content at {FEED} changed" in shown.stdout

    updated = cli("task", "update", str(task["id"]), "--if-ok", "https://status.example.com/", "--json")
    assert updated.exit_code == 0, updated.output
    assert json.loads(updated.stdout)["condition"] == {"http_ok": "https://status.example.com/"}
    kept = json.loads(cli("task", "update", str(task["id"]), "--max-steps", "3", "--json").stdout)
    assert kept["condition"] == {"http_ok": "https://status.example.com/"}
    removed = json.loads(cli("task", "update", str(task["id"]), "--no-condition", "--json").stdout)
    assert removed["condition"] is None
    assert "Runs only if" not in cli("task", "show", str(task["id"])).stdout


def test_condition_flag_errors(cli: Cli) -> None:
    both = cli("task", "create", *CRON_ARGS, "--if-changed", FEED, "--if-ok", FEED)
    assert both.exit_code == 2
    assert (
        one_error_line(both) == "error: give one of --if-changed, --if-ok, --no-condition (got --if-changed, --if-ok)"
    )
    refused = cli("task", "create", *CRON_ARGS, "--if-ok", "http://127.0.0.1:9/")
    assert one_error_line(refused).startswith("error: condition_refused: The condition's URL is refused: 127.0.0.1")
    not_http = cli("task", "create", *CRON_ARGS, "--if-changed", "ftp://example.com/x")
    assert one_error_line(not_http).startswith("error: validation_error:")


def test_runs_show_says_what_the_check_found(cli: Cli, live: Live) -> None:
    create(cli, "--if-changed", FEED)
    met, skipped = insert_runs(
        live.db_url,
        [
            (
                FireRow(task_id=1, scheduled_for=START - timedelta(hours=2), trigger="schedule", status="running"),
                {"status": "succeeded", "condition_result": f"content at {FEED} changed since run 3"},
            ),
            (
                FireRow(task_id=1, scheduled_for=START - timedelta(hours=1), trigger="schedule", status="running"),
                {
                    "status": "skipped",
                    "reason": f"condition not met: content at {FEED} unchanged since run 1",
                    "condition_result": f"content at {FEED} unchanged since run 1",
                },
            ),
        ],
    )
    ran = cli("runs", "show", str(met))
    assert ran.exit_code == 0, ran.output
    assert "Condition" in ran.stdout and "changed since run 3" in ran.stdout
    detail = json.loads(cli("runs", "show", str(skipped), "--json").stdout)
    assert detail["status"] == "skipped"
    assert detail["condition_result"] == f"content at {FEED} unchanged since run 1"
    assert "condition not met: content at" in cli("runs", "show", str(skipped)).stdout
