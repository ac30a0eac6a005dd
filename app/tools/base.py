"""A tool definition, shared by the chat assistant and the MCP server, and how one call is run.

A definition carries its names (PascalCase for MCP, snake_case in the chat), a
description written for a model, an argument model (its JSON schema is what
the model reads), truthful hints (read-only, destructive, idempotent) and a
handler over the services. A call validates, runs the handler and flushes; a
failure discards the call's half-made changes and comes back as an error with
our code and message, never as an exception.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

from pydantic import BaseModel, ValidationError

from app.errors import TaskRunnerError
from app.services.catalog import Services


@dataclass(kw_only=True)
class Pending:
    """An action waiting for the user's confirmation in a later chat message (None outside the chat)."""

    action: dict[str, Any] | None = None


@dataclass(frozen=True, kw_only=True)
class ToolContext:
    """What one call works with. ``turn`` numbers the chat user's messages from 1 (0 outside the chat)."""

    services: Services
    now: datetime
    timezone: str  # the user's; "UTC" when unknown
    turn: int = 0
    pending: Pending = field(default_factory=Pending)


class ToolFailed(Exception):
    """A tool's own refusal, reported like a domain error."""

    def __init__(self, code: str, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details or {}


Handler = Callable[[ToolContext, Any], Awaitable[dict[str, Any]]]


@dataclass(frozen=True, kw_only=True)
class ToolDef:
    name: str  # MCP name
    chat_name: str | None  # name in the chat, None when the chat does not offer it
    title: str
    description: str
    args: type[BaseModel]
    handler: Handler
    read_only: bool
    destructive: bool
    idempotent: bool
    clients: frozenset[str] = frozenset({"chat", "mcp"})

    def input_schema(self) -> dict[str, Any]:
        """The argument model's JSON schema without pydantic's titles (built once; do not mutate)."""
        return _schema(self.args)


@dataclass(frozen=True, kw_only=True)
class ToolResult:
    ok: bool
    data: dict[str, Any]  # the result, or {"error": {"code", "message", "details"}}


async def invoke(tool: ToolDef, ctx: ToolContext, arguments: dict[str, Any]) -> ToolResult:
    """Run one call; its changes are flushed on success and discarded on error."""
    try:
        parsed = tool.args.model_validate(arguments)
        result = await tool.handler(ctx, parsed)
        await ctx.services.flush()
        return ToolResult(ok=True, data=result)
    except ValidationError as exc:
        ctx.services.discard_unflushed()
        return error_result("invalid_arguments", _validation_message(exc))
    except (TaskRunnerError, ToolFailed) as exc:
        ctx.services.discard_unflushed()
        return error_result(exc.code, exc.message, exc.details)
    except ValueError as exc:
        ctx.services.discard_unflushed()
        return error_result("invalid_arguments", str(exc))


def error_result(code: str, message: str, details: dict[str, Any] | None = None) -> ToolResult:
    return ToolResult(ok=False, data={"error": {"code": code, "message": message, "details": details or {}}})


def _validation_message(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err.get("loc", ()))
        parts.append(f"{where}: {err.get('msg')}" if where else str(err.get("msg")))
    return "; ".join(parts)


@cache
def _schema(model: type[BaseModel]) -> dict[str, Any]:
    schema = model.model_json_schema()
    _drop_titles(schema)
    return schema


def _drop_titles(node: Any) -> None:
    if isinstance(node, dict):
        node.pop("title", None)
        for key, value in node.items():
            if key == "properties" and isinstance(value, dict):
                for prop in value.values():
                    _drop_titles(prop)
            elif key != "properties":
                _drop_titles(value)
    elif isinstance(node, list):
        for item in node:
            _drop_titles(item)
