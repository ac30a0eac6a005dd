"""``taskrunner chat "<message>"``: talk to the scheduler; the conversation carries over between calls.

The current conversation id is kept per server URL in ``chat.json`` under
``$TASKRUNNER_STATE_DIR`` (default ``~/.config/taskrunner``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.text import Text

from app.cli import render
from app.cli.common import DEFAULT_URL, ApiKeyOpt, JsonOpt, UrlOpt, connect, fail, print_json
from app.client import APIError

CHAT_TIMEOUT_SECONDS = 300.0


def state_file() -> Path:
    """Where the current conversation ids live."""
    base = os.environ.get("TASKRUNNER_STATE_DIR")
    root = Path(base) if base else Path.home() / ".config" / "taskrunner"
    return root / "chat.json"


def load_conversation(url: str) -> str | None:
    """The conversation id last used with the server at ``url``, if any."""
    try:
        data = json.loads(state_file().read_text())
    except (OSError, ValueError):
        return None
    value = data.get(url.rstrip("/")) if isinstance(data, dict) else None
    return str(value) if value is not None else None


def save_conversation(url: str, conversation_id: str | None) -> None:
    """Remember (or, with None, forget) the conversation for ``url``."""
    path = state_file()
    try:
        data = json.loads(path.read_text())
        if not isinstance(data, dict):
            data = {}
    except (OSError, ValueError):
        data = {}
    if conversation_id is None:
        data.pop(url.rstrip("/"), None)
    else:
        data[url.rstrip("/")] = conversation_id
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2))
    tmp.replace(path)


def chat(
    message: Annotated[str, typer.Argument(help="What you want, e.g. 'pause the backup task'.")],
    new: Annotated[bool, typer.Option("--new", help="Start a new conversation.")] = False,
    url: UrlOpt = DEFAULT_URL,
    api_key: ApiKeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Ask the scheduler in plain words: change tasks, or ask what happened and why."""
    conversation_id = None if new else load_conversation(url)
    with connect(url, api_key, timeout=CHAT_TIMEOUT_SECONDS) as client:
        try:
            answer = client.send_chat_message(message, conversation_id=conversation_id)
        except APIError as exc:
            if exc.status == 404 and conversation_id is not None and "conversation" in exc.message:
                save_conversation(url, None)
                fail(f"{exc.message} (it is forgotten now; send your message again to start a new one)")
            raise
    save_conversation(url, str(answer["conversation_id"]))
    if as_json:
        print_json(answer)
        return
    out = render.console()
    out.print(answer["reply"], markup=False)
    actions = answer.get("actions") or []
    if actions:
        out.print()
        for action in actions:
            out.print(Text(f"· {_action_line(action)}", style="dim"))


def _action_line(action: Mapping[str, Any]) -> str:
    args = action.get("arguments") or {}
    shown = ", ".join(f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in args.items())
    result = action.get("result")
    outcome = "error" if isinstance(result, dict) and result.get("error") else "ok"
    return render.clip(f"{action.get('tool')}({shown}) → {outcome}", 120).replace("[", r"\[")
