"""What a run may be started with: a JSON object of inputs (size-limited) and an idempotency key."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from app.clip import MAX_INPUT_BYTES, encoded_size
from app.errors import ValidationFailed
from app.services.inputs import json_depth, nul_path

__all__ = [
    "IDEMPOTENCY_WINDOW",
    "MAX_INPUT_BYTES",
    "MAX_INPUT_DEPTH",
    "MAX_KEY_CHARS",
    "check_inputs",
    "check_key",
    "encoded_size",
]

MAX_KEY_CHARS = 200
MAX_INPUT_DEPTH = 32  # objects and arrays within each other; deeper is refused, not walked
IDEMPOTENCY_WINDOW = timedelta(hours=24)


def check_inputs(inputs: Any) -> dict[str, Any] | None:
    """``inputs`` if it is a JSON object within the size limit; ValidationFailed otherwise."""
    if inputs is None:
        return None
    if not isinstance(inputs, dict):
        raise ValidationFailed(
            f"`inputs` must be a JSON object (got {type(inputs).__name__})", details={"field": "inputs"}
        )
    depth = json_depth(inputs)
    if depth > MAX_INPUT_DEPTH:
        raise ValidationFailed(
            f"`inputs` nests {depth} levels deep; at most {MAX_INPUT_DEPTH} are accepted.",
            details={"field": "inputs", "depth": depth, "limit": MAX_INPUT_DEPTH},
        )
    where = nul_path(inputs)
    if where is not None:  # PostgreSQL cannot store it; refused on every database alike
        raise ValidationFailed(
            f"`inputs.{where}` contains a NUL character (\\u0000), which cannot be stored", details={"field": "inputs"}
        )
    try:
        size = encoded_size(inputs, strict=True)
    except (TypeError, ValueError) as exc:  # NaN and Infinity included: JSON has no such numbers
        raise ValidationFailed(f"`inputs` is not plain JSON: {exc}", details={"field": "inputs"}) from None
    if size > MAX_INPUT_BYTES:
        raise ValidationFailed(
            f"`inputs` is {size} bytes as JSON; at most {MAX_INPUT_BYTES} bytes are accepted.",
            details={"field": "inputs", "size": size, "limit": MAX_INPUT_BYTES},
        )
    return inputs


def check_key(key: str | None) -> str | None:
    if key is None:
        return None
    if not key.strip() or len(key) > MAX_KEY_CHARS or "\x00" in key:
        raise ValidationFailed(
            f"`idempotency_key` must be 1 to {MAX_KEY_CHARS} characters of text",
            details={"field": "idempotency_key"},
        )
    return key
