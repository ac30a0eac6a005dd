"""Registered functions (the ``function`` task kind): what installed packages offer."""

from __future__ import annotations

import asyncio

from app.runner.functions import GROUP, FunctionCall, RegisteredFunction, describe_registered

__all__ = ["GROUP", "FunctionCall", "RegisteredFunction", "list_functions"]


async def list_functions() -> list[RegisteredFunction]:
    """Every function registered under ``taskrunner.functions``, by name, with its docstring's first line.

    Loading them imports their packages, which may block: done in a worker thread.
    """
    return await asyncio.to_thread(describe_registered)
