"""Inbound event hooks: a signed (or token-carrying) POST starts a run with the body as its inputs.

Signature: ``X-Taskrunner-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">`` with
``X-Taskrunner-Timestamp: <unix seconds>``; timestamps more than five minutes off are stale and
a signature already accepted is a replay. Senders that cannot sign send the secret itself in
``X-Taskrunner-Token``. After a rotation the old secret is valid for a grace period. Every
delivery, accepted or refused, is recorded with its reason.

A token has no timestamp to go stale and no signature to replay: a sender that names each
delivery (``X-Taskrunner-Delivery``, ``X-GitHub-Delivery`` or ``Idempotency-Key``) gets one
run per name within 24 hours, through the run's idempotency key (unique per task, so
concurrent repeats agree); a token sender without one gets no replay protection.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app import metrics
from app.db.hook_models import HookDelivery, TaskHook
from app.db.repositories import TaskRepository
from app.errors import Conflict, NotFound, ValidationFailed
from app.services import run_inputs
from app.services.tasks import TaskDeps, TaskService
from app.vocabulary import HookRefusal, TaskState, Trigger

MAX_SKEW = timedelta(minutes=5)
DEFAULT_RATE_PER_MINUTE = 60
DEFAULT_GRACE = timedelta(hours=24)
# Headers naming a delivery, first found wins: a repeated id within 24 hours is not run again.
DELIVERY_ID_HEADERS = ("x-taskrunner-delivery", "x-github-delivery", "idempotency-key")
MAX_DELIVERY_ID_CHARS = 190
_REPLAY = "replay: this signature was already accepted"
_KEY_PREFIX = "hook:"  # the run's idempotency key (unique per task): kept apart from keys callers choose


@dataclass(frozen=True, kw_only=True)
class HookCredentials:
    hook_id: str
    task_id: int
    secret: str  # shown once
    rate_per_minute: int
    previous_valid_until: datetime | None


@dataclass(frozen=True, kw_only=True)
class DeliveryView:
    id: int
    received_at: datetime
    accepted: bool
    reason: str | None
    execution_id: int | None


@dataclass(frozen=True, kw_only=True)
class HookView:
    hook_id: str
    task_id: int
    rate_per_minute: int
    created_at: datetime
    rotated_at: datetime | None
    previous_valid_until: datetime | None
    deliveries: tuple[DeliveryView, ...]


@dataclass(frozen=True, kw_only=True)
class DeliveryOutcome:
    """What became of a delivery: ``accepted``, ``duplicate`` (a repeated delivery id: the first
    one's run, nothing run again), or when refused why: ``not_found``, ``unauthorized``,
    ``rate_limited``, ``conflict``, or a :class:`~app.errors.ValidationFailed` code."""

    delivery_id: int | None
    accepted: bool
    code: str
    reason: str | None = None
    execution_id: int | None = None


def _delivery_key(headers: dict[str, str]) -> tuple[str | None, str | None]:
    """The idempotency key a delivery id header asks for (or None), and why the header is refused (or None)."""
    for name in DELIVERY_ID_HEADERS:
        value = headers.get(name)
        if value is None:
            continue
        if not value.strip() or len(value) > MAX_DELIVERY_ID_CHARS or not value.isprintable():
            return None, f"bad delivery id in {name}: 1 to {MAX_DELIVERY_ID_CHARS} printable characters expected"
        return _KEY_PREFIX + value, None
    return None, None


def _repeated(key: str) -> str:
    return f"repeated delivery {key.removeprefix(_KEY_PREFIX)!r}: answered with the run it started, nothing run again"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The signature header value for ``body`` sent at ``timestamp`` (what a sender computes)."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


class HookService:
    def __init__(self, session: AsyncSession, deps: TaskDeps) -> None:
        self.session = session
        self.deps = deps

    async def enable(
        self, task_id: int, *, rate_per_minute: int | None = None, grace: timedelta = DEFAULT_GRACE
    ) -> HookCredentials:
        """Create the task's hook, or rotate its secret (the old one stays valid for ``grace``)."""
        task = await TaskRepository(self.session).get(task_id, for_update=True)
        if task is None:
            raise NotFound("task", task_id)
        now = self.deps.clock.now()
        hook = await self._of_task(task_id)
        secret = "whs_" + secrets.token_urlsafe(32)
        if hook is None:
            hook = TaskHook(
                id="hk_" + secrets.token_urlsafe(12),
                task_id=task_id,
                secret=secret,
                rate_per_minute=rate_per_minute or DEFAULT_RATE_PER_MINUTE,
                created_at=now,
            )
            self.session.add(hook)
        else:
            hook.previous_secret, hook.previous_valid_until = hook.secret, now + grace
            hook.secret, hook.rotated_at = secret, now
            if rate_per_minute is not None:
                hook.rate_per_minute = rate_per_minute
        await self.session.flush()
        return HookCredentials(
            hook_id=hook.id,
            task_id=task_id,
            secret=secret,
            rate_per_minute=hook.rate_per_minute,
            previous_valid_until=hook.previous_valid_until,
        )

    async def get(self, task_id: int, *, deliveries: int = 20) -> HookView:
        hook = await self._of_task(task_id)
        if hook is None:
            raise NotFound("hook of task", task_id)
        stmt = (
            select(HookDelivery)
            .where(HookDelivery.hook_id == hook.id)
            .order_by(HookDelivery.id.desc())
            .limit(deliveries)
        )
        rows = (await self.session.execute(stmt)).scalars().all()
        return HookView(
            hook_id=hook.id,
            task_id=hook.task_id,
            rate_per_minute=hook.rate_per_minute,
            created_at=hook.created_at,
            rotated_at=hook.rotated_at,
            previous_valid_until=hook.previous_valid_until,
            deliveries=tuple(
                DeliveryView(
                    id=d.id,
                    received_at=d.received_at,
                    accepted=d.accepted,
                    reason=d.reason,
                    execution_id=d.execution_id,
                )
                for d in rows
            ),
        )

    async def disable(self, task_id: int) -> None:
        hook = await self._of_task(task_id)
        if hook is None:
            raise NotFound("hook of task", task_id)
        await self.session.delete(hook)
        await self.session.flush()

    async def deliver(self, hook_id: str, headers: dict[str, str], body: bytes) -> DeliveryOutcome:
        """Check and act on one delivery; the caller commits (refusals are recorded too).

        ``headers`` have lower-case names. A delivery id seen within 24 hours answers the
        run the first delivery started (``code`` ``duplicate``) instead of starting another.
        """
        hook = await self.session.get(TaskHook, hook_id)
        if hook is None:
            # Nothing to record against; the same answer as a bad signature tells a prober nothing.
            metrics.hook_refused(HookRefusal.NOT_FOUND)
            return DeliveryOutcome(delivery_id=None, accepted=False, code="not_found", reason="no such hook")
        now = self.deps.clock.now()
        refused = self._authenticate(hook, headers, body, now)
        if refused is not None:
            return await self._refuse(hook, now, "unauthorized", *refused)
        key, bad_key = _delivery_key(headers)
        if bad_key is not None:
            return await self._refuse(hook, now, "validation_error", HookRefusal.BAD_DELIVERY_ID, bad_key)
        tasks = TaskService(self.session, self.deps)
        if key is not None:
            earlier = await tasks.run_with_key(hook.task_id, key)
            if earlier is not None:
                return await self._duplicate(hook, now, key, earlier.id)
        signature = headers.get("x-taskrunner-signature") if "x-taskrunner-token" not in headers else None
        recent = await self.session.scalar(
            select(func.count())
            .select_from(HookDelivery)
            .where(
                HookDelivery.hook_id == hook.id,
                HookDelivery.accepted.is_(True),
                HookDelivery.reason.is_(None),  # repeated deliveries started nothing: not counted
                HookDelivery.received_at > now - timedelta(minutes=1),
            )
        )
        if (recent or 0) >= hook.rate_per_minute:
            return await self._refuse(
                hook,
                now,
                "rate_limited",
                HookRefusal.RATE_LIMITED,
                f"rate limit: {hook.rate_per_minute} events a minute",
            )
        try:
            inputs = json.loads(body) if body else {}
        except (ValueError, UnicodeDecodeError):
            return await self._refuse(hook, now, "validation_error", HookRefusal.INVALID_BODY, "the body is not JSON")
        except RecursionError:  # the parser gives up on hostile nesting before any limit of ours applies
            return await self._refuse(
                hook, now, "validation_error", HookRefusal.INVALID_BODY, "the body nests too deeply to be read"
            )
        if not isinstance(inputs, dict):
            return await self._refuse(
                hook, now, "validation_error", HookRefusal.INVALID_BODY, "the body must be a JSON object"
            )
        task = await TaskRepository(self.session).get(hook.task_id)
        if task is None or task.state != TaskState.ACTIVE:
            state = task.state if task is not None else "deleted"
            return await self._refuse(hook, now, "conflict", HookRefusal.TASK_NOT_ACTIVE, f"the task is {state}")
        # The transaction's first write comes outside any savepoint: on SQLite a savepoint
        # that opens the transaction commits when released, and a transaction that read
        # before writing fails at once, not after a wait, when another writer went first.
        delivery = HookDelivery(hook_id=hook.id, received_at=now, accepted=True)
        self.session.add(delivery)
        await self.session.flush()
        if signature is not None:
            try:
                async with self.session.begin_nested():
                    delivery.signature = signature
                    await self.session.flush()
            except IntegrityError:
                delivery.signature, delivery.accepted, delivery.reason = None, False, _REPLAY
                await self.session.flush()
                metrics.hook_refused(HookRefusal.REPLAY)
                return DeliveryOutcome(delivery_id=delivery.id, accepted=False, code="conflict", reason=_REPLAY)
        try:
            async with self.session.begin_nested():
                run = await tasks.run_now(
                    hook.task_id,
                    inputs=run_inputs.check_inputs(inputs),
                    trigger=Trigger.EVENT,
                    idempotency_key=key,
                )
        except (Conflict, ValidationFailed) as exc:
            delivery.accepted, delivery.signature, delivery.reason = False, None, exc.message
            await self.session.flush()
            metrics.hook_refused(HookRefusal.RUN_REFUSED)
            return DeliveryOutcome(delivery_id=delivery.id, accepted=False, code=exc.code, reason=exc.message)
        delivery.execution_id = run.id
        code = "accepted"
        if key is not None and await self._started_by_another(hook, run.id, delivery.id):
            # A concurrent delivery with the same id won the key (unique per task): its run is the answer.
            delivery.reason, code = _repeated(key), "duplicate"
        await self.session.flush()
        return DeliveryOutcome(delivery_id=delivery.id, accepted=True, code=code, execution_id=run.id)

    def _authenticate(
        self, hook: TaskHook, headers: dict[str, str], body: bytes, now: datetime
    ) -> tuple[HookRefusal, str] | None:
        """None when the delivery proves it knows a valid secret; else why not."""
        valid = [hook.secret]
        if hook.previous_secret and hook.previous_valid_until and now < hook.previous_valid_until:
            valid.append(hook.previous_secret)
        token = headers.get("x-taskrunner-token")
        if token is not None:
            if any(hmac.compare_digest(token.encode(), s.encode()) for s in valid):
                return None
            return HookRefusal.BAD_TOKEN, "bad token"
        signature, timestamp = headers.get("x-taskrunner-signature"), headers.get("x-taskrunner-timestamp")
        if not signature or not timestamp:
            return (
                HookRefusal.MISSING_SIGNATURE,
                "missing signature: send X-Taskrunner-Signature and X-Taskrunner-Timestamp, or X-Taskrunner-Token",
            )
        try:
            sent = datetime.fromtimestamp(int(timestamp), tz=now.tzinfo)
        except (ValueError, OverflowError, OSError):
            return HookRefusal.BAD_TIMESTAMP, "bad timestamp: unix seconds expected"
        if abs(now - sent) > MAX_SKEW:
            seconds = int(abs(now - sent).total_seconds())
            return HookRefusal.STALE_TIMESTAMP, f"stale timestamp: {seconds}s from now (at most 300s)"
        if any(hmac.compare_digest(signature.encode(), sign(s, timestamp, body).encode()) for s in valid):
            return None
        return HookRefusal.BAD_SIGNATURE, "bad signature"

    async def _refuse(
        self, hook: TaskHook, now: datetime, code: str, refusal: HookRefusal, reason: str
    ) -> DeliveryOutcome:
        delivery = HookDelivery(hook_id=hook.id, received_at=now, accepted=False, reason=reason)
        self.session.add(delivery)
        await self.session.flush()
        metrics.hook_refused(refusal)
        return DeliveryOutcome(delivery_id=delivery.id, accepted=False, code=code, reason=reason)

    async def _duplicate(self, hook: TaskHook, now: datetime, key: str, execution_id: int) -> DeliveryOutcome:
        """Record a repeated delivery id: accepted, pointing at the first delivery's run, running nothing."""
        delivery = HookDelivery(
            hook_id=hook.id,
            received_at=now,
            accepted=True,
            reason=_repeated(key),
            execution_id=execution_id,
        )
        self.session.add(delivery)
        await self.session.flush()
        return DeliveryOutcome(delivery_id=delivery.id, accepted=True, code="duplicate", execution_id=execution_id)

    async def _started_by_another(self, hook: TaskHook, execution_id: int, delivery_id: int) -> bool:
        stmt = select(HookDelivery.id).where(
            HookDelivery.hook_id == hook.id,
            HookDelivery.execution_id == execution_id,
            HookDelivery.id != delivery_id,
        )
        return (await self.session.scalar(stmt.limit(1))) is not None

    async def _of_task(self, task_id: int) -> TaskHook | None:
        return (await self.session.execute(select(TaskHook).where(TaskHook.task_id == task_id))).scalars().first()


__all__ = ["DeliveryOutcome", "HookCredentials", "HookService", "HookView", "sign"]
