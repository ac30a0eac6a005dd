"""``taskrunner task run`` with inputs, an idempotency key, ``--wait`` or ``--follow``; ``taskrunner task backfill``."""

from __future__ import annotations

import json
import time
from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer
from rich.table import Table

from app.cli import render
from app.cli.common import (
    DEFAULT_URL,
    ApiKeyOpt,
    JsonOpt,
    TaskId,
    UrlOpt,
    connect,
    fail,
    print_json,
    read_file_or_stdin,
)
from app.cli.follow import FollowOpt, exit_unless_succeeded
from app.cli.follow import follow as follow_run
from app.client import TaskrunnerClient
from app.client.models import Execution

InputOpt = Annotated[
    list[str] | None,
    typer.Option("--input", help="An input for the run as KEY=VALUE (repeat for several); VALUE is text."),
]
InputJsonOpt = Annotated[
    str | None,
    typer.Option("--input-json", help="A file holding the run's inputs as a JSON object ('-' reads stdin)."),
]
KeyOpt = Annotated[
    str | None,
    typer.Option("--idempotency-key", help="The same key within 24 hours answers the first run, not a new one."),
]
WaitOpt = Annotated[bool, typer.Option("--wait", help="Wait for the run to end; print its output and status.")]
WaitTimeoutOpt = Annotated[float, typer.Option("--wait-timeout", min=1, help="Seconds to wait with --wait.")]

FINISHED_POLL_SECONDS = 1.0


def parse_inputs(pairs: list[str] | None, json_file: str | None) -> dict[str, Any] | None:
    """The inputs from ``--input-json`` then ``--input KEY=VALUE`` (which win); ValueError on bad ones."""
    inputs: dict[str, Any] = {}
    if json_file is not None:
        try:
            text = read_file_or_stdin(json_file)
        except OSError as exc:
            raise ValueError(f"cannot read --input-json {json_file}: {exc.strerror or exc}") from None
        try:
            loaded = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"--input-json {json_file} is not JSON: {exc}") from None
        if not isinstance(loaded, dict):
            raise ValueError(f"--input-json {json_file} must hold a JSON object, not {type(loaded).__name__}")
        inputs.update(loaded)
    for pair in pairs or ():
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"--input {pair!r} is not KEY=VALUE")
        inputs[key.strip()] = value
    return inputs if (inputs or json_file is not None) else None


def wait_for(client: TaskrunnerClient, execution_id: int, timeout: float) -> Execution:
    """Poll the run until it leaves queued/running; TimeoutError after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        run = client.get_execution(execution_id)
        if run["status"] not in ("queued", "running"):
            return run
        if time.monotonic() >= deadline:
            raise TimeoutError(f"run {execution_id} is still {run['status']} after {timeout:g}s")
        time.sleep(FINISHED_POLL_SECONDS)


def run(
    task_id: TaskId,
    input_pairs: InputOpt = None,
    input_json: InputJsonOpt = None,
    idempotency_key: KeyOpt = None,
    wait: WaitOpt = False,
    wait_timeout: WaitTimeoutOpt = 3600.0,
    follow: FollowOpt = False,
    url: UrlOpt = DEFAULT_URL,
    api_key: ApiKeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Run a task now (it is queued and starts within moments), optionally with inputs."""
    try:
        inputs = parse_inputs(input_pairs, input_json)
    except ValueError as exc:
        fail(str(exc))
    with connect(url, api_key) as client:
        execution = client.run_task(task_id, inputs=inputs, idempotency_key=idempotency_key)
        if follow:
            zone = None if as_json else render.task_timezone(client.get_task(task_id))
            if not as_json:
                render.console().print(f"Queued run {execution['id']} of task {task_id}; following it.")
            execution = follow_run(client, execution["id"], timezone=zone, as_json=as_json)
        elif wait:
            try:
                execution = wait_for(client, execution["id"], wait_timeout)
            except TimeoutError as exc:
                fail(f"{exc}; follow it with: taskrunner runs show {execution['id']}")
    if follow:
        exit_unless_succeeded(execution)  # the events said it all
        return
    if as_json:
        print_json(execution)
    elif not wait:
        render.console().print(
            f"Queued run {execution['id']} of task {execution['task_id']} (status {execution['status']}). "
            f"Follow it with: taskrunner runs follow {execution['id']}"
        )
    else:
        console = render.console()
        if execution.get("output"):
            console.print(execution["output"], markup=False, highlight=False)
        detail = execution.get("error") or execution.get("reason")
        console.print(
            f"Run {execution['id']} of task {execution['task_id']}: {execution['status']}"
            + (f" ({detail})" if detail else ""),
            markup=False,
            highlight=False,
        )
    if wait and execution["status"] != "succeeded":
        raise typer.Exit(1)


WhenArg = Annotated[str, typer.Option(help="ISO 8601 time; without an offset it is in the task's timezone.")]
DryRunOpt = Annotated[bool, typer.Option("--dry-run", help="Only list the fires; record and run nothing.")]


def _aware(value: str, tz: str, flag: str) -> str:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{flag} {value!r} is not an ISO 8601 time, e.g. 2026-10-24T00:00") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(tz))
    return moment.isoformat()


def backfill(
    task_id: TaskId,
    start: WhenArg,
    end: WhenArg,
    dry_run: DryRunOpt = False,
    url: UrlOpt = DEFAULT_URL,
    api_key: ApiKeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Run the fires a task's schedule would have had in a past window (those not already recorded)."""
    with connect(url, api_key) as client:
        tz = client.get_task(task_id)["schedule"].get("timezone", "UTC")
        try:
            start_at, end_at = _aware(start, tz, "--start"), _aware(end, tz, "--end")
        except ValueError as exc:
            fail(str(exc))
        report = client.backfill_task(task_id, start_at, end_at, dry_run=dry_run)
    if as_json:
        print_json(report)
        return
    table = Table(title=f"Fires of task {task_id} in the window ({report['timezone']})", title_justify="left")
    for column in ("Scheduled for", "Covers from", "Status", "Run"):
        table.add_column(column)
    for fire in report["fires"]:
        table.add_row(
            render.when(fire["scheduled_for"], report["timezone"]),
            render.when(fire["window_start"], report["timezone"]),
            fire["status"],
            str(fire["execution_id"] or "-"),
        )
    console = render.console()
    console.print(table)
    verb = "would run" if dry_run else "queued"
    console.print(
        f"{report['total']} fire(s) in the window: {report['new']} {verb}, "
        f"{report['already_recorded']} already recorded (never run again)."
    )


def hook(
    task_id: TaskId,
    show: Annotated[bool, typer.Option("--show", help="Show the hook and its recent deliveries.")] = False,
    disable: Annotated[bool, typer.Option("--disable", help="Delete the hook.")] = False,
    rate: Annotated[int | None, typer.Option("--rate", min=1, help="Accepted events a minute.")] = None,
    grace: Annotated[
        int | None, typer.Option("--grace", min=0, help="Seconds the old secret stays valid after rotating.")
    ] = None,
    url: UrlOpt = DEFAULT_URL,
    api_key: ApiKeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Enable a task's event hook, or rotate its secret (shown once); --show lists deliveries."""
    if show and disable:
        fail("give at most one of --show, --disable")
    with connect(url, api_key) as client:
        if disable:
            client.disable_task_hook(task_id)
            if as_json:
                print_json({"disabled": task_id})
            else:
                render.console().print(f"Disabled the event hook of task {task_id}.")
            return
        data = (
            client.get_task_hook(task_id)
            if show
            else client.enable_task_hook(task_id, rate_per_minute=rate, grace_seconds=grace)
        )
    if as_json:
        print_json(data)
        return
    console = render.console()
    full_url = url.rstrip("/") + data["url"]
    if show:
        console.print(f"Hook {data['hook_id']} of task {task_id}: POST {full_url} ({data['rate_per_minute']}/min)")
        for d in data["deliveries"]:
            outcome = f"run {d['execution_id']}" if d["accepted"] else f"refused: {d['reason']}"
            console.print(f"  {d['received_at']}  {outcome}", markup=False, highlight=False)
        return
    console.print(f"Event hook of task {task_id}: POST {full_url}", markup=False, highlight=False)
    console.print(f"Secret (shown only now): {data['secret']}", markup=False, highlight=False)
    if data.get("previous_secret_valid_until"):
        console.print(f"The previous secret stays valid until {data['previous_secret_valid_until']}.")
