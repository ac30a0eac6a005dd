"""The ``current_time`` tool: now, in any IANA timezone (the task's by default)."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from app.runner.tools.base import Tool, ToolContext, ToolError


async def current_time(ctx: ToolContext, args: dict[str, Any]) -> dict[str, Any]:
    """The clock's now in ``args["timezone"]`` (default: the task's timezone)."""
    name = args.get("timezone") or ctx.timezone
    if not isinstance(name, str):
        raise ToolError("argument 'timezone' must be an IANA timezone name such as 'Europe/Berlin'")
    try:
        zone = ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ToolError(f"unknown timezone {name!r}: use an IANA name such as 'Europe/Berlin'") from exc
    now = ctx.clock.now()
    local = now.astimezone(zone)
    return {
        "timezone": name,
        "local_time": local.isoformat(timespec="seconds"),
        "weekday": local.strftime("%A"),
        "utc_time": now.isoformat(timespec="seconds"),
        "utc_offset": local.strftime("%z"),
    }


TOOL = Tool(
    name="current_time",
    description="The current date and time in an IANA timezone (default: the task's timezone).",
    parameters={
        "type": "object",
        "properties": {"timezone": {"type": "string", "description": "IANA timezone name, e.g. 'America/New_York'"}},
        "additionalProperties": False,
    },
    handler=current_time,
)
