"""Building the notifier from the service settings (``WEBHOOK_SECRET`` and ``SMTP_*``)."""

from __future__ import annotations

from typing import Protocol

from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.clock import Clock
from app.netguard import NetGuard
from app.notify.mail import SmtpConfig
from app.notify.notifier import Notifier


class NotifySettings(Protocol):
    """The settings a notifier needs; :class:`app.config.Settings` provides them."""

    @property
    def webhook_secret(self) -> SecretStr | None: ...
    @property
    def smtp_host(self) -> str | None: ...
    @property
    def http_allow_host_list(self) -> list[str]: ...
    @property
    def smtp_port(self) -> int: ...
    @property
    def smtp_username(self) -> str | None: ...
    @property
    def smtp_password(self) -> SecretStr | None: ...
    @property
    def smtp_from(self) -> str: ...
    @property
    def smtp_starttls(self) -> bool: ...


def build_notifier(
    settings: NotifySettings, *, clock: Clock, sessionmaker: async_sessionmaker[AsyncSession] | None
) -> Notifier:
    """A notifier signing with ``WEBHOOK_SECRET`` and mailing through ``SMTP_HOST`` when they are set."""
    smtp = None
    if settings.smtp_host:
        smtp = SmtpConfig(
            host=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username,
            password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
            sender=settings.smtp_from,
            starttls=settings.smtp_starttls,
        )
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
    # Webhooks reach public addresses only, like the agent's HTTP tool, unless HTTP_TOOL_ALLOW_HOSTS lists them.
    guard = NetGuard(allow=settings.http_allow_host_list)
    # Excerpts and errors sent out never carry a secret the service holds.
    # (Read with defaults: settings objects built for e-mail and webhooks alone need not carry them.)
    secrets = (
        getattr(settings, "llm_api_key", None),
        secret,
        smtp.password if smtp else None,
        *getattr(settings, "api_key_list", ()),
    )
    return Notifier(
        clock=clock,
        sessionmaker=sessionmaker,
        webhook_secret=secret or None,
        smtp=smtp,
        guard=guard,
        max_response_bytes=getattr(settings, "webhook_response_max_bytes", 64 * 1024),
        secrets=tuple(s for s in secrets if s),
    )
