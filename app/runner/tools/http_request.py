"""The ``http_request`` tool: one HTTP request to a public address, through :mod:`app.runner.fetch`.

The guard, pinned resolution, redirects, body limit and timeout are the shared
fetch's (see its module docstring); this module checks the model's arguments
and turns the answer into the JSON the model reads.
"""

from __future__ import annotations

from typing import Any

import httpx

from app.runner.fetch import METHODS, FetchError, FetchLimits, fetch
from app.runner.tools.base import Tool, ToolContext, ToolError, arg_str

USER_AGENT = "taskrunner-agent/0.1"


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
    limits = FetchLimits(
        guard=cfg.guard, max_body_bytes=cfg.max_body_bytes, max_redirects=cfg.max_redirects, user_agent=USER_AGENT
    )
    try:
        answer = await fetch(limits, method, url, dict(headers), body, timeout=timeout)
    except FetchError as exc:
        raise ToolError(str(exc)) from exc
    return {
        "status": answer.status,
        "url": answer.url,
        "headers": answer.headers,
        "body": answer.body,
        "truncated": answer.truncated,
        "bytes_read": answer.bytes_read,
        "redirects": answer.redirects,
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
