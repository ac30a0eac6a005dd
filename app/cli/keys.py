"""``taskrunner keys ...``: create (the secret is printed once), list and revoke API keys."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated, Any

import typer
from rich.table import Table

from app.cli import render
from app.cli.common import DEFAULT_URL, ApiKeyOpt, JsonOpt, UrlOpt, connect, print_json

app = typer.Typer(
    name="keys",
    help="Create, list and revoke the API keys that protect the server.",
    no_args_is_help=True,
)

KeyId = Annotated[int, typer.Argument(help="The key's id (see `taskrunner keys list`).", min=1)]


@app.command("create")
def create(
    name: Annotated[str, typer.Option("--name", help="Who or what will use the key.")],
    read_only: Annotated[
        bool, typer.Option("--read-only", help="The key may only read (GET, and the read tools over MCP).")
    ] = False,
    url: UrlOpt = DEFAULT_URL,
    api_key: ApiKeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Create a key and print it: it is shown this once and cannot be retrieved later."""
    with connect(url, api_key) as client:
        key = client.create_api_key(name, scope="read_only" if read_only else "full")
    if as_json:
        print_json(key)
        return
    kind = "read-only API key" if key.get("scope") == "read_only" else "API key"
    typer.echo(f"Created {kind} {key['id']} ({key['name']}). Store it now; it is not shown again:")
    typer.echo(key["key"])


@app.command("list")
def list_keys(
    url: UrlOpt = DEFAULT_URL,
    api_key: ApiKeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """List keys with their prefix and whether they are revoked (never the secrets)."""
    with connect(url, api_key) as client:
        page = client.list_api_keys(limit=500)
    if as_json:
        print_json(page)
        return
    render.console().print(_table(page["items"], page["total"]))


@app.command("revoke")
def revoke(
    key_id: KeyId,
    url: UrlOpt = DEFAULT_URL,
    api_key: ApiKeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Revoke a key: requests with it are refused from now on (within seconds on other instances)."""
    with connect(url, api_key) as client:
        client.revoke_api_key(key_id)
    if as_json:
        print_json({"id": key_id, "revoked": True})
        return
    typer.echo(f"Revoked API key {key_id}.")


def _table(keys: Sequence[Mapping[str, Any]], total: int) -> Table:
    table = Table(title=f"API keys ({total})", title_justify="left")
    for column in ("ID", "Name", "Prefix", "Created", "State"):
        table.add_column(column)
    for key in keys:
        state = render.styled("active") if key["revoked_at"] is None else render.styled("revoked")
        table.add_row(str(key["id"]), key["name"], key["prefix"] + "…", render.when(key["created_at"]), state)
    return table
