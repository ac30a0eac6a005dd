"""`taskrunner task export` / `task import`: schedules kept in a file and applied again, idempotently."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from tests.cli.conftest import Cli

CRON_ARGS = ["--cron", "0 9 * * 1-5", "--tz", "Europe/Berlin", "--instructions", "sum up"]


def test_export_edit_import_round_trip(cli: Cli, tmp_path: Path) -> None:
    for name in ("digest", "backups"):
        assert cli("task", "create", *CRON_ARGS, "--name", name).exit_code == 0
    exported = cli("task", "export")
    assert exported.exit_code == 0, exported.output
    bundle = yaml.safe_load(exported.stdout)
    assert [t["name"] for t in bundle["tasks"]] == ["digest", "backups"]

    bundle["tasks"][0]["schedule"]["cron"] = "0 10 * * 1-5"
    bundle["tasks"].append({**bundle["tasks"][1], "name": "new one"})
    path = tmp_path / "tasks.yaml"
    path.write_text(yaml.safe_dump(bundle))

    dry = cli("task", "import", str(path), "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "Would update schedule: digest" in dry.stdout and "Would create: new one" in dry.stdout
    assert "Dry run: 1 to create, 1 to update, 1 unchanged; nothing was changed." in dry.stdout
    assert len(json.loads(cli("task", "list", "--json").stdout)["items"]) == 2

    done = cli("task", "import", str(path))
    assert done.exit_code == 0, done.output
    assert "1 created, 1 updated, 1 unchanged." in done.stdout
    again = cli("task", "import", str(path), "--json")
    assert json.loads(again.stdout)["unchanged"] == 3

    as_json = cli("task", "export", "--json")
    assert [t["schedule"]["cron"] for t in json.loads(as_json.stdout)["tasks"]] == [
        "0 10 * * 1-5",
        "0 9 * * 1-5",
        "0 9 * * 1-5",
    ]


def test_import_problems_are_one_line(cli: Cli, tmp_path: Path) -> None:
    missing = cli("task", "import", str(tmp_path / "nope.yaml"))
    assert missing.exit_code == 2 and missing.stderr.startswith("error: cannot read")
    bad = tmp_path / "bad.yaml"
    bad.write_text("tasks:\n  - name: x\n    schedule: {kind: cron, cron: '99 * * * *'}\n    instructions: y\n")
    answer = cli("task", "import", str(bad))
    assert answer.exit_code == 1
    assert answer.stderr.strip().startswith("error: validation_error: 1 task definition(s) are invalid; first: x:")
    empty = tmp_path / "empty.yaml"
    empty.write_text("hello: world\n")
    assert cli("task", "import", str(empty)).exit_code == 2
