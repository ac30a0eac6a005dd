"""The dashboard's session cookie: who logged in with which key, and the form token against CSRF.

The cookie holds ``base64url(json).base64url(hmac_sha256)``: the payload is
readable but cannot be changed without the secret. It carries

- ``c``: a random token every state-changing form must send back (CSRF); a
  page of another site can neither read the cookie nor, with
  ``SameSite=Strict``, make the browser send it;
- ``k``: the SHA-256 of the API key the visitor logged in with (None before a
  login or when no key is needed), checked on every request, so revoking the
  key ends the session;
- ``t``: when it was issued (seconds since the epoch); it expires after the
  configured maximum age.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from typing import Any

COOKIE_NAME = "taskrunner_session"


@dataclass(frozen=True, kw_only=True)
class WebSession:
    csrf: str
    key_hash: str | None
    issued: int

    @classmethod
    def new(cls, *, key_hash: str | None, now: int) -> WebSession:
        return cls(csrf=secrets.token_urlsafe(24), key_hash=key_hash, issued=now)


class SessionCodec:
    """Signs and verifies session cookies with ``secret``; rejects tampered, malformed or expired ones."""

    def __init__(self, secret: bytes, *, max_age: int) -> None:
        if len(secret) < 16:
            raise ValueError("the session secret must be at least 16 bytes")
        self._secret = secret
        self.max_age = max_age

    def _sign(self, payload: bytes) -> bytes:
        return hmac.new(self._secret, b"taskrunner-session:" + payload, hashlib.sha256).digest()

    def dumps(self, session: WebSession) -> str:
        payload = json.dumps({"c": session.csrf, "k": session.key_hash, "t": session.issued}, separators=(",", ":"))
        raw = payload.encode()
        return f"{_b64(raw)}.{_b64(self._sign(raw))}"

    def loads(self, value: str | None, *, now: int) -> WebSession | None:
        """The session in ``value``, or None when it is missing, forged, malformed or too old."""
        if not value or value.count(".") != 1:
            return None
        body, signature = value.split(".")
        try:
            raw, given = _unb64(body), _unb64(signature)
        except ValueError:
            return None
        if not hmac.compare_digest(self._sign(raw), given):
            return None
        try:
            data: Any = json.loads(raw)
            key = data["k"]
            if key is not None and not isinstance(key, str):
                return None
            session = WebSession(csrf=str(data["c"]), key_hash=key, issued=int(data["t"]))
        except (ValueError, KeyError, TypeError):
            return None
        if not 0 <= now - session.issued <= self.max_age:
            return None
        return session


def tokens_match(expected: str, given: str | None) -> bool:
    """Constant-time comparison of a form's CSRF token with the session's."""
    return bool(given) and hmac.compare_digest(expected.encode(), (given or "").encode())


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError) as exc:
        raise ValueError("bad base64") from exc
