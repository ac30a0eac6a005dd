"""What a task asks to be told about its runs, and the value objects of one notification."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

# Failed outcomes: what ``on: "failure"`` reports. Skips, misses and cancellations are not failures.
FAILURE_STATUSES = frozenset({"failed", "timed_out", "interrupted"})
EXCERPT_CHARS = 1000

# Deliberately simple: one @, no spaces, a dotted domain. Deliverability is the SMTP server's call.
_EMAIL = re.compile(r"^[^@\s<>()\[\],;:\"]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+$")


class NotifySpec(BaseModel):
    """A task's ``notify`` JSON: where to report runs (webhook, e-mail or both) and when."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    webhook_url: str | None = None
    email: str | None = None
    on: Literal["failure", "always"] = "failure"

    @field_validator("webhook_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip()
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("webhook_url must be an http:// or https:// URL with a host")
        if len(value) > 2000:
            raise ValueError("webhook_url is longer than 2000 characters")
        return value

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip()
        if len(value) > 254 or not _EMAIL.match(value):
            raise ValueError(f"{value!r} is not an e-mail address")
        return value


def parse_spec(raw: dict[str, Any] | None) -> NotifySpec | None:
    """The spec stored on a task, or None when there is none or it no longer validates."""
    if not raw:
        return None
    try:
        return NotifySpec.model_validate(raw)
    except ValidationError:
        return None


def should_notify(spec: NotifySpec | None, status: str) -> bool:
    """Whether a run that ended in ``status`` is reported under ``spec``."""
    if spec is None or (spec.webhook_url is None and spec.email is None):
        return False
    return spec.on == "always" or status in FAILURE_STATUSES


@dataclass(frozen=True, kw_only=True)
class RunEvent:
    """A finished run, as reported to the task's owner."""

    task_id: int
    task_name: str
    execution_id: int
    status: str
    output_excerpt: str | None
    error: str | None
    cost_usd: float | None
    scheduled_for: datetime
    finished_at: datetime | None
    notify: NotifySpec

    @classmethod
    def of_run(
        cls,
        *,
        task_id: int,
        task_name: str,
        execution_id: int,
        status: str,
        output: str | None,
        error: str | None,
        cost_usd: float | None,
        scheduled_for: datetime,
        finished_at: datetime | None,
        notify: NotifySpec,
    ) -> RunEvent:
        """An event from a finished run's fields, its output cut to the first 1000 characters."""
        return cls(
            task_id=task_id,
            task_name=task_name,
            execution_id=execution_id,
            status=status,
            output_excerpt=output[:EXCERPT_CHARS] if output is not None else None,
            error=error,
            cost_usd=cost_usd,
            scheduled_for=scheduled_for,
            finished_at=finished_at,
            notify=notify,
        )


@dataclass(frozen=True, kw_only=True)
class DeliveryAttempt:
    """One try to deliver on one channel; ``target`` is redacted (a host, or ``***@domain``)."""

    channel: Literal["webhook", "email"]
    target: str
    attempt: int
    ok: bool
    created_at: datetime
    status_code: int | None = None
    error: str | None = None


def run_event_if_wanted(
    raw_notify: dict[str, Any] | None,
    *,
    task_id: int,
    task_name: str,
    execution_id: int,
    status: str,
    output: str | None,
    error: str | None,
    cost_usd: float | None,
    scheduled_for: datetime,
    finished_at: datetime | None,
) -> RunEvent | None:
    """The event to deliver for a finished run under the task's stored ``notify``, or None."""
    spec = parse_spec(raw_notify)
    if spec is None or not should_notify(spec, status):
        return None
    return RunEvent.of_run(
        task_id=task_id,
        task_name=task_name,
        execution_id=execution_id,
        status=status,
        output=output,
        error=error,
        cost_usd=cost_usd,
        scheduled_for=scheduled_for,
        finished_at=finished_at,
        notify=spec,
    )
