"""Where ``serve`` may listen: loopback only unless API keys protect it or the operator insists."""

from __future__ import annotations

import asyncio
import ipaddress

from app.db.engine import create_engine, create_sessionmaker
from app.db.repositories.ops import ApiKeyRepository


class InsecureBind(Exception):
    """Listening on ``host`` would expose an API without keys; carries the message to show."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def is_loopback(host: str) -> bool:
    """Whether ``host`` is a loopback address or ``localhost`` (names are not resolved)."""
    name = host.strip().strip("[]").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def check_bind(host: str, has_keys: bool, allow_public: bool) -> str | None:
    """A start-up notice for listening on ``host``, or None when there is nothing to say.

    Raises :class:`InsecureBind` when ``host`` is not loopback, no key is
    configured and ``allow_public`` (``--allow-insecure-public``) is not given.
    """
    if has_keys:
        return None
    if is_loopback(host):
        return (
            f"No API keys are configured: listening on {host} (loopback) only, without authentication. "
            "Set API_KEYS or create a key with `taskrunner keys create` before listening elsewhere."
        )
    if not allow_public:
        raise InsecureBind(
            f"Refusing to listen on {host} without API keys: anyone who can reach it could run agents. "
            "Set API_KEYS (or create a key with `taskrunner keys create` on loopback first), "
            "or pass --allow-insecure-public if something in front of it authenticates."
        )
    return (
        f"WARNING: listening on {host} WITHOUT AUTHENTICATION (--allow-insecure-public). "
        "Anyone who can reach this address can create and run tasks."
    )


def has_stored_keys(database_url: str) -> bool:
    """Whether the (migrated) database holds a key that is not revoked; for ``serve`` at start-up."""

    async def go() -> bool:
        engine = create_engine(database_url)
        try:
            async with create_sessionmaker(engine)() as session:
                return bool(await ApiKeyRepository(session).active_hashes())
        finally:
            await engine.dispose()

    return asyncio.run(go())
