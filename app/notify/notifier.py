"""Telling a task's owner that a run finished: webhook and e-mail, each attempt recorded.

A notifier is best effort by contract: :meth:`Notifier.deliver` never raises
(cancellation aside), so a broken receiver, SMTP server or database can never
fail a run. Every try is stored in ``notification_deliveries``.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Literal

import httpx
import structlog
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.clock import Clock
from app.db.repositories.ops import DeliveryRepository
from app.netguard import NetGuard
from app.notify.mail import EmailSender, SmtpConfig, not_configured, redact_address
from app.notify.retry import DeliveryRetry
from app.notify.spec import DeliveryAttempt, RunEvent
from app.notify.webhook import Sleep, WebhookSender, redact_url
from app.redact import Redactor

log = structlog.get_logger("taskrunner.notify")

_Send = Callable[[RunEvent], Awaitable[list[DeliveryAttempt]]]


class Notifier:
    """Delivers :class:`RunEvent` s to the channels of their ``notify`` spec."""

    def __init__(
        self,
        *,
        clock: Clock,
        sessionmaker: async_sessionmaker[AsyncSession] | None = None,
        webhook_secret: str | None = None,
        smtp: SmtpConfig | None = None,
        sleep: Sleep = asyncio.sleep,
        retry: DeliveryRetry = DeliveryRetry(),
        http_timeout_seconds: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
        guard: NetGuard | None = None,
        max_response_bytes: int = 64 * 1024,
        secrets: tuple[str, ...] = (),
    ) -> None:
        self._guard = guard
        self._max_response_bytes = max_response_bytes
        self._redact = Redactor(secrets)
        self._clock = clock
        self._sessionmaker = sessionmaker
        self._secret = webhook_secret
        self._smtp = smtp
        self._sleep = sleep
        self._retry = retry
        self._timeout = http_timeout_seconds
        self._transport = transport

    async def deliver(self, event: RunEvent) -> list[DeliveryAttempt]:
        """Send ``event`` on every channel its spec names and record each try; never raises."""
        bound = log.bind(task_id=event.task_id, execution_id=event.execution_id)
        event = self._redacted(event)
        attempts: list[DeliveryAttempt] = []
        spec = event.notify
        if spec.webhook_url:
            attempts += await self._guarded("webhook", redact_url(spec.webhook_url), self._webhook, event)
        if spec.email:
            attempts += await self._guarded("email", redact_address(spec.email), self._email, event)
        for a in attempts:
            if not a.ok:
                bound.warning(
                    "notify.attempt_failed", channel=a.channel, target=a.target, attempt=a.attempt, error=a.error
                )
        await self._record(event.execution_id, attempts, bound)
        return attempts

    def _redacted(self, event: RunEvent) -> RunEvent:
        """The event with secrets removed from the output excerpt and the error it reports."""
        return dataclasses.replace(
            event,
            output_excerpt=self._redact.text(event.output_excerpt) if event.output_excerpt is not None else None,
            error=self._redact.text(event.error) if event.error is not None else None,
        )

    async def _webhook(self, event: RunEvent) -> list[DeliveryAttempt]:
        assert event.notify.webhook_url is not None
        async with httpx.AsyncClient(
            timeout=self._timeout, transport=self._transport, follow_redirects=False
        ) as client:
            sender = WebhookSender(
                client,
                clock=self._clock,
                sleep=self._sleep,
                secret=self._secret,
                retry=self._retry,
                guard=self._guard,
                max_response_bytes=self._max_response_bytes,
            )
            return await sender.send(event.notify.webhook_url, event)

    async def _email(self, event: RunEvent) -> list[DeliveryAttempt]:
        assert event.notify.email is not None
        if self._smtp is None:
            return [not_configured(event.notify.email, clock=self._clock)]
        sender = EmailSender(self._smtp, clock=self._clock, sleep=self._sleep, retry=self._retry)
        return await sender.send(event.notify.email, event)

    async def _guarded(
        self, channel: Literal["webhook", "email"], target: str, send: _Send, event: RunEvent
    ) -> list[DeliveryAttempt]:
        try:
            return await send(event)
        except Exception as exc:  # a bug in a sender must not fail the run; it is logged and recorded
            log.exception("notify.sender_crashed", channel=channel, execution_id=event.execution_id)
            return [
                DeliveryAttempt(
                    channel=channel,
                    target=target,
                    attempt=1,
                    ok=False,
                    error=f"internal error: {exc!r}",
                    created_at=self._clock.now(),
                )
            ]

    async def _record(self, execution_id: int, attempts: Sequence[DeliveryAttempt], bound: Any) -> None:
        if self._sessionmaker is None or not attempts:
            return
        rows = [
            {
                "execution_id": execution_id,
                "channel": a.channel,
                "target": a.target[:255],
                "attempt": a.attempt,
                "status": "ok" if a.ok else "failed",
                "status_code": a.status_code,
                "error": a.error,
                "created_at": a.created_at,
            }
            for a in attempts
        ]
        try:
            async with self._sessionmaker() as session:
                await DeliveryRepository(session).add_many(rows)
                await session.commit()
        except SQLAlchemyError as exc:  # e.g. the record was deleted meanwhile
            bound.warning("notify.record_failed", error=str(exc).splitlines()[0])
