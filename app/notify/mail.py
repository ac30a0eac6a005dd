"""E-mail delivery through an SMTP server (stdlib smtplib, run in a worker thread).

Connection failures and temporary (4xx) SMTP answers are retried with backoff;
permanent (5xx) answers, authentication failures included, are not.
"""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from app.clock import Clock
from app.notify.retry import DeliveryRetry
from app.notify.spec import DeliveryAttempt, RunEvent
from app.notify.webhook import Sleep


@dataclass(frozen=True, kw_only=True)
class SmtpConfig:
    """Where and as whom to send: the ``SMTP_*`` settings."""

    host: str
    port: int = 587
    username: str | None = None
    password: str | None = None
    sender: str = "taskrunner@localhost"
    starttls: bool = True
    timeout_seconds: float = 30.0


def redact_address(address: str) -> str:
    """An address with its local part hidden: ``***@example.com``."""
    return "***@" + address.rpartition("@")[2]


def build_message(event: RunEvent, *, sender: str, to: str) -> EmailMessage:
    """The plain-text mail reporting ``event``."""
    msg = EmailMessage()
    msg["Subject"] = f"[taskrunner] {event.task_name}: {event.status}"
    msg["From"] = sender
    msg["To"] = to
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    lines = [
        f"Task:       {event.task_name} (id {event.task_id})",
        f"Run:        {event.execution_id}",
        f"Status:     {event.status}",
        f"Scheduled:  {event.scheduled_for.isoformat()}",
        f"Finished:   {event.finished_at.isoformat() if event.finished_at else '-'}",
        f"Cost (USD): {event.cost_usd if event.cost_usd is not None else 'unknown'}",
    ]
    if event.error:
        lines += ["", "Error:", event.error]
    if event.output_excerpt:
        lines += ["", "Output (first 1000 characters):", event.output_excerpt]
    msg.set_content("\n".join(lines) + "\n")
    return msg


class EmailSender:
    """Sends run events by SMTP as ``config`` says, retrying as ``retry`` says."""

    def __init__(
        self, config: SmtpConfig, *, clock: Clock, sleep: Sleep, retry: DeliveryRetry = DeliveryRetry()
    ) -> None:
        self._config = config
        self._clock = clock
        self._sleep = sleep
        self._retry = retry

    async def send(self, to: str, event: RunEvent) -> list[DeliveryAttempt]:
        """Mail ``event`` to ``to``; one :class:`DeliveryAttempt` per try, never raising for SMTP."""
        message = build_message(event, sender=self._config.sender, to=to)
        attempts: list[DeliveryAttempt] = []
        attempt = 0
        while True:
            attempt += 1
            try:
                await asyncio.to_thread(self._send_sync, message)
            except OSError as exc:  # smtplib.SMTPException is an OSError too
                retryable, code, error = _classify(exc)
                attempts.append(self._attempt(to, attempt, code=code, error=error))
                if not retryable or not self._retry.has_more(attempt):
                    return attempts
                await self._sleep(self._retry.delay(attempt))
            else:
                attempts.append(self._attempt(to, attempt))
                return attempts

    def _send_sync(self, message: EmailMessage) -> None:
        cfg = self._config
        with smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout_seconds) as smtp:
            if cfg.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if cfg.username:
                smtp.login(cfg.username, cfg.password or "")
            smtp.send_message(message)

    def _attempt(self, to: str, attempt: int, *, code: int | None = None, error: str | None = None) -> DeliveryAttempt:
        return DeliveryAttempt(
            channel="email",
            target=redact_address(to),
            attempt=attempt,
            ok=error is None,
            status_code=code,
            error=error,
            created_at=self._clock.now(),
        )


def not_configured(to: str, *, clock: Clock) -> DeliveryAttempt:
    """The failed attempt recorded when a task wants e-mail but no ``SMTP_HOST`` is set."""
    return DeliveryAttempt(
        channel="email",
        target=redact_address(to),
        attempt=1,
        ok=False,
        error="SMTP is not configured (set SMTP_HOST)",
        created_at=clock.now(),
    )


def _classify(exc: OSError) -> tuple[bool, int | None, str]:
    """(retry?, SMTP code, message) for a failed send."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        temporary = bool(codes) and all(400 <= c < 500 for c in codes)
        return temporary, codes[0] if codes else None, f"recipient refused: {exc.recipients}"
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return False, None, f"SMTP server does not support it: {exc}"
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else exc.smtp_error
        return 400 <= exc.smtp_code < 500, exc.smtp_code, f"SMTP {exc.smtp_code}: {text}"
    # Refused or dropped connections, timeouts, TLS failures: the server may come back.
    return True, None, f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
