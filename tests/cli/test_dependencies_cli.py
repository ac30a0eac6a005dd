"""`--after` on `task create/update`, `task show`, `task delete --force`, and the upstream run in `runs show`."""

from __future__ import annotations

import json
from datetime import timedelta

from app.db.repositories import FireRow
from tests.cli.conftest import Cli, Live, insert_runs
from tests.cli.test_tasks_cli import create, one_error_line
from tests.scheduler.conftest import START


def test_after_from_the_command_line(cli: Cli) -> None:
    fetch = create(cli)["id"]
    other = create(cli)["id"]
    made = cli("task", "create", "--cron", "0 9 * * *", "--name", "report", "--instructions", "x",
               "--after", f"{fetch}", "--after", f"{other}:failed", "--after-mode", "any", "--json")  # fmt: skip
    assert made.exit_code == 0, made.output
    report = json.loads(made.stdout)
    assert report["after"] == {
        "mode": "any",
        "tasks": [{"task_id": fetch, "on": "succeeded"}, {"task_id": other, "on": "failed"}],
    }
    shown = cli("task", "show", str(report["id"]))
    assert f"task {fetch} succeeded, task {other} failed (each one)" in shown.stdout
    # --after-mode alone keeps the tasks; --after replaces them; --no-after removes them.
    changed = json.loads(cli("task", "update", str(report["id"]), "--after-mode", "all", "--json").stdout)
    assert changed["after"]["mode"] == "all" and len(changed["after"]["tasks"]) == 2
    changed = json.loads(cli("task", "update", str(report["id"]), "--after", f"{fetch}:finished", "--json").stdout)
    assert changed["after"] == {"mode": "all", "tasks": [{"task_id": fetch, "on": "finished"}]}
    assert one_error_line(cli("task", "update", str(fetch), "--after", str(report["id"]))).startswith(
        "error: dependency_cycle: "
    )
    bad = cli("task", "update", str(fetch), "--after", "3:sometimes")
    assert bad.exit_code == 2 and "unknown end 'sometimes'" in bad.output
    assert json.loads(cli("task", "update", str(report["id"]), "--no-after", "--json").stdout)["after"] is None


def test_delete_refused_then_forced(cli: Cli) -> None:
    fetch = create(cli)["id"]
    report = create(cli, "--after", str(fetch))["id"]
    refused = one_error_line(cli("task", "delete", str(fetch), "--yes"))
    assert refused.startswith("error: has_dependents: ") and f"task {report}" in refused
    done = cli("task", "delete", str(fetch), "--yes", "--force")
    assert done.exit_code == 0, done.output
    assert json.loads(cli("task", "show", str(report), "--json").stdout)["after"] is None


def test_runs_show_names_the_upstream_run(cli: Cli, live: Live) -> None:
    fetch = create(cli)["id"]
    report = create(cli, "--after", str(fetch))["id"]
    (up,) = insert_runs(live.db_url, [(FireRow(task_id=fetch, scheduled_for=START, trigger="manual",
                                               status="succeeded"), {})])  # fmt: skip
    (down,) = insert_runs(
        live.db_url,
        [
            (
                FireRow(
                    task_id=report,
                    scheduled_for=START + timedelta(seconds=1),
                    trigger="dependency",
                    status="queued",
                    upstream_execution_id=up,
                ),
                {},
            )
        ],
    )
    shown = cli("runs", "show", str(down))
    assert "Upstream run" in shown.stdout and str(up) in shown.stdout
    assert json.loads(cli("runs", "show", str(down), "--json").stdout)["upstream_execution_id"] == up
