"""API key material: how a key is made, how it is stored and how it is recognised.

A key reads ``trk_`` followed by 43 URL-safe characters (32 random bytes), so a
leaked key is easy to spot in logs, repositories and secret scanners. Only its
SHA-256 hash is stored, with the first characters (``trk_`` and 4 more) kept
for display.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

KEY_PREFIX = "trk_"
DISPLAY_CHARS = len(KEY_PREFIX) + 4
_RANDOM_BYTES = 32


@dataclass(frozen=True, kw_only=True)
class NewKey:
    """A freshly made key: ``secret`` is shown once to its owner, the rest is stored."""

    secret: str
    key_hash: str
    prefix: str


def generate_key() -> NewKey:
    """A new random key with its hash and display prefix."""
    secret = KEY_PREFIX + secrets.token_urlsafe(_RANDOM_BYTES)
    return NewKey(secret=secret, key_hash=hash_key(secret), prefix=secret[:DISPLAY_CHARS])


def hash_key(secret: str) -> str:
    """The stored form of a key: SHA-256 hex.

    A plain fast hash is enough here, unlike for passwords: keys carry 256 bits
    of randomness, so no dictionary or brute-force search of the hash space is
    feasible, and a slow KDF would only cost time on every request.
    """
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def matches_any(secret: str, hashes: Iterable[str]) -> bool:
    """Whether the key's hash equals one of ``hashes``, compared in constant time.

    Every hash is compared (no early exit), so timing reveals neither which nor
    whether one matched.
    """
    presented = hash_key(secret).encode("ascii")
    found = False
    for known in hashes:
        found |= hmac.compare_digest(presented, known.encode("ascii"))
    return found


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header value, or None."""
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return None
    return token
