"""Notifications about finished runs: the task's ``notify`` spec, webhook and e-mail delivery."""

from app.notify.mail import EmailSender, SmtpConfig, build_message
from app.notify.notifier import Notifier
from app.notify.retry import DeliveryRetry
from app.notify.settings import NotifySettings, build_notifier
from app.notify.spec import (
    FAILURE_STATUSES,
    DeliveryAttempt,
    NotifySpec,
    RunEvent,
    parse_spec,
    run_event_if_wanted,
    should_notify,
)
from app.notify.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, WebhookSender, sign

__all__ = [
    "FAILURE_STATUSES",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "DeliveryAttempt",
    "DeliveryRetry",
    "EmailSender",
    "Notifier",
    "NotifySettings",
    "NotifySpec",
    "RunEvent",
    "SmtpConfig",
    "WebhookSender",
    "build_message",
    "build_notifier",
    "parse_spec",
    "run_event_if_wanted",
    "should_notify",
    "sign",
]
