"""Notifications: the spec, the retry policy, and delivery to real local HTTP and SMTP servers."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from email import message_from_bytes
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from pydantic import SecretStr, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.clock import ManualClock
from app.db.repositories.ops import DeliveryRepository
from app.notify import (
    DeliveryRetry,
    Notifier,
    NotifySpec,
    RunEvent,
    SmtpConfig,
    build_notifier,
    parse_spec,
    run_event_if_wanted,
    should_notify,
    sign,
)
from tests.ops.conftest import START, Receiver, add_runs, add_task
from tests.support.live_server import free_port

SECRET = "whsec-test"


class Sleeps:
    """An injected sleep that returns at once and remembers the delays asked for."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def event(spec: NotifySpec, *, execution_id: int = 1, status: str = "failed", output: str = "x" * 1500) -> RunEvent:
    return RunEvent.of_run(
        task_id=7,
        task_name="status digest",
        execution_id=execution_id,
        status=status,
        output=output,
        error="the site timed out" if status != "succeeded" else None,
        cost_usd=0.0123,
        scheduled_for=START,
        finished_at=START + timedelta(seconds=42),
        notify=spec,
    )


# -- spec ---------------------------------------------------------------------------------------


def test_spec_defaults_and_validation() -> None:
    spec = NotifySpec.model_validate({"webhook_url": "https://hooks.example.com/x"})
    assert spec.on == "failure"
    assert NotifySpec(email="ops@example.com", on="always").email == "ops@example.com"
    for bad in (
        {"webhook_url": "ftp://example.com/x"},
        {"webhook_url": "example.com/hook"},
        {"webhook_url": "http://"},
        {"email": "not an address"},
        {"email": "ops@localhost"},
        {"email": "a@b@c.com"},
        {"on": "sometimes"},
        {"webhook_url": "https://x.example", "extra": 1},
    ):
        with pytest.raises(ValidationError):
            NotifySpec.model_validate(bad)
    assert parse_spec(None) is None
    assert parse_spec({"email": "broken"}) is None
    assert parse_spec({"email": "ops@example.com"}) == NotifySpec(email="ops@example.com")


@pytest.mark.parametrize(
    ("on", "status", "expected"),
    [
        ("failure", "failed", True),
        ("failure", "timed_out", True),
        ("failure", "interrupted", True),
        ("failure", "succeeded", False),
        ("failure", "skipped", False),
        ("failure", "missed", False),
        ("failure", "cancelled", False),
        ("always", "succeeded", True),
        ("always", "failed", True),
    ],
)
def test_should_notify(on: Any, status: str, expected: bool) -> None:
    assert should_notify(NotifySpec(webhook_url="https://h.example/x", on=on), status) is expected


def test_should_notify_needs_a_channel() -> None:
    assert not should_notify(None, "failed")
    assert not should_notify(NotifySpec(on="always"), "failed")


def test_event_keeps_the_first_1000_characters_of_output() -> None:
    e = event(NotifySpec(email="ops@example.com"), output="a" * 999 + "bc")
    assert e.output_excerpt == "a" * 999 + "b"


@pytest.mark.parametrize(
    ("attempt", "retry_after", "delay"),
    [(1, None, 1.0), (2, None, 2.0), (3, None, 4.0), (10, None, 60.0), (1, 30.0, 30.0), (3, 1.0, 4.0), (1, 999, 60)],
)
def test_retry_delays(attempt: int, retry_after: float | None, delay: float) -> None:
    assert DeliveryRetry().delay(attempt, retry_after) == delay


@pytest.mark.parametrize(("code", "retried"), [(500, True), (503, True), (429, True), (400, False), (404, False)])
def test_retry_statuses(code: int, retried: bool) -> None:
    assert DeliveryRetry().retries_status(code) is retried


# -- webhook ------------------------------------------------------------------------------------


def notifier(sessions: async_sessionmaker[AsyncSession] | None = None, **options: Any) -> tuple[Notifier, Sleeps]:
    sleeps = Sleeps()
    options.setdefault("webhook_secret", SECRET)
    return Notifier(clock=ManualClock(START), sessionmaker=sessions, sleep=sleeps, **options), sleeps


async def test_webhook_is_signed_and_carries_the_run(receiver: Receiver) -> None:
    notify, sleeps = notifier()
    attempts = await notify.deliver(event(NotifySpec(webhook_url=receiver.url)))
    assert [(a.channel, a.ok, a.status_code, a.attempt) for a in attempts] == [("webhook", True, 200, 1)]
    assert attempts[0].target == "127.0.0.1:" + receiver.url.split(":")[2].split("/")[0]
    assert "secret-token" not in attempts[0].target
    assert sleeps.delays == []

    (got,) = receiver.received
    assert got.path == "/hooks/secret-token?x=1"
    expected = "sha256=" + hmac.new(SECRET.encode(), got.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(got.headers["x-taskrunner-signature"], expected)
    assert got.headers["content-type"] == "application/json"
    body = got.json()
    assert got.headers["x-taskrunner-timestamp"] == str(body["timestamp"]) == str(int(START.timestamp()))
    assert body["task"] == {"id": 7, "name": "status digest"}
    assert body["execution"]["id"] == 1
    assert body["execution"]["status"] == body["status"] == "failed"
    assert body["execution"]["error"] == "the site timed out"
    assert body["output_excerpt"] == "x" * 1000
    assert body["cost_usd"] == 0.0123


async def test_webhook_without_secret_is_unsigned(receiver: Receiver) -> None:
    notify, _ = notifier(webhook_secret=None)
    await notify.deliver(event(NotifySpec(webhook_url=receiver.url)))
    assert "x-taskrunner-signature" not in receiver.received[0].headers
    assert "x-taskrunner-timestamp" in receiver.received[0].headers


async def test_webhook_retries_5xx_and_429_with_backoff(receiver: Receiver) -> None:
    receiver.statuses = [500, 429, 200]
    notify, sleeps = notifier()
    attempts = await notify.deliver(event(NotifySpec(webhook_url=receiver.url)))
    assert [(a.attempt, a.ok, a.status_code) for a in attempts] == [(1, False, 500), (2, False, 429), (3, True, 200)]
    assert sleeps.delays == [1.0, 2.0]
    assert len(receiver.received) == 3


async def test_webhook_4xx_is_not_retried(receiver: Receiver) -> None:
    receiver.statuses = [400]
    notify, sleeps = notifier()
    attempts = await notify.deliver(event(NotifySpec(webhook_url=receiver.url)))
    assert [(a.attempt, a.ok, a.status_code, a.error) for a in attempts] == [(1, False, 400, "HTTP 400")]
    assert sleeps.delays == []
    assert len(receiver.received) == 1


async def test_webhook_gives_up_after_max_attempts(receiver: Receiver) -> None:
    receiver.statuses = [503] * 10
    notify, sleeps = notifier(retry=DeliveryRetry(max_attempts=3))
    attempts = await notify.deliver(event(NotifySpec(webhook_url=receiver.url)))
    assert [a.ok for a in attempts] == [False, False, False]
    assert sleeps.delays == [1.0, 2.0]


# -- e-mail -------------------------------------------------------------------------------------


@dataclass
class Mailbox:
    port: int
    messages: list[Message] = field(default_factory=list)
    recipients: list[list[str]] = field(default_factory=list)
    answers: list[str] = field(default_factory=list)  # scripted DATA answers, then "250 OK"


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox(port=free_port())

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            if box.answers:
                return box.answers.pop(0)
            box.recipients.append(list(envelope.rcpt_tos))
            box.messages.append(message_from_bytes(envelope.content))
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=box.port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


def smtp(port: int) -> SmtpConfig:
    return SmtpConfig(host="127.0.0.1", port=port, sender="taskrunner@example.com", starttls=False)


async def test_email_is_sent_through_smtp(mailbox: Mailbox) -> None:
    notify, _ = notifier(smtp=smtp(mailbox.port))
    attempts = await notify.deliver(event(NotifySpec(email="ops@example.com")))
    assert [(a.channel, a.target, a.ok) for a in attempts] == [("email", "***@example.com", True)]
    (msg,) = mailbox.messages
    assert mailbox.recipients == [["ops@example.com"]]
    assert msg["Subject"] == "[taskrunner] status digest: failed"
    assert msg["From"] == "taskrunner@example.com"
    text = msg.get_payload(decode=True)
    assert isinstance(text, bytes)
    assert b"the site timed out" in text
    assert b"x" * 1000 in text
    assert b"x" * 1001 not in text


async def test_email_temporary_failure_is_retried_permanent_is_not(mailbox: Mailbox) -> None:
    mailbox.answers = ["451 try again later"]
    notify, sleeps = notifier(smtp=smtp(mailbox.port))
    attempts = await notify.deliver(event(NotifySpec(email="ops@example.com")))
    assert [(a.ok, a.status_code) for a in attempts] == [(False, 451), (True, None)]
    assert sleeps.delays == [1.0]

    mailbox.answers = ["554 rejected"]
    attempts = await notify.deliver(event(NotifySpec(email="ops@example.com")))
    assert [(a.ok, a.status_code) for a in attempts] == [(False, 554)]


async def test_email_without_smtp_settings_is_a_recorded_failure() -> None:
    notify, _ = notifier(smtp=None)
    (attempt,) = await notify.deliver(event(NotifySpec(email="ops@example.com")))
    assert not attempt.ok
    assert attempt.error is not None
    assert "SMTP_HOST" in attempt.error


# -- recording; a broken notifier never fails the run -------------------------------------------


async def test_attempts_are_recorded(
    receiver: Receiver, mailbox: Mailbox, sessions: async_sessionmaker[AsyncSession]
) -> None:
    task_id = await add_task(sessions)
    (execution_id,) = await add_runs(sessions, task_id, [(START, "failed")])
    receiver.statuses = [502]
    notify, _ = notifier(sessions, smtp=smtp(mailbox.port))
    spec = NotifySpec(webhook_url=receiver.url, email="ops@example.com", on="always")
    await notify.deliver(event(spec, execution_id=execution_id, status="succeeded"))
    async with sessions() as s:
        rows = await DeliveryRepository(s).for_execution(execution_id)
    assert [(r.channel, r.attempt, r.status, r.status_code) for r in rows] == [
        ("webhook", 1, "failed", 502),
        ("webhook", 2, "ok", 200),
        ("email", 1, "ok", None),
    ]
    assert all("secret-token" not in r.target and "ops@" not in r.target for r in rows)
    assert rows[0].created_at == START


async def test_broken_receivers_are_recorded_as_failed_without_raising(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    task_id = await add_task(sessions)
    (execution_id,) = await add_runs(sessions, task_id, [(START, "failed")])
    closed = free_port()  # nothing listens there: connections are refused
    notify, sleeps = notifier(sessions, smtp=smtp(closed), retry=DeliveryRetry(max_attempts=2))
    spec = NotifySpec(webhook_url=f"http://127.0.0.1:{closed}/hook", email="ops@example.com")
    attempts = await notify.deliver(event(spec, execution_id=execution_id))
    assert [(a.channel, a.attempt, a.ok) for a in attempts] == [
        ("webhook", 1, False),
        ("webhook", 2, False),
        ("email", 1, False),
        ("email", 2, False),
    ]
    assert all(a.error for a in attempts)
    assert sleeps.delays == [1.0, 1.0]
    async with sessions() as s:
        rows = await DeliveryRepository(s).for_execution(execution_id)
    assert [r.status for r in rows] == ["failed"] * 4


async def test_recording_for_a_deleted_run_does_not_raise(
    receiver: Receiver, sessions: async_sessionmaker[AsyncSession]
) -> None:
    notify, _ = notifier(sessions)
    attempts = await notify.deliver(event(NotifySpec(webhook_url=receiver.url), execution_id=424242))
    assert [a.ok for a in attempts] == [True]


# -- wiring helpers -----------------------------------------------------------------------------


def test_run_event_if_wanted() -> None:
    fields: dict[str, Any] = {
        "task_id": 1,
        "task_name": "t",
        "execution_id": 2,
        "output": "done",
        "error": None,
        "cost_usd": None,
        "scheduled_for": START,
        "finished_at": START,
    }
    hook = {"webhook_url": "https://h.example/x"}
    assert run_event_if_wanted(None, status="failed", **fields) is None
    assert run_event_if_wanted(hook, status="succeeded", **fields) is None
    assert run_event_if_wanted({"webhook_url": "nope"}, status="failed", **fields) is None
    got = run_event_if_wanted(hook, status="failed", **fields)
    assert got is not None
    assert got.notify == NotifySpec(webhook_url="https://h.example/x")
    assert got.output_excerpt == "done"


@dataclass
class FakeSettings:
    webhook_secret: SecretStr | None = None
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str = "taskrunner@example.com"
    smtp_starttls: bool = False
    http_allow_host_list: list[str] = field(default_factory=lambda: ["127.0.0.1"])  # the local receiver


async def test_build_notifier_from_settings(receiver: Receiver, mailbox: Mailbox) -> None:
    settings = FakeSettings(webhook_secret=SecretStr(SECRET), smtp_host="127.0.0.1", smtp_port=mailbox.port)
    notify = build_notifier(settings, clock=ManualClock(START), sessionmaker=None)
    spec = NotifySpec(webhook_url=receiver.url, email="ops@example.com")
    attempts = await notify.deliver(event(spec))
    assert [a.ok for a in attempts] == [True, True]
    assert receiver.received[0].headers["x-taskrunner-signature"] == sign(receiver.received[0].body, SECRET)
    assert len(mailbox.messages) == 1
