"""Cutting what a run stores down to size, visibly: every cut says where it happened.

A model or a tool can produce anything (a 10 MB answer, a 300-call turn); records
keep a bounded excerpt with a marker such as ``…[output truncated at 256 KiB of
10.0 MiB]`` so nobody mistakes a cut for the whole.
"""

from __future__ import annotations

from typing import Any


def size_words(n: int) -> str:
    """A byte count for people: ``512 B``, ``256 KiB``, ``10.0 MiB``."""
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.0f} KiB" if n % 1024 == 0 else f"{n / 1024:.1f} KiB"
    return f"{n / (1024 * 1024):.1f} MiB"


def clip_bytes(text: str, limit: int, *, what: str = "output") -> str:
    """``text`` cut to at most ``limit`` UTF-8 bytes (on a character boundary), with a marker when cut."""
    if len(text) <= limit // 4:  # fast path: even 4-byte characters fit
        return text
    raw = text.encode("utf-8")
    if len(raw) <= limit:
        return text
    kept = raw[:limit].decode("utf-8", errors="ignore")
    return f"{kept}…[{what} truncated at {size_words(limit)} of {size_words(len(raw))}]"


def clip_text(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, with a marker saying so."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}…[truncated at {limit} of {len(text)} characters]"


def clip_value(value: Any, limit: int) -> Any:
    """A JSON-like ``value`` with every string longer than ``limit`` characters cut (see :func:`clip_text`)."""
    if isinstance(value, str):
        return clip_text(value, limit)
    if isinstance(value, dict):
        return {k: clip_value(v, limit) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clip_value(v, limit) for v in value]
    return value
