"""Redaction: secrets never reach execution records or logs.

Three kinds of secret are removed from any JSON-like value (dicts, lists, strings):
- values under secret-looking keys (``Authorization``, ``Cookie``, ``X-Api-Key``,
  ``api_key``, ``password``, ``*_token``, ``*_secret``...), whatever their content;
- secret-looking pieces of text: ``Bearer <token>``, ``sk-...`` keys, credentials in
  URLs (``?api_key=...``, ``&token=...``, ``user:password@host``), and secret
  fields inside JSON or header text (``"X-Api-Key": "..."``, ``Cookie: ...``);
- literal secrets the service knows (its LLM API key), wherever they appear.

Token *counts* (``prompt_tokens``, ``max_tokens``) are not secrets and are kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.config import Settings

REDACTED = "[REDACTED]"

_SECRET_KEYS = frozenset(
    {
        "authorization",
        "proxy_authorization",
        "cookie",
        "set_cookie",
        "x_api_key",
        "api_key",
        "apikey",
        "x_auth_token",
        "x_access_token",
        "token",
        "access_token",
        "refresh_token",
        "id_token",
        "password",
        "passwd",
        "secret",
        "client_secret",
        "private_key",
        "session",
        "sessionid",
        "x_csrf_token",
    }
)
_SECRET_SUFFIXES = ("_key", "_token", "_secret", "_password", "_apikey")
_NOT_SECRET = frozenset({"primary_key", "foreign_key", "sort_key", "partition_key", "next_token"})

_QUERY_SECRET = re.compile(
    r"(?i)([?&;](?:api[_-]?key|apikey|key|token|access[_-]?token|auth|secret|client[_-]?secret"
    r"|password|passwd|signature|sig|x-amz-signature|x-goog-signature|session)=)[^&#\s\"'<>]+"
)
_URL_PASSWORD = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^/\s:@\"']+:)[^@\s/\"']+@")
_BEARER = re.compile(r"(?i)\b(bearer|basic)(\s+)[A-Za-z0-9._~+/=-]{8,}")
_NAMES = (
    r"authorization|proxy-authorization|cookie|set-cookie|x-api-key|api[-_]?key|apikey|x-auth-token"
    r"|password|passwd|secret|client[-_]secret|access[-_]token|refresh[-_]token|token"
)
_JSON_PAIR = re.compile(r'(?i)("(?:' + _NAMES + r')"\s*:\s*")((?:[^"\\]|\\.)*)"')
_HEADER_LINE = re.compile(r"(?im)^((?:" + _NAMES + r")[ \t]*:[ \t]*)(\S.*)$")
_KEY_LIKE = re.compile(r"\b(sk-(?:ant-|proj-)?[A-Za-z0-9_-]{12,}|gh[pousr]_[A-Za-z0-9]{20,}|AKIA[0-9A-Z]{16})\b")


def is_secret_key(key: str) -> bool:
    """True when a mapping key or header name names a secret."""
    norm = key.strip().lower().replace("-", "_")
    if norm in _NOT_SECRET:
        return False
    return norm in _SECRET_KEYS or norm.endswith(_SECRET_SUFFIXES)


class Redactor:
    """Removes secrets from values; ``secrets`` are literal strings to remove wherever found."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        # Longest first, so a secret containing another is removed whole.
        self._secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)

    def text(self, value: str) -> str:
        """``value`` with every secret-looking piece replaced by ``[REDACTED]``."""
        for secret in self._secrets:
            if secret in value:
                value = value.replace(secret, REDACTED)
        if "=" in value:
            value = _QUERY_SECRET.sub(lambda m: m.group(1) + REDACTED, value)
        if "@" in value:
            value = _URL_PASSWORD.sub(lambda m: m.group(1) + REDACTED + "@", value)
        if ":" in value:
            value = _JSON_PAIR.sub(lambda m: m.group(1) + REDACTED + '"', value)
            value = _HEADER_LINE.sub(lambda m: m.group(1) + REDACTED, value)
        value = _BEARER.sub(lambda m: m.group(1) + m.group(2) + REDACTED, value)
        return _KEY_LIKE.sub(REDACTED, value)

    def __call__(self, value: Any) -> Any:
        """A copy of a JSON-like ``value`` with secrets removed (other types returned as they are)."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {
                k: (REDACTED if isinstance(k, str) and is_secret_key(k) and v else self(v)) for k, v in value.items()
            }
        if isinstance(value, list | tuple):
            return [self(v) for v in value]
        return value


def configured_secrets(settings: Settings) -> tuple[str, ...]:
    """Every secret value the service's settings hold: LLM key, webhook secret, SMTP password, API keys."""
    found = [
        settings.llm_api_key,
        settings.webhook_secret.get_secret_value() if settings.webhook_secret else None,
        settings.smtp_password.get_secret_value() if settings.smtp_password else None,
        *settings.api_key_list,
    ]
    return tuple(s for s in found if s)


def redact(value: Any, secrets: Iterable[str | None] = ()) -> Any:
    """Shorthand for ``Redactor(secrets)(value)``."""
    return Redactor(secrets)(value)
