"""``taskrunner schedules upcoming``: every fire due in the next hours, across all tasks."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from app.cli import render
from app.cli.common import DEFAULT_URL, ApiKeyOpt, JsonOpt, UrlOpt, connect, print_json

app = typer.Typer(name="schedules", help="What fires when, across all tasks.", no_args_is_help=True)


@app.command("upcoming")
def upcoming(
    hours: Annotated[float, typer.Option("--hours", min=0.01, max=168, help="How far ahead to look.")] = 24,
    limit: Annotated[int, typer.Option("--limit", min=1, max=5000, help="At most this many fires.")] = 1000,
    url: UrlOpt = DEFAULT_URL,
    api_key: ApiKeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """List fires due from now to --hours ahead, in time order (times in each task's zone); flag pile-ups."""
    with connect(url, api_key) as client:
        data = client.list_upcoming_fires(hours=hours, limit=limit)
    if as_json:
        print_json(data)
        return
    out = render.console()
    if not data["items"]:
        out.print(f"Nothing fires in the next {hours:g} h.")
        return
    busy = {b["at"][:16]: b["count"] for b in data["busiest"]}
    table = Table(title=f"Fires in the next {hours:g} h ({data['total']}{', cut short' if data['truncated'] else ''})")
    for column in ("when (task's zone)", "task", "together with"):
        table.add_column(column)
    for item in data["items"]:
        minute = datetime.fromisoformat(item["at"]).astimezone(UTC).isoformat()[:16]
        others = busy.get(minute, 1) - 1
        table.add_row(item["at"], f"{item['task_name']} (#{item['task_id']})", f"{others} other(s)" if others else "")
    out.print(table)
    for b in data["busiest"][:5]:
        out.print(Text.assemble(("pile-up:", "yellow"), f" {b['count']} tasks at {b['at']}"))
