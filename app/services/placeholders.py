"""Template placeholders: ``{{name}}`` in a template's instructions, filled with a task's ``params``.

Plain substitution in one pass: no expressions, no code, no Jinja. Values are data
and may not pose as instructions or as placeholders: each is one line of at most
``MAX_VALUE_CHARS`` characters, without control characters and without ``{{`` or
``}}``. A value never meets the substitution again (one pass), so it cannot expand.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from app.errors import MissingParams, UnknownParams, ValidationFailed

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]{0,63})\s*\}\}")
MAX_VALUE_CHARS = 500
MAX_PARAMS = 50
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def placeholders(text: str) -> tuple[str, ...]:
    """The placeholder names in ``text``, each once, in order of first use."""
    return tuple(dict.fromkeys(m.group(1) for m in PLACEHOLDER.finditer(text)))


def check_template(text: str) -> tuple[str, ...]:
    """The placeholders of a template's instructions; :class:`ValidationFailed` when braces are malformed."""
    rest = PLACEHOLDER.sub("", text)
    for brace in ("{{", "}}"):
        at = rest.find(brace)
        if at >= 0:
            near = rest[max(0, at - 20) : at + 22]
            raise ValidationFailed(
                f"`instructions` has {brace!r} that is not part of a placeholder near {near!r}: placeholders are "
                "{{name}} with a name of letters, digits and underscores (not starting with a digit).",
                details={"near": near},
            )
    return placeholders(text)


def check_params(names: tuple[str, ...], params: Mapping[str, object]) -> dict[str, str]:
    """``params`` checked against a template's placeholder ``names``: every one filled, none unknown, values data."""
    missing = [n for n in names if n not in params]
    if missing:
        raise MissingParams(
            f"Missing value(s) for placeholder(s): {', '.join(missing)}. Give them in `params`.",
            details={"missing": missing, "placeholders": list(names)},
        )
    unknown = sorted(set(params) - set(names))
    if unknown:
        raise UnknownParams(
            f"Unknown param(s): {', '.join(unknown)}; the template's placeholders are: {', '.join(names) or 'none'}.",
            details={"unknown": unknown, "placeholders": list(names)},
        )
    checked: dict[str, str] = {}
    for name in names:
        value = params[name]
        if not isinstance(value, str):
            raise ValidationFailed(f"param `{name}` must be a string", details={"param": name})
        problem = value_problem(value)
        if problem:
            raise ValidationFailed(f"param `{name}` {problem}", details={"param": name})
        checked[name] = value
    return checked


def value_problem(value: str) -> str | None:
    """Why ``value`` cannot fill a placeholder, or None."""
    if len(value) > MAX_VALUE_CHARS:
        return f"is longer than {MAX_VALUE_CHARS} characters"
    if "{{" in value or "}}" in value:
        return "may not contain '{{' or '}}' (values are data, not placeholders)"
    if _CONTROL.search(value):
        return "must be one line without control characters (values are data, not instructions)"
    return None


def fill(text: str, params: Mapping[str, str]) -> str:
    """``text`` with every placeholder replaced by its value, in one pass."""
    return PLACEHOLDER.sub(lambda m: params[m.group(1)], text)
