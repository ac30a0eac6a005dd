"""``taskrunner task create --kind ...``, ``taskrunner template ...`` and ``taskrunner functions list`` live."""

from __future__ import annotations

import json
from typing import Any

from tests.cli.conftest import Cli

EVERY = ["--every", "1h", "--name"]


def ok(result: Any) -> Any:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout) if result.stdout.lstrip().startswith(("{", "[")) else result.stdout


def test_http_task_from_flags(cli: Cli) -> None:
    args = [
        "--http-url",
        "https://example.com/hook",
        "--method",
        "post",
        "--header",
        "Authorization: Bearer tok-123456789",
    ]
    task = ok(cli("task", "create", *EVERY, "hook", *args, "--body", '{"a":1}', "--expect-status", "202", "--json"))
    assert task["kind"] == "http"
    assert task["http"] == {
        "method": "POST",
        "url": "https://example.com/hook",
        "headers": {"Authorization": "[REDACTED]"},
        "body": '{"a":1}',
        "expected_status": 202,
    }
    shown = ok(cli("task", "show", str(task["id"])))
    assert "POST https://example.com/hook" in shown and "HTTP 202" in shown and "tok-123456789" not in shown
    # Changing one header keeps the others (the secret stays as stored).
    changed = ok(cli("task", "update", str(task["id"]), "--header", "X-Trace: on", "--json"))
    assert changed["http"]["headers"] == {"Authorization": "[REDACTED]", "X-Trace": "on"}
    bad = cli("task", "create", *EVERY, "x", "--kind", "function", "--http-url", "https://example.com")
    assert bad.exit_code == 2 and "does not go with --http-url" in bad.stderr
    header = cli("task", "create", *EVERY, "x", "--http-url", "https://example.com", "--header", "no-colon")
    assert header.exit_code == 2 and "write it as NAME:VALUE" in header.stderr


def test_function_task_and_functions_list(cli: Cli, functions: str) -> None:
    listed = ok(cli("functions", "list"))
    assert "echo" in listed and "Answer the call's task, window and inputs as JSON." in listed
    task = ok(cli("task", "create", *EVERY, "caller", "--function", "greet", "--json"))
    assert task["kind"] == "function" and task["function"] == "greet"
    unknown = cli("task", "create", *EVERY, "caller", "--kind", "function", "--function", "nope")
    assert unknown.exit_code != 0 and "nope" in unknown.stderr and "echo" in unknown.stderr


def test_templates_from_the_command_line(cli: Cli) -> None:
    made = ok(cli("template", "create", "--name", "digest", "--instructions", "Check {{url}} for {{team}}.", "--json"))
    assert made["placeholders"] == ["url", "team"]
    task = ok(
        cli(
            "task", "create", *EVERY, "t", "--template", "digest", "--param", "url=a=b", "--param", "team=ops", "--json"
        )
    )
    assert task["instructions"] == "Check a=b for ops." and task["template_id"] == made["id"]
    missing = cli("task", "create", *EVERY, "t", "--template", "digest", "--param", "url=x")
    assert missing.exit_code != 0 and "team" in missing.stderr
    assert "digest" in ok(cli("template", "list"))
    assert "Check {{url}} for {{team}}." in ok(cli("template", "show", "digest"))
    changed = ok(cli("template", "update", "digest", "--instructions", "Look at {{url}}.", "--json"))
    assert changed["placeholders"] == ["url"]
    assert ok(cli("task", "show", str(task["id"]), "--json"))["instructions"] == "Look at a=b."
    refused = cli("template", "delete", "digest")
    assert refused.exit_code != 0 and "used by 1 task" in refused.stderr
    assert "Deleted template" in ok(cli("template", "delete", str(made["id"]), "--force"))
