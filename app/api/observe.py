"""Request context (pure ASGI middleware): a request id, who is calling, an access line and HTTP metrics.

Outermost in the stack, so every answer (401 and 413 included) carries
``X-Request-ID`` and every log line written while serving it, by any logger,
carries ``request_id`` and ``actor``. A caller's own id is kept when it looks
like an id (letters, digits, ``-_.:``, at most 128 characters).
"""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

import structlog
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import metrics
from app.security import bearer_token
from app.security.keys import DISPLAY_CHARS, KEY_PREFIX, hash_key

log = structlog.get_logger("taskrunner.api")

HEADER = "X-Request-ID"
_VALID_ID = re.compile(r"[A-Za-z0-9._:\-]{1,128}")
_QUIET_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})


def actor_of(authorization: str | None) -> str:
    """Who is calling, safe to log: a stored key's display prefix, a fingerprint of another key, or anonymous."""
    token = bearer_token(authorization)
    if token is None:
        return "anonymous"
    if token.startswith(KEY_PREFIX):
        return token[:DISPLAY_CHARS]
    return "key:" + hash_key(token)[:12]


class RequestContext:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        given = headers.get(HEADER)
        request_id = given if given and _VALID_ID.fullmatch(given) else uuid.uuid4().hex
        status = {"code": 500}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                MutableHeaders(scope=message)[HEADER] = request_id
            await send(message)

        started = time.perf_counter()
        with structlog.contextvars.bound_contextvars(
            request_id=request_id, actor=actor_of(headers.get("authorization"))
        ):
            try:
                await self.app(scope, receive, send_with_id)
            finally:
                self._observe(scope, status["code"], time.perf_counter() - started)

    def _observe(self, scope: Scope, status: int, seconds: float) -> None:
        route: Any = scope.get("route")
        template = getattr(route, "path", None) or "unmatched"
        method = scope["method"]
        metrics.http_request(method, template, status, seconds)
        level = log.debug if scope["path"] in _QUIET_PATHS and status < 400 else log.info
        level("http.request", method=method, route=template, status=status, duration_ms=round(seconds * 1000, 1))
