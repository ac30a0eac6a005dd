"""A stdio MCP server that forwards to a running taskrunner's /mcp, so local clients need no database.

Tools and results are the remote server's own; with ``read_only`` the bridge
also withholds the write tools itself, whatever the key could do.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx2
import mcp_types as types
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.server import Server
from mcp.server.context import ServerRequestContext

from app import __version__
from app.mcp.server import INSTRUCTIONS


def build_bridge(url: str, *, api_key: str | None, read_only: bool) -> Server[Any]:
    """A server whose tools are those of the taskrunner at ``url`` (its base URL)."""
    endpoint = url.rstrip("/") + "/mcp"
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}

    @asynccontextmanager
    async def remote(_: Server[Any]) -> AsyncIterator[dict[str, Any]]:
        async with httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(60.0)) as http:
            async with Client(streamable_http_client(endpoint, http_client=http)) as client:
                yield {"client": client}

    def offered(tools: list[types.Tool]) -> list[types.Tool]:
        if not read_only:
            return tools
        return [t for t in tools if t.annotations is not None and t.annotations.read_only_hint]

    async def list_tools(
        ctx: ServerRequestContext[dict[str, Any]], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        client: Client = ctx.lifespan_context["client"]
        return types.ListToolsResult(tools=offered((await client.list_tools()).tools))

    async def call_tool(
        ctx: ServerRequestContext[dict[str, Any]], params: types.CallToolRequestParams
    ) -> types.CallToolResult:
        client: Client = ctx.lifespan_context["client"]
        if read_only and params.name not in {t.name for t in offered((await client.list_tools()).tools)}:
            error = {
                "error": {
                    "code": "forbidden",
                    "message": f"{params.name} is not offered: this server was started with --read-only.",
                    "details": {},
                }
            }
            return types.CallToolResult(
                content=[types.TextContent(type="text", text=json.dumps(error))],
                structured_content=error,
                is_error=True,
            )
        result = await client.call_tool(params.name, dict(params.arguments or {}))
        assert isinstance(result, types.CallToolResult)
        return result

    return Server(
        "taskrunner",
        version=__version__,
        title="taskrunner",
        instructions=INSTRUCTIONS,
        lifespan=remote,
        on_list_tools=list_tools,
        on_call_tool=call_tool,
    )
