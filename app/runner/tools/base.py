"""What a tool is: a name, a JSON schema for its arguments, and an async handler.

Handlers receive a :class:`ToolContext` (the run's task, clock and services) and the
arguments the model sent, parsed. They return any JSON-serialisable value. A
handler raises :class:`ToolError` for a failure the model should read and react
to; the runner turns any other exception into an error result too, so a tool
never crashes a run.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from app.clock import Clock
from app.runner.base import PreviousRuns
from app.runner.fetch import HttpLimits


class ToolError(Exception):
    """A tool failed in a way the model should be told about (bad arguments, refused URL...)."""


# Limits of the ``http_request`` tool: the guard, body size, timeout and redirects of every fetch.
HttpToolConfig = HttpLimits


@dataclass(frozen=True, kw_only=True)
class ToolContext:
    task_id: int
    timezone: str
    clock: Clock
    http: HttpToolConfig
    previous_runs: PreviousRuns | None = None
    recent_outputs: tuple[dict[str, Any], ...] = ()


Handler = Callable[[ToolContext, dict[str, Any]], Awaitable[Any]]


@dataclass(frozen=True, kw_only=True)
class Tool:
    name: str
    description: str
    parameters: dict[str, Any]  # JSON schema of the arguments object
    handler: Handler

    def spec(self) -> dict[str, Any]:
        """This tool in the OpenAI ``tools`` format."""
        return {
            "type": "function",
            "function": {"name": self.name, "description": self.description, "parameters": self.parameters},
        }


def arg_str(args: dict[str, Any], name: str, default: str | None = None) -> str:
    """A string argument, or ``default``; :class:`ToolError` when missing or mistyped."""
    value = args.get(name, default)
    if not isinstance(value, str) or (default is None and not value):
        raise ToolError(f"argument {name!r} must be a non-empty string")
    return value


def arg_int(args: dict[str, Any], name: str, default: int, *, low: int, high: int) -> int:
    """An integer argument clamped to [low, high]; :class:`ToolError` when mistyped."""
    value = args.get(name, default)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ToolError(f"argument {name!r} must be an integer")
    return max(low, min(high, int(value)))
