"""Cutting what a run stores down to size, visibly, with secrets removed on the way.

A model or a tool can produce anything (a 10 MB answer, a 300-call turn); records
keep a bounded excerpt with a marker such as ``…[output truncated at 256 KiB of
10.0 MiB]`` so nobody mistakes a cut for the whole. NUL characters, which
PostgreSQL text cannot hold (the whole record would fail to store), are shown as
U+FFFD.

Redaction runs on the excerpt, not on the whole text (its patterns cost seconds
on megabytes), with a margin past the cut so a secret straddling it is still
recognised and removed whole.
"""

from __future__ import annotations

import json
from typing import Any

from app.redact import REDACTED, Redactor, is_secret_key

# A run's inputs (a JSON object shown to the agent as data): at most this many bytes.
MAX_INPUT_BYTES = 64 * 1024
_MARGIN = 1024  # characters redacted past a cut: longer than any secret we know of
_PATTERNS_ONLY = Redactor()


def size_words(n: int) -> str:
    """A byte count for people: ``512 B``, ``256 KiB``, ``10.0 MiB``."""
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.0f} KiB" if n % 1024 == 0 else f"{n / 1024:.1f} KiB"
    return f"{n / (1024 * 1024):.1f} MiB"


def storable(text: str) -> str:
    """``text`` with NUL characters (which PostgreSQL text cannot hold) shown as U+FFFD."""
    return text.replace("\x00", "\ufffd") if "\x00" in text else text


def clip_bytes(text: str, limit: int, *, what: str = "output", redactor: Redactor = _PATTERNS_ONLY) -> str:
    """``text`` redacted and cut to at most ``limit`` UTF-8 bytes (on a character boundary), marked when cut."""
    head = storable(redactor.text(text[: limit + _MARGIN]))
    raw = head.encode("utf-8")
    if len(text) <= limit + _MARGIN and len(raw) <= limit:
        return head
    kept = raw[:limit].decode("utf-8", errors="ignore")
    total = len(text.encode("utf-8"))
    return f"{kept}…[{what} truncated at {size_words(limit)} of {size_words(total)}]"


def clip_text(text: str, limit: int, *, redactor: Redactor = _PATTERNS_ONLY) -> str:
    """``text`` redacted and cut to ``limit`` characters, with a marker saying so."""
    if len(text) <= limit:
        return storable(redactor.text(text))
    head = storable(redactor.text(text[: limit + _MARGIN]))
    return f"{head[:limit]}…[truncated at {limit} of {len(text)} characters]"


def clip_json(value: Any, limit: int, *, redactor: Redactor = _PATTERNS_ONLY) -> str:
    """A JSON-like ``value`` as JSON text of at most ``limit`` characters (plus a marker), secrets removed.

    Strings are redacted and cut as :func:`clip_value` does, then the text is cut once;
    the marker counts the characters of the whole value's JSON, never of a cut copy.
    A cut string always lies past the text's cut, so only that one marker is shown.
    """
    text = json.dumps(clip_value(value, limit, redactor=redactor), ensure_ascii=False, default=str)
    if len(text) <= limit:
        return text
    whole = max(len(text), len(json.dumps(value, ensure_ascii=False, default=str)))
    return f"{text[:limit]}…[truncated at {limit} of {whole} characters]"


def clip_value(value: Any, limit: int, *, redactor: Redactor = _PATTERNS_ONLY) -> Any:
    """A JSON-like ``value`` redacted (see :class:`Redactor`) with every string cut as :func:`clip_text` does."""
    if isinstance(value, str):
        return clip_text(value, limit, redactor=redactor)
    if isinstance(value, dict):
        return {
            (storable(k) if isinstance(k, str) else k): (
                REDACTED if isinstance(k, str) and is_secret_key(k) and v else clip_value(v, limit, redactor=redactor)
            )
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [clip_value(v, limit, redactor=redactor) for v in value]
    return value


def encoded_size(value: Any, *, strict: bool = False) -> int:
    """The size of ``value`` as compact UTF-8 JSON, the way run inputs are stored and shown.

    ``strict``: NaN and infinities (which JSON has no words for, and PostgreSQL refuses) raise ValueError.
    """
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=not strict).encode())
