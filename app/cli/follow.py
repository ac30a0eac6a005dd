"""Following a run live: its steps as they happen, then its final status, output, tokens and cost.

``taskrunner task run ID --follow``, ``taskrunner runs follow ID`` and ``runs show ID --follow``
read the run's server-sent events, so they see a run on any worker; the exit code is 0 only
when the run succeeded (as with ``--wait``).
"""

from __future__ import annotations

import asyncio
import json
from typing import Annotated

import typer

from app.cli import render
from app.client import TaskrunnerClient
from app.client.models import Execution

FollowOpt = Annotated[
    bool, typer.Option("--follow", "-f", help="Show the run's steps as they happen, then how it ended.")
]


def follow(client: TaskrunnerClient, execution_id: int, *, timezone: str | None, as_json: bool) -> Execution:
    """Print the run's events until it ends (JSON lines with ``as_json``); the final record."""
    return asyncio.run(_follow(client, execution_id, timezone=timezone, as_json=as_json))


def exit_unless_succeeded(run: Execution) -> None:
    if run["status"] != "succeeded":
        raise typer.Exit(1)


async def _follow(client: TaskrunnerClient, execution_id: int, *, timezone: str | None, as_json: bool) -> Execution:
    out = render.console()
    status: str | None = None
    async for event in client.follow_execution(execution_id):
        if as_json:
            typer.echo(json.dumps(event, ensure_ascii=False))
        elif event["event"] == "step":
            out.print(render.step_line(event["data"]))
        elif event["event"] == "status" and event["data"]["status"] != status:
            out.print(render.run_status_line(event["data"]))
        elif event["event"] == "end":
            out.print(render.run_panel(event["data"], timezone))
        if event["event"] == "end":
            final: Execution = event["data"]
            return final
        if event["event"] == "status":
            status = event["data"]["status"]
    raise AssertionError("follow_execution ends with an end event or an error")  # pragma: no cover
