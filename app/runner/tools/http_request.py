"""The ``http_request`` tool: one HTTP request to a public address, safe to run unattended.

The request goes through :func:`app.runner.fetch.fetch` (the network guard, pinned
resolution, redirects re-checked hop by hop, a bounded body, no environment proxy);
this module checks the model's arguments, bounds the call with a timeout and turns
every refusal or failure into a :class:`ToolError` the model reads.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from app.runner.fetch import ACCEPT_ENCODING, USER_AGENT, FetchError, fetch
from app.runner.tools.base import Tool, ToolContext, ToolError, arg_str

__all__ = ["ACCEPT_ENCODING", "METHODS", "TOOL", "USER_AGENT", "http_request"]

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


async def http_request(ctx: ToolContext, args: dict[str, Any]) -> dict[str, Any]:
    """Perform the request described by ``args``; :class:`ToolError` when refused or failed."""
    cfg = ctx.http
    method = arg_str(args, "method", "GET").upper()
    if method not in METHODS:
        raise ToolError(f"method must be one of {', '.join(METHODS)}")
    headers = args.get("headers") or {}
    if not isinstance(headers, dict) or not all(isinstance(v, str) for v in headers.values()):
        raise ToolError("argument 'headers' must be an object of string values")
    body = args.get("body")
    if body is not None and not isinstance(body, str):
        raise ToolError("argument 'body' must be a string (serialise JSON yourself)")
    try:
        url = httpx.URL(arg_str(args, "url"))
    except httpx.InvalidURL as exc:
        raise ToolError(f"invalid URL: {exc}") from exc
    timeout = cfg.timeout_seconds
    if isinstance(args.get("timeout_seconds"), int | float):
        timeout = max(0.1, min(timeout, float(args["timeout_seconds"])))
    try:
        async with asyncio.timeout(timeout):
            got = await fetch(cfg, method, url, dict(headers), body, limit_seconds=timeout)
    except TimeoutError as exc:
        raise ToolError(f"request timed out after {timeout:g}s") from exc
    except FetchError as exc:
        raise ToolError(str(exc)) from exc
    except httpx.HTTPError as exc:
        raise ToolError(f"request failed: {type(exc).__name__}: {exc}") from exc
    return {
        "status": got.status,
        "url": got.url,
        "headers": got.headers,
        "body": got.text,
        "truncated": got.truncated,
        "bytes_read": len(got.data),
        "redirects": got.redirects,
    }


TOOL = Tool(
    name="http_request",
    description=(
        "Make an HTTP request to a public URL and get the status, headers and body "
        "(the body is cut at a size limit; 'truncated' says so). Redirects are followed."
    ),
    parameters={
        "type": "object",
        "properties": {
            "url": {"type": "string", "description": "absolute http(s) URL"},
            "method": {"type": "string", "enum": list(METHODS), "default": "GET"},
            "headers": {"type": "object", "additionalProperties": {"type": "string"}},
            "body": {"type": "string", "description": "request body (e.g. JSON text)"},
            "timeout_seconds": {"type": "number", "description": "lower than the default limit if set"},
        },
        "required": ["url"],
        "additionalProperties": False,
    },
    handler=http_request,
)
