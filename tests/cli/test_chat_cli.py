"""``taskrunner chat``: the conversation carries over between calls until --new."""

from __future__ import annotations

import json

from tests.chat.scripted_llm import Script
from tests.cli.conftest import Cli
from tests.cli.test_tasks_cli import create, one_error_line


def test_chat_keeps_the_conversation_between_calls(cli: Cli, script: Script) -> None:
    create(cli)
    script.call(("find_tasks", {"query": "digest"})).reply("Task 1 (digest) runs on weekdays at 09:00.")
    first = cli("chat", "show me the digest task")
    assert first.exit_code == 0, first.output
    assert "Task 1 (digest) runs on weekdays at 09:00." in first.stdout
    assert '· find_tasks(query="digest") → ok' in first.stdout
    state = json.loads((cli.state_dir / "chat.json").read_text())
    conversation = state[cli.url]
    script.call(("pause_task", {"task_id": 1})).reply("Paused task 1.")
    second = cli("chat", "pause it", "--json")
    body = json.loads(second.stdout)
    assert body["conversation_id"] == conversation and body["reply"] == "Paused task 1."
    assert body["actions"][0]["result"]["task"]["state"] == "paused"
    assert [m["role"] for m in script.requests[2]][-2:] == ["assistant", "user"]  # history was replayed
    script.reply("Hello again.")
    fresh = json.loads(cli("chat", "hello", "--new", "--json").stdout)
    assert fresh["conversation_id"] != conversation
    assert json.loads((cli.state_dir / "chat.json").read_text())[cli.url] == fresh["conversation_id"]


def test_chat_errors(cli: Cli, script: Script) -> None:
    script.fail()
    down = one_error_line(cli("chat", "pause everything"))
    assert down.startswith("error: llm_unavailable: ")
    cli.state_dir.mkdir(parents=True, exist_ok=True)
    (cli.state_dir / "chat.json").write_text(json.dumps({cli.url: "0" * 32}))
    gone = one_error_line(cli("chat", "hello"))
    assert "No conversation with id" in gone and "start a new one" in gone
    script.reply("Hi.")
    assert cli("chat", "hello").exit_code == 0  # the stale id was forgotten
