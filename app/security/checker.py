"""Deciding whether a request's key is good: configured keys plus stored ones, cached briefly.

Stored key hashes are loaded at most once per ``ttl`` seconds, so a request
does not cost a query; a key revoked on another instance stops working within
``ttl`` (on this instance, :meth:`KeyChecker.invalidate` makes it immediate).

Once keys are required they stay required for the life of the process, even if
the last stored key is revoked: a server that was reachable only with a key
must not silently open up. Turning authentication off takes a restart.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Awaitable, Callable, Collection, Iterable, Mapping

from app.security.keys import hash_key, matches_any
from app.vocabulary import KeyScope

# Stored key hashes; a mapping also says each key's scope (a plain collection means all are full keys).
HashLoader = Callable[[], Awaitable[Collection[str] | Mapping[str, KeyScope]]]


class KeyChecker:
    """Checks bearer keys against ``static_keys`` (plaintext, from settings) and stored hashes."""

    def __init__(
        self,
        static_keys: Iterable[str],
        load_hashes: HashLoader,
        *,
        ttl: float = 5.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._static = tuple(hash_key(k) for k in static_keys)
        self._load = load_hashes
        self._ttl = ttl
        self._monotonic = monotonic
        self._stored: tuple[str, ...] = ()
        self._scopes: dict[str, KeyScope] = {}
        self._loaded_at: float | None = None
        self._required = bool(self._static)

    async def _stored_hashes(self) -> tuple[str, ...]:
        now = self._monotonic()
        if self._loaded_at is None or now - self._loaded_at >= self._ttl:
            loaded = await self._load()
            self._scopes = dict(loaded) if isinstance(loaded, Mapping) else {}
            self._stored = tuple(loaded)
            self._loaded_at = now
            self._required = self._required or bool(self._stored)
        return self._stored

    def invalidate(self) -> None:
        """Forget the cached stored hashes (after a key is created or revoked here)."""
        self._loaded_at = None

    async def required(self) -> bool:
        """Whether a key is needed: one is configured or stored, or was since this process started."""
        if not self._required:
            await self._stored_hashes()
        return self._required

    async def accepts(self, token: str | None) -> bool:
        """Whether ``token`` is a configured key or a stored key that is not revoked."""
        if not token:
            return False
        if matches_any(token, self._static):
            return True  # settings keys work even while the database is unreachable
        return matches_any(token, await self._stored_hashes())

    async def scope(self, token: str | None) -> KeyScope | None:
        """What ``token`` may do, or None when it is not an accepted key."""
        if not token:
            return None
        if matches_any(token, self._static):
            return KeyScope.FULL  # settings keys work even while the database is unreachable
        if not matches_any(token, await self._stored_hashes()):
            return None
        presented = hash_key(token).encode("ascii")
        scope = KeyScope.FULL
        for known, known_scope in self._scopes.items():
            if hmac.compare_digest(presented, known.encode("ascii")):
                scope = known_scope
        return scope

    async def accepts_hash(self, key_hash: str) -> bool:
        """Whether ``key_hash`` (as :func:`hash_key` makes it) belongs to a key that is still accepted.

        For credentials derived from a key earlier, such as a dashboard session: revoking
        the key ends them too (within ``ttl``).
        """
        if not key_hash:
            return False
        presented = key_hash.encode("ascii", "replace")
        found = False
        for known in (*self._static, *await self._stored_hashes()):
            found |= hmac.compare_digest(presented, known.encode("ascii"))
        return found
