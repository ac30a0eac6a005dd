"""Plain words -> schedule (parser being written)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from app.errors import LLMUnavailable


async def parse_description(text: str, **_: Any) -> Any:
    raise LLMUnavailable("not yet available")


__all__ = ["datetime", "parse_description"]
