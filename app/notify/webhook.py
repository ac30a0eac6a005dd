"""Webhook delivery: a signed JSON POST, retried with backoff on connection errors, 5xx and 429.

The body is signed with HMAC-SHA256 of the raw bytes, keyed by ``WEBHOOK_SECRET``,
in ``X-Taskrunner-Signature: sha256=<hex>``; ``X-Taskrunner-Timestamp`` (Unix
seconds) repeats the body's ``timestamp``, which the signature covers, so a
receiver can refuse stale replays. Without a secret no signature is sent. Only the
status of the answer counts: its body is read up to a small cap and dropped.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

import httpx

from app import __version__
from app.clock import Clock
from app.netguard import BlockedAddress, NetGuard
from app.notify.retry import DeliveryRetry
from app.notify.spec import DeliveryAttempt, RunEvent

SIGNATURE_HEADER = "X-Taskrunner-Signature"
TIMESTAMP_HEADER = "X-Taskrunner-Timestamp"

Sleep = Callable[[float], Awaitable[None]]


def sign(body: bytes, secret: str) -> str:
    """The signature header value for ``body``: ``sha256=`` and the hex HMAC-SHA256."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def redact_url(url: str) -> str:
    """Only the host (and a non-default port) of a webhook URL: paths and queries often hold tokens."""
    parts = urlsplit(url)
    host = parts.hostname or "?"
    return f"{host}:{parts.port}" if parts.port else host


def payload(event: RunEvent, *, timestamp: int) -> dict[str, Any]:
    """The JSON body sent for ``event``."""
    return {
        "event": "run.finished",
        "timestamp": timestamp,
        "task": {"id": event.task_id, "name": event.task_name},
        "execution": {
            "id": event.execution_id,
            "status": event.status,
            "scheduled_for": event.scheduled_for.isoformat(),
            "finished_at": event.finished_at.isoformat() if event.finished_at else None,
            "error": event.error,
            "cost_usd": event.cost_usd,
        },
        "status": event.status,
        "output_excerpt": event.output_excerpt,
        "cost_usd": event.cost_usd,
    }


class WebhookSender:
    """POSTs run events to a URL through ``client``, retrying as ``retry`` says."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        clock: Clock,
        sleep: Sleep,
        secret: str | None = None,
        retry: DeliveryRetry = DeliveryRetry(),
        guard: NetGuard | None = None,
        max_response_bytes: int = 64 * 1024,
    ) -> None:
        self._guard = guard
        self._max_response_bytes = max_response_bytes
        self._client = client
        self._clock = clock
        self._sleep = sleep
        self._secret = secret
        self._retry = retry

    async def send(self, url: str, event: RunEvent) -> list[DeliveryAttempt]:
        """Deliver ``event`` to ``url``; one :class:`DeliveryAttempt` per try, never raising for HTTP."""
        attempts: list[DeliveryAttempt] = []
        target = redact_url(url)
        attempt = 0
        while True:
            attempt += 1
            now = self._clock.now()
            body = json.dumps(payload(event, timestamp=int(now.timestamp())), separators=(",", ":")).encode()
            headers = {
                "Content-Type": "application/json",
                "User-Agent": f"taskrunner/{__version__}",
                TIMESTAMP_HEADER: str(int(now.timestamp())),
            }
            if self._secret:
                headers[SIGNATURE_HEADER] = sign(body, self._secret)
            retry_after: float | None = None
            try:
                request = await self._request(url, body, headers)
            except BlockedAddress as exc:
                # Whoever may create tasks must not be able to make the server call inside the network.
                attempts.append(self._attempt(target, attempt, error=f"refused: {exc}"))
                return attempts
            try:
                response = await self._client.send(request, stream=True)
                await _drain(response, self._max_response_bytes)
            except httpx.TransportError as exc:
                # Connection refused, DNS, timeouts: the receiver may come back.
                attempts.append(self._attempt(target, attempt, error=_describe(exc)))
                retryable = True
            else:
                ok = response.is_success
                error = None if ok else f"HTTP {response.status_code}"
                attempts.append(self._attempt(target, attempt, code=response.status_code, error=error))
                if ok:
                    return attempts
                retryable = self._retry.retries_status(response.status_code)
                retry_after = _retry_after(response)
            if not retryable or not self._retry.has_more(attempt):
                return attempts
            await self._sleep(self._retry.delay(attempt, retry_after))

    async def _request(self, url: str, body: bytes, headers: dict[str, str]) -> httpx.Request:
        """The POST to send; with a guard, pinned to the vetted address (as the agent's HTTP tool does)."""
        parsed = httpx.URL(url)
        if self._guard is None:
            return self._client.build_request("POST", parsed, content=body, headers=headers)
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
        ip = await self._guard.vet(parsed.host, port)
        return self._client.build_request(
            "POST",
            parsed.copy_with(host=ip),
            content=body,
            headers={**headers, "Host": parsed.netloc.decode("ascii")},
            extensions={"sni_hostname": parsed.host} if parsed.scheme == "https" else {},
        )

    def _attempt(
        self, target: str, attempt: int, *, code: int | None = None, error: str | None = None
    ) -> DeliveryAttempt:
        return DeliveryAttempt(
            channel="webhook",
            target=target,
            attempt=attempt,
            ok=error is None,
            status_code=code,
            error=error,
            created_at=self._clock.now(),
        )


async def _drain(response: httpx.Response, limit: int) -> None:
    """Read at most ``limit`` raw bytes of the answer, then close it: only the status matters.

    The body is never decompressed or kept; a receiver answering with 200 MB (or a
    gzip bomb) costs at most ``limit`` bytes of reading before the connection is closed.
    """
    try:
        seen = 0
        async for chunk in response.aiter_raw():
            seen += len(chunk)
            if seen >= limit:
                break
    finally:
        await response.aclose()


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after", "")
    return float(value) if value.strip().isdigit() else None


def _describe(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
