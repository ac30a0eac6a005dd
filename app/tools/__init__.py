"""Tool definitions shared by the chat assistant and the MCP server: one set, so they cannot drift apart."""

from app.tools.base import Pending, ToolContext, ToolDef, ToolFailed, ToolResult, error_result, invoke
from app.tools.definitions import TOOLS, tools_for

__all__ = [
    "TOOLS",
    "Pending",
    "ToolContext",
    "ToolDef",
    "ToolFailed",
    "ToolResult",
    "error_result",
    "invoke",
    "tools_for",
]
