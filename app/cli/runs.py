"""``taskrunner runs ...``: the execution records, listed with filters or one with its steps."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from app.cli import render
from app.cli.common import DEFAULT_URL, ApiKeyOpt, JsonOpt, UrlOpt, connect, fail, print_json
from app.cli.follow import FollowOpt, exit_unless_succeeded, follow
from app.cli.parsing import parse_when
from app.client import APIError, TaskrunnerClient
from app.client import models as m
from app.vocabulary import ExecutionStatus, Trigger

app = typer.Typer(name="runs", help="Look at what ran, when, and why not.", no_args_is_help=True)


WhenHelp = "ISO 8601 (naive = your local time), today, yesterday, or a span back such as 24h or 7d."


def _when(flag: str, value: str | None, now: datetime) -> str | None:
    if value is None:
        return None
    local = now.astimezone().tzinfo or UTC
    try:
        return parse_when(value, now=now, local=local).isoformat()
    except ValueError as exc:
        fail(f"{flag}: {exc}", 2)


def timezones_of(client: TaskrunnerClient, task_ids: set[int]) -> dict[int, str]:
    """Each task's timezone, so its runs show in the task's local time (a deleted task: offset)."""
    zones: dict[int, str] = {}
    for task_id in sorted(task_ids):
        try:
            zones[task_id] = render.task_timezone(client.get_task(task_id))
        except APIError as exc:
            if exc.status != 404:
                raise
    return zones


@app.command("list")
def list_runs(
    task: Annotated[int | None, typer.Option("--task", min=1, help="Only this task's runs.")] = None,
    status: Annotated[ExecutionStatus | None, typer.Option("--status", help="Only runs with this status.")] = None,
    trigger: Annotated[Trigger | None, typer.Option("--trigger", help="Only runs started this way.")] = None,
    since: Annotated[str | None, typer.Option("--since", help=f"Scheduled at or after: {WhenHelp}")] = None,
    until: Annotated[str | None, typer.Option("--until", help=f"Scheduled before: {WhenHelp}")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=500, help="At most this many.")] = 50,
    offset: Annotated[int, typer.Option("--offset", min=0, help="Skip this many first.")] = 0,
    url: UrlOpt = DEFAULT_URL,
    api_key: ApiKeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """List runs, newest first, with status, timing, tokens, cost and why."""
    now = datetime.now(UTC)
    since_at, until_at = _when("--since", since, now), _when("--until", until, now)
    with connect(url, api_key) as client:
        page = client.list_executions(
            task_id=task,
            status=status.value if status else None,
            trigger=trigger.value if trigger else None,
            since=since_at,
            until=until_at,
            limit=limit,
            offset=offset,
        )
        zones = {} if as_json else timezones_of(client, {r["task_id"] for r in page["items"]})
    if as_json:
        print_json(page)
        return
    out = render.console()
    if not page["items"]:
        out.print("No runs match." if page["total"] == 0 else f"No runs on this page ({page['total']} in all).")
        return
    out.print(render.runs_table(page["items"], page["total"], zones))


RunIdArg = Annotated[int, typer.Argument(help="The run's id (see `taskrunner runs list`).", min=1)]


@app.command("show")
def show(
    execution_id: RunIdArg,
    follow: FollowOpt = False,
    url: UrlOpt = DEFAULT_URL,
    api_key: ApiKeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show one run with every LLM call and tool call it made (--follow: as they happen)."""
    if follow:
        follow_run(execution_id, url=url, api_key=api_key, as_json=as_json)
        return
    with connect(url, api_key) as client:
        run = client.get_execution(execution_id)
        zone = None if as_json else timezones_of(client, {run["task_id"]}).get(run["task_id"])
    if as_json:
        print_json(run)
        return
    out = render.console()
    out.print(render.run_panel(run, zone))
    if run.get("steps"):
        out.print(render.steps_table(run["steps"]))


@app.command("follow")
def follow_run(
    execution_id: RunIdArg,
    url: UrlOpt = DEFAULT_URL,
    api_key: ApiKeyOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Each event as one line of JSON.")] = False,
) -> None:
    """Follow a run live: its steps as they happen, then status, output, tokens and cost (exit 1 unless succeeded)."""
    with connect(url, api_key) as client:
        zone = None
        if not as_json:
            run = client.get_execution(execution_id)  # a 404 before anything else
            zone = timezones_of(client, {run["task_id"]}).get(run["task_id"])
        final = follow(client, execution_id, timezone=zone, as_json=as_json)
    exit_unless_succeeded(final)


@app.command("cancel")
def cancel(
    execution_id: Annotated[int, typer.Argument(help="The run's id (see `taskrunner runs list`).", min=1)],
    wait: Annotated[float, typer.Option("--wait", min=0, help="Seconds to wait for a running run to stop.")] = 10.0,
    url: UrlOpt = DEFAULT_URL,
    api_key: ApiKeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Cancel a queued or running run; a running agent is stopped at once, its steps so far kept."""
    import time

    with connect(url, api_key) as client:
        run: m.Execution = client.cancel_execution(execution_id)
        deadline = time.monotonic() + wait
        while run["status"] == "running" and time.monotonic() < deadline:
            time.sleep(0.2)
            run = client.get_execution(execution_id)
    if as_json:
        print_json(run)
        return
    if run["status"] == "running":
        typer.echo(f"Run {execution_id}: cancel requested; it is still stopping.")
    else:
        typer.echo(f"Run {execution_id}: {run['status']}.")
