"""``taskrunner task export`` and ``taskrunner task import``: tasks as YAML/JSON files, idempotent by name."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
import yaml

from app.cli import render
from app.cli.common import DEFAULT_URL, ApiKeyOpt, JsonOpt, UrlOpt, connect, fail, print_json, read_file_or_stdin


def export(
    include_completed: Annotated[bool, typer.Option("--all", help="Include completed one-time tasks too.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Write JSON instead of YAML.")] = False,
    url: UrlOpt = DEFAULT_URL,
    api_key: ApiKeyOpt = None,
) -> None:
    """Print every task's definition as YAML (or --json), e.g. `taskrunner task export > tasks.yaml`."""
    with connect(url, api_key) as client:
        bundle = client.export_tasks(include_completed=include_completed)
    if as_json:
        print_json(bundle)
    else:
        typer.echo(yaml.safe_dump(dict(bundle), sort_keys=False, allow_unicode=True), nl=False)


def import_(
    file: Annotated[str, typer.Argument(help="A YAML or JSON file from `task export` ('-' reads stdin).")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would change; change nothing.")] = False,
    url: UrlOpt = DEFAULT_URL,
    api_key: ApiKeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Create the file's new tasks and update changed ones, matched by name (run it again: nothing changes)."""
    bundle = _read(file)
    with connect(url, api_key) as client:
        report = client.import_tasks(bundle, dry_run=dry_run)
    if as_json:
        print_json(report)
        return
    out = render.console()
    verb = "Would" if dry_run else "Did"
    for item in report["items"]:
        if item["action"] == "unchanged":
            continue
        what = f"update {', '.join(item['changes'])}" if item["action"] == "update" else "create"
        ident = f" (task {item['id']})" if item["id"] is not None else ""
        out.print(f"{verb} {what}: {item['name']}{ident}", markup=False)
    created, updated, unchanged = report["created"], report["updated"], report["unchanged"]
    if dry_run:
        out.print(f"Dry run: {created} to create, {updated} to update, {unchanged} unchanged; nothing was changed.")
    else:
        out.print(f"{created} created, {updated} updated, {unchanged} unchanged.")


def _read(file: str) -> dict[str, Any]:
    try:
        text = read_file_or_stdin(file)
    except OSError as exc:
        fail(f"cannot read {file}: {exc.strerror or exc}", 2)
    try:
        data = yaml.safe_load(text)  # YAML is a superset of JSON: both are read here
    except yaml.YAMLError as exc:
        fail(f"{file} is not valid YAML or JSON: {' '.join(str(exc).split())}", 2)
    if isinstance(data, list):
        data = {"tasks": data}
    if not isinstance(data, dict) or not isinstance(data.get("tasks"), list):
        fail(f"{file} holds no tasks: expected `tasks:` with a list of task definitions (see `task export`)", 2)
    # Dates YAML read as datetimes go back as ISO 8601 text.
    result: dict[str, Any] = json.loads(json.dumps(data, default=lambda v: v.isoformat()))
    return result
