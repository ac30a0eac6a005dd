"""``taskrunner schedules upcoming``: the fires due soon across tasks, pile-ups flagged."""

from __future__ import annotations

import json

from tests.cli.conftest import Cli


def _task(cli: Cli, name: str, cron: str) -> None:
    result = cli("task", "create", "--name", name, "--instructions", "Report.", "--cron", cron, "--tz", "UTC")
    assert result.exit_code == 0, result.output


def test_upcoming_lists_fires_in_order_and_flags_pileups(cli: Cli) -> None:
    _task(cli, "a", "0 9 * * *")
    _task(cli, "b", "0 9 * * *")
    _task(cli, "c", "30 8 * * *")
    data = json.loads(cli("schedules", "upcoming", "--hours", "3", "--json").stdout)
    assert [(i["task_name"], i["at"]) for i in data["items"]] == [
        ("c", "2026-11-23T08:30:00Z"),
        ("a", "2026-11-23T09:00:00Z"),
        ("b", "2026-11-23T09:00:00Z"),
    ]
    assert data["busiest"] == [{"at": "2026-11-23T09:00:00Z", "count": 2}]
    table = cli("schedules", "upcoming", "--hours", "3")
    assert table.exit_code == 0, table.output
    assert "pile-up: 2 tasks at 2026-11-23T09:00:00Z" in table.stdout
    assert "1 other(s)" in table.stdout


def test_upcoming_says_when_nothing_is_due(cli: Cli) -> None:
    result = cli("schedules", "upcoming", "--hours", "1")
    assert result.exit_code == 0 and "Nothing fires in the next 1 h." in result.stdout
    bad = cli("schedules", "upcoming", "--hours", "500")
    assert bad.exit_code != 0
