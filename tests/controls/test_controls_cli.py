"""``taskrunner task controls``, pause notes, ``concurrency-keys`` and ``prices`` against a live server."""

from __future__ import annotations

import json

from tests.cli.conftest import Cli, cli, live, script
from tests.cli.test_tasks_cli import create, one_error_line

__all__ = ["cli", "live", "script"]


def test_task_controls_set_show_and_clear(cli: Cli) -> None:
    task = create(cli)
    result = cli(
        "task", "controls", str(task["id"]), "--overlap", "buffer_one", "--concurrency-key", "slack",
        "--jitter", "30", "--max-cost-per-day", "2", "--pause-after-failures", "3", "--max-delay", "60",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Overlap" in result.stdout and "buffer_one" in result.stdout
    assert "$2.00" in result.stdout and "slack" in result.stdout
    shown = cli("task", "show", str(task["id"]))
    assert "overlap buffer_one, key slack, jitter 30 s, $2 per day" in shown.stdout
    cleared = cli("task", "controls", str(task["id"]), "--clear", "concurrency_key", "--json")
    assert json.loads(cleared.stdout)["concurrency_key"] is None
    assert "cannot clear 'jitter'" in one_error_line(cli("task", "controls", str(task["id"]), "--clear", "jitter"))
    assert "nothing to change" in one_error_line(cli("task", "controls", str(task["id"])))


def test_pause_note_is_shown_and_resume_clears_it(cli: Cli) -> None:
    task = create(cli)
    paused = cli("task", "pause", str(task["id"]), "--note", "vendor outage")
    assert paused.exit_code == 0, paused.output
    assert "Note: vendor outage" in paused.stdout
    assert "Paused because" in cli("task", "show", str(task["id"])).stdout
    resumed = cli("task", "resume", str(task["id"]), "--json")
    assert json.loads(resumed.stdout)["pause_note"] is None


def test_concurrency_keys_and_prices(cli: Cli) -> None:
    assert "at most 2 running" in cli("concurrency-keys", "set", "openai", "2").stdout
    listed = json.loads(cli("concurrency-keys", "list", "--json").stdout)
    assert [(k["key"], k["max_running"]) for k in listed["items"]] == [("openai", 2)]
    assert "openai" in cli("concurrency-keys", "list").stdout
    assert cli("concurrency-keys", "delete", "openai").exit_code == 0
    assert "not_found" in one_error_line(cli("concurrency-keys", "delete", "openai"))
    priced = cli("prices", "set", "ollama/llama3", "--input", "0.2", "--output", "0.4")
    assert "ollama/llama3: $0.2 in, $0.4 out per million tokens." in priced.stdout
    assert "ollama/llama3" in cli("prices", "list").stdout
    assert cli("prices", "delete", "ollama/llama3").exit_code == 0
    assert "No model prices set" in cli("prices", "list").stdout
