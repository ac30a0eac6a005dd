"""The one place tools are registered: name -> :class:`Tool` (schema + handler).

Adding a tool: write a module beside this one exposing ``TOOL``, add it to ``_ALL``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType

from app.runner.tools import current_time, http_request, previous_runs
from app.runner.tools.base import Tool

_ALL: tuple[Tool, ...] = (http_request.TOOL, current_time.TOOL, previous_runs.TOOL)

REGISTRY: Mapping[str, Tool] = MappingProxyType({tool.name: tool for tool in _ALL})
TOOL_NAMES: frozenset[str] = frozenset(REGISTRY)


def known_tools() -> frozenset[str]:
    """Names of every tool a task may list in ``tools``."""
    return TOOL_NAMES


def select(names: Iterable[str], registry: Mapping[str, Tool] = REGISTRY) -> list[Tool]:
    """The registered tools named in ``names``, in registry order; unknown names are ignored."""
    wanted = set(names)
    return [tool for name, tool in registry.items() if name in wanted]
