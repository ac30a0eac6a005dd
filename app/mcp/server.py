"""An MCP server over the shared tool definitions; every call is one committed unit of service work.

Tool errors (our domain errors, bad arguments, an unknown or withheld tool)
come back as results with ``isError`` and ``{"error": {"code", "message",
"details"}}``, never as protocol errors. A read-only server (``--read-only``,
or a request made with a read-only key) lists and runs only the read tools.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any

import mcp_types as types
import structlog
from mcp.server import Server
from mcp.server.context import ServerRequestContext
from sqlalchemy.exc import SQLAlchemyError

from app import __version__
from app.clock import Clock
from app.services.catalog import Services
from app.tools import ToolContext, ToolDef, ToolResult, error_result, invoke, tools_for
from app.vocabulary import KeyScope

log = structlog.get_logger("taskrunner.mcp")

INSTRUCTIONS = (
    "taskrunner schedules LLM-agent tasks. Create one with ScheduleTask (plain words or an explicit schedule), "
    "find tasks with ListSchedules, inspect with GetTask, run with RunTaskNow, read runs with ListRuns/GetRun, "
    "ask why a task did not run with ExplainRun, pause one with PauseTask or stop it with CancelSchedule. Controls "
    "(overlap, concurrency keys, jitter, budgets, SLAs) are fields of ScheduleTask and UpdateTask. "
    "Ids in results are what the other tools take. Times are ISO 8601 with offset, in the task's timezone."
)
SCOPE_KEY = "api_key_scope"  # set by the API's key middleware in the request's ASGI state


@dataclass(frozen=True, kw_only=True)
class Backend:
    """Where calls go: a committed unit of service work per call, and the clock."""

    services: Callable[[], AbstractAsyncContextManager[Services]]
    clock: Clock
    read_only: bool = False  # the whole server offers only read tools


def build_server(backend: Backend) -> Server[Any]:
    """A low-level MCP server whose tools are the shared definitions offered to MCP clients."""

    def allowed(ctx: ServerRequestContext[Any]) -> dict[str, ToolDef]:
        read_only = backend.read_only or _request_scope(ctx) == KeyScope.READ_ONLY
        return {t.name: t for t in tools_for("mcp", read_only=read_only)}

    async def list_tools(
        ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        return types.ListToolsResult(tools=[_describe(t) for t in allowed(ctx).values()])

    async def call_tool(ctx: ServerRequestContext[Any], params: types.CallToolRequestParams) -> types.CallToolResult:
        offered = allowed(ctx)
        tool = offered.get(params.name)
        if tool is None:
            withheld = any(t.name == params.name for t in tools_for("mcp"))
            if withheld:
                return _result(
                    error_result("forbidden", f"{params.name} changes things; this connection is read-only.")
                )
            names = ", ".join(offered)
            return _result(error_result("unknown_tool", f"There is no tool {params.name!r}; use one of: {names}."))
        try:
            async with backend.services() as services:
                call = ToolContext(services=services, now=backend.clock.now(), timezone="UTC")
                result = await invoke(tool, call, dict(params.arguments or {}))
                if not result.ok:
                    raise _Refused(result)  # leave the unit of work uncommitted: a failed call changes nothing
        except _Refused as refused:
            result = refused.result
        except (SQLAlchemyError, OSError) as exc:
            log.warning("mcp.database_error", tool=tool.name, error_type=type(exc).__name__)
            result = error_result(
                "database_unavailable",
                "The database did not answer (unreachable, or not migrated: `taskrunner migrate`); try again shortly.",
            )
        log.info("mcp.call", tool=tool.name, ok=result.ok)
        return _result(result)

    schemas = {t.name: t.input_schema() for t in tools_for("mcp")}
    return Server(
        "taskrunner",
        version=__version__,
        title="taskrunner",
        instructions=INSTRUCTIONS,
        # Header validation looks a tool's schema up here instead of running the whole tools/list.
        get_tool_input_schema=schemas.get,
        on_list_tools=list_tools,
        on_call_tool=call_tool,
    )


class _Refused(Exception):
    def __init__(self, result: ToolResult) -> None:
        super().__init__(result.data)
        self.result = result


def _describe(tool: ToolDef) -> types.Tool:
    return types.Tool(
        name=tool.name,
        title=tool.title,
        description=tool.description,
        input_schema=tool.input_schema(),
        annotations=types.ToolAnnotations(
            title=tool.title,
            read_only_hint=tool.read_only,
            destructive_hint=tool.destructive,
            idempotent_hint=tool.idempotent,
            open_world_hint=False,
        ),
    )


def _result(result: ToolResult) -> types.CallToolResult:
    text = json.dumps(result.data, ensure_ascii=False, default=str)
    return types.CallToolResult(
        content=[types.TextContent(type="text", text=text)],
        structured_content=result.data,
        is_error=not result.ok,
    )


def _request_scope(ctx: ServerRequestContext[Any]) -> KeyScope:
    scope = getattr(ctx.request, "scope", None)
    if not isinstance(scope, dict):
        return KeyScope.FULL
    state = scope.get("state") or {}
    return KeyScope(state.get(SCOPE_KEY, KeyScope.FULL))
