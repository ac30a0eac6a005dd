"""The ``previous_runs`` tool: this task's earlier outputs and statuses, newest first."""

from __future__ import annotations

from typing import Any

from app.runner.tools.base import Tool, ToolContext, arg_int

MAX_OUTPUT_CHARS = 2000


async def previous_runs(ctx: ToolContext, args: dict[str, Any]) -> dict[str, Any]:
    """Up to ``limit`` earlier runs of the task; without a history source, the ones the run was given."""
    limit = arg_int(args, "limit", 5, low=1, high=20)
    if ctx.previous_runs is not None:
        runs = await ctx.previous_runs(ctx.task_id, limit)
    else:
        runs = list(ctx.recent_outputs[:limit])
    return {"runs": [_trim(run) for run in runs[:limit]]}


def _trim(run: dict[str, Any]) -> dict[str, Any]:
    out = dict(run)
    text = out.get("output")
    if isinstance(text, str) and len(text) > MAX_OUTPUT_CHARS:
        out["output"] = text[:MAX_OUTPUT_CHARS] + "…[truncated]"
    return out


TOOL = Tool(
    name="previous_runs",
    description="This task's earlier runs, newest first: status, when, and output (truncated).",
    parameters={
        "type": "object",
        "properties": {"limit": {"type": "integer", "minimum": 1, "maximum": 20, "default": 5}},
        "additionalProperties": False,
    },
    handler=previous_runs,
)
