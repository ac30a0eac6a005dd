"""What every client command shares: the connection options, error reporting and JSON output."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from app.client import DEFAULT_URL, ClientError, TaskrunnerClient

UrlOpt = Annotated[
    str,
    typer.Option(
        "--url",
        envvar="TASKRUNNER_URL",
        help="Base URL of the taskrunner server.",
        show_envvar=True,
    ),
]
ApiKeyOpt = Annotated[
    str | None,
    typer.Option(
        "--api-key",
        envvar="TASKRUNNER_API_KEY",
        help="API key, sent as 'Authorization: Bearer <key>'.",
        show_envvar=True,
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the API's JSON instead of tables.")]
TaskId = Annotated[int, typer.Argument(help="The task's id (see `taskrunner task list`).", min=1)]

__all__ = [
    "DEFAULT_URL",
    "ApiKeyOpt",
    "JsonOpt",
    "TaskId",
    "UrlOpt",
    "connect",
    "fail",
    "print_json",
    "read_file_or_stdin",
]


def fail(message: str, exit_code: int = 1) -> NoReturn:
    """Print ``error: <message>`` as one line on stderr and exit with ``exit_code``."""
    typer.echo(f"error: {' '.join(message.split())}", err=True)
    raise typer.Exit(exit_code)


@contextmanager
def connect(url: str, api_key: str | None, *, timeout: float = 30.0) -> Iterator[TaskrunnerClient]:
    """A client for the block; any :class:`ClientError` inside becomes one line and an exit code."""
    try:
        with TaskrunnerClient(url, api_key=api_key, timeout=timeout) as client:
            yield client
    except ClientError as exc:
        fail(exc.message, exc.exit_code)


def print_json(data: Any) -> None:
    """Machine output: the JSON as the API sent it, indented, on stdout."""
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False))


def read_file_or_stdin(file: str) -> str:
    """The text of ``file``, or of stdin when it is ``-``; OSError when it cannot be read."""
    return sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
