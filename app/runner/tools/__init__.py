"""Tools the agent may call during a run; see :mod:`app.runner.tools.registry`."""

from app.runner.tools.base import HttpToolConfig, Tool, ToolContext, ToolError
from app.runner.tools.registry import REGISTRY, TOOL_NAMES, known_tools, select

__all__ = [
    "REGISTRY",
    "TOOL_NAMES",
    "HttpToolConfig",
    "Tool",
    "ToolContext",
    "ToolError",
    "known_tools",
    "select",
]
