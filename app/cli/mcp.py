"""``taskrunner mcp``: serve the MCP tools over stdio for local MCP clients (Claude Desktop, IDEs, agents)."""

from __future__ import annotations

import asyncio
import os
from typing import Annotated

import typer

from app.cli.common import ApiKeyOpt, UrlOpt
from app.client.client import DEFAULT_URL


def mcp(
    url: UrlOpt = DEFAULT_URL,
    api_key: ApiKeyOpt = None,
    read_only: Annotated[
        bool, typer.Option("--read-only", help="Offer only the read tools (list, show, preview, explain).")
    ] = False,
) -> None:
    """Serve MCP over stdin/stdout: on the database when DATABASE_URL is set, else through the service at --url."""
    from app.logging import configure
    from app.mcp.stdio import serve_bridge, serve_database

    configure(fmt="json")  # logs go to stderr; stdout carries the protocol
    if os.environ.get("DATABASE_URL"):
        from app.config import Settings

        asyncio.run(serve_database(Settings(), read_only=read_only))
    else:
        asyncio.run(serve_bridge(url, api_key=api_key, read_only=read_only))
