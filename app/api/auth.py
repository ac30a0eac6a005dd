"""Bearer-key authentication for every endpoint but the health checks (pure ASGI middleware).

When a key is configured (``API_KEYS``) or stored (``taskrunner keys create``),
requests without a good ``Authorization: Bearer <key>`` get 401 in the usual
error shape; with no key anywhere the API is open, and ``serve`` keeps it on
loopback. Wiring: ``app.add_middleware(ApiKeyAuth)`` in the app factory.
"""

from __future__ import annotations

import re
import time
from collections.abc import Awaitable, Callable, Collection
from typing import Any
from urllib.parse import quote

import structlog
from sqlalchemy.exc import DBAPIError
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from app.api.deps import AppState
from app.api.errors import DB_UNAVAILABLE, error_response, is_database_unavailable
from app.security import KeyChecker, bearer_token
from app.services.keys import stored_key_scopes
from app.vocabulary import KeyScope

log = structlog.get_logger("taskrunner.api")

OPEN_PATHS = frozenset({"/healthz", "/readyz"})
# Event hook deliveries prove themselves with the hook's own secret, not an API key: only this route.
HOOK_DELIVERY = re.compile(r"/api/hooks/hk_[A-Za-z0-9_-]{1,37}")


def _hook_delivery(scope: Scope) -> bool:
    return (
        scope["type"] == "http" and scope.get("method") == "POST" and HOOK_DELIVERY.fullmatch(scope["path"]) is not None
    )


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Read-only keys may POST here: parsing saves nothing, and MCP offers such keys only its read tools.
READ_ONLY_POSTS = frozenset({"/api/schedules/parse", "/mcp"})
SCOPE_KEY = "api_key_scope"  # in the ASGI scope's "state": the KeyScope of the request's key


# Checks a request for another credential than a bearer key (the dashboard's session cookie).
ReadCredential = Callable[[Request], Awaitable[bool]]


class ApiKeyAuth:
    """Rejects requests without an accepted key with 401, once any key exists."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        cache_ttl: float = 5.0,
        monotonic: Callable[[], float] = time.monotonic,
        open_paths: Collection[str] = OPEN_PATHS,
        own_auth_prefixes: Collection[str] = (),
        read_credential: ReadCredential | None = None,
        login_path: str | None = None,
        login_redirect_paths: Collection[str] = (),
    ) -> None:
        """``own_auth_prefixes``: paths that check access themselves (the dashboard).

        ``read_credential`` may accept a GET or HEAD without a bearer key (a logged-in
        dashboard session, so the API docs can load the schema); an unauthenticated GET
        of ``login_redirect_paths`` is sent to ``login_path`` instead of answered 401.
        """
        self.app = app
        self.cache_ttl = cache_ttl
        self.monotonic = monotonic
        self.open_paths = frozenset(open_paths)
        self.own_auth_prefixes = tuple(p.rstrip("/") for p in own_auth_prefixes)
        self.read_credential = read_credential
        self.login_path = login_path
        self.login_redirect_paths = frozenset(login_redirect_paths)

    def _own_auth(self, path: str) -> bool:
        return any(path == p or path.startswith(p + "/") for p in self.own_auth_prefixes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] not in ("http", "websocket")
            or scope["path"] in self.open_paths
            or self._own_auth(scope["path"])
            or _hook_delivery(scope)
        ):
            await self.app(scope, receive, send)
            return
        checker = key_checker(scope["app"], ttl=self.cache_ttl, monotonic=self.monotonic)
        token = bearer_token(Headers(scope=scope).get("authorization"))
        try:
            granted = await checker.scope(token)
            if granted is None and not await checker.required():
                granted = KeyScope.FULL
        except (DBAPIError, OSError) as exc:
            # OSError: asyncpg's own ConnectionRefusedError or a timeout while connecting.
            if not is_database_unavailable(exc):
                raise
            log.warning("auth.keys_unavailable", error=(str(exc).splitlines() or [type(exc).__name__])[0])
            await error_response("database_unavailable", DB_UNAVAILABLE, 503)(scope, receive, send)
            return
        reading = scope["type"] == "http" and scope.get("method") in ("GET", "HEAD")
        # A dashboard session may read (the API docs load the schema); it never writes here.
        credential = self.read_credential
        if (
            granted is None
            and token is None
            and reading
            and credential is not None
            and await credential(Request(scope))
        ):
            granted = KeyScope.READ_ONLY
        if granted is not None:
            if granted == KeyScope.READ_ONLY and not _read_only_allowed(scope):
                message = "This API key is read-only: it may read, not change anything."
                await error_response("forbidden", message, 403)(scope, receive, send)
                return
            scope.setdefault("state", {})[SCOPE_KEY] = granted.value
            await self.app(scope, receive, send)
            return
        if reading and token is None and self.login_path and scope["path"] in self.login_redirect_paths:
            target = f"{self.login_path}?next={quote(scope['path'], safe='')}"
            await RedirectResponse(target, status_code=303)(scope, receive, send)
            return
        message = (
            "Missing API key: send 'Authorization: Bearer <key>'."
            if token is None
            else "The API key is not valid (unknown or revoked)."
        )
        await error_response("unauthorized", message, 401)(scope, receive, send)


def key_checker(app: Any, *, ttl: float = 5.0, monotonic: Callable[[], float] = time.monotonic) -> KeyChecker:
    """The app's :class:`KeyChecker`, built on first use from what its lifespan made."""
    state: AppState = app.state.taskrunner
    held = getattr(app.state, "key_checker", None)
    if held is not None and held[0] is state:
        checker: KeyChecker = held[1]
        return checker

    async def load() -> dict[str, KeyScope]:
        return await stored_key_scopes(state.sessionmaker)

    checker = KeyChecker(state.settings.api_key_list, load, ttl=ttl, monotonic=monotonic)
    # Tied to this lifespan's state: a restarted app gets a checker over its new sessions.
    app.state.key_checker = (state, checker)
    return checker


def _read_only_allowed(scope: Scope) -> bool:
    path = scope["path"].rstrip("/")
    if path == "/api/keys" or path.startswith("/api/keys/"):
        return False  # keys are managed (and listed) with full keys only
    return scope.get("method", "GET") in SAFE_METHODS or path in READ_ONLY_POSTS


def keys_changed(app: Any) -> None:
    """Make a key created or revoked through this app count at once (here; elsewhere within the TTL)."""
    held = getattr(app.state, "key_checker", None)
    if held is not None:
        held[1].invalidate()
