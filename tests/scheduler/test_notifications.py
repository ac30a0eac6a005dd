"""A finished run reports to its task's webhook (signed), recorded with the execution; never failing the run."""

from __future__ import annotations

import hashlib
import hmac

from sqlalchemy import select

from app.clock import SystemClock
from app.config import Settings
from app.db.ops_models import NotificationDelivery
from app.notify import SIGNATURE_HEADER, Notifier, build_notifier
from tests.ops.conftest import Receiver, receiver  # noqa: F401
from tests.scheduler.conftest import Harness
from tests.scheduler.test_firing import executions, utc


async def test_a_failed_run_is_reported_to_the_webhook_and_the_attempt_recorded(
    harness: Harness,
    receiver: Receiver,  # noqa: F811
) -> None:
    harness.runner.fail = True
    settings = Settings(webhook_secret="s3cret", http_tool_allow_hosts="127.0.0.1")
    await harness.start(notifier=build_notifier(settings, clock=SystemClock(), sessionmaker=harness.sessions))
    failing = await harness.create(
        schedule={"kind": "cron", "cron": "0 9 * * *", "timezone": "UTC"},
        notify={"webhook_url": receiver.url, "on": "failure"},
    )
    await harness.create(schedule={"kind": "cron", "cron": "0 9 * * *", "timezone": "UTC"})  # no notify
    await harness.move_to(utc(2026, 11, 23, 9, 0))
    (run,) = await executions(harness, failing)
    assert run.status == "failed"
    (hook,) = receiver.received
    body = hook.json()
    assert str(run.id) in hook.body.decode() and "failed" in hook.body.decode()
    assert body
    expected = hmac.new(b"s3cret", hook.body, hashlib.sha256).hexdigest()
    assert hook.headers[SIGNATURE_HEADER.lower()] == f"sha256={expected}"
    async with harness.sessions() as s:
        (delivery,) = (await s.execute(select(NotificationDelivery))).scalars()
    assert delivery.execution_id == run.id and delivery.status == "ok"
    assert "secret-token" not in (delivery.target or ""), "the recorded target hides the URL's path"


async def test_a_broken_webhook_never_fails_the_run(harness: Harness) -> None:
    async def no_wait(_seconds: float) -> None:
        return None  # the retries' backoff is the notifier's own tested policy; don't wait it out here

    await harness.start(notifier=Notifier(clock=SystemClock(), sessionmaker=harness.sessions, sleep=no_wait))
    task_id = await harness.create(
        schedule={"kind": "cron", "cron": "0 9 * * *", "timezone": "UTC"},
        notify={"webhook_url": "http://127.0.0.1:9/nothing-listens-here", "on": "always"},
    )
    await harness.move_to(utc(2026, 11, 23, 9, 0))
    (run,) = await executions(harness, task_id)
    assert run.status == "succeeded"
    async with harness.sessions() as s:
        attempts = list((await s.execute(select(NotificationDelivery))).scalars())
    assert attempts and all(a.status == "failed" for a in attempts)


async def test_a_webhook_to_an_internal_address_is_refused_unless_allowed(
    harness: Harness,
    receiver: Receiver,  # noqa: F811
) -> None:
    notifier = build_notifier(Settings(), clock=SystemClock(), sessionmaker=harness.sessions)
    await harness.start(notifier=notifier)
    task_id = await harness.create(
        schedule={"kind": "cron", "cron": "0 9 * * *", "timezone": "UTC"},
        notify={"webhook_url": receiver.url, "on": "always"},
    )
    await harness.move_to(utc(2026, 11, 23, 9, 0))
    (run,) = await executions(harness, task_id)
    assert run.status == "succeeded"
    assert receiver.received == []
    async with harness.sessions() as s:
        (attempt,) = (await s.execute(select(NotificationDelivery))).scalars()
    assert attempt.status == "failed" and "refused" in (attempt.error or "")
