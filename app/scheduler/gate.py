"""The claim step: a queued execution starts only when the controls allow it, in every process.

:class:`RunGate` sits between the run executor (:mod:`app.workers`) and the runner. Before a run starts it

- leaves a fire that is not yet due (jitter, spread) queued until its due time;
- records the fire ``skipped`` when its task's (or the service's) day or month
  budget is spent, pausing the task when it asks for that;
- claims the record queued -> running through
  :meth:`~app.db.repositories.controls.ControlRepository.claim`, the database rule
  that enforces the overlap policy and concurrency-key limits across processes.

Claims of runs under no concurrency key whose task runs one at a time (``skip``,
``cancel_other``) and that no period budget guards, which is most runs, are gathered
while a claim is in flight and made together: one transaction, one conditional UPDATE
for the whole batch (:meth:`~app.db.repositories.controls.ControlRepository.claim_unshared`).
Claims under a concurrency key with a limit are gathered the same way and made per key
(:mod:`app.scheduler.keyed`): the key's next free places filled in fire order by one UPDATE.
The others keep the claim of their own (row locks on the task and key, fire order
within a key, spend checks), at most ``max_claims_at_once`` at a time.

A run that may not start yet is *parked*: only its id is kept here, and it is
offered again when a local run ends, when its due time comes, and on every
scheduler poll (which sees runs ended by other processes). Under a key, a pass offers
the key's oldest parked runs, as many as places came free. After a run the gate
checks the SLA, records and reports breaches, and pauses the task after too many
failures in a row or a budget hit (``pause_on_budget``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

import structlog
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app import metrics
from app.clock import Clock
from app.controls import budgets, failures, sla
from app.controls.budgets import BudgetLimits, ModelPrice, PeriodSpend
from app.controls.periods import period_starts
from app.controls.settings import ControlSettings
from app.db.models import Task
from app.db.repositories.controls import ClaimTarget, ControlRepository
from app.notify import Notifier, RunEvent, parse_spec
from app.runner.base import RunOutcome, RunRequest
from app.scheduler.batching import GroupBatcher
from app.scheduler.keyed import KeyAsk, claim_keyed
from app.vocabulary import RUNS_WHEN_PAUSED

log = structlog.get_logger("taskrunner.scheduler.gate")

PRICES_TTL_SECONDS = 5.0
OFFER_BATCH = 16  # parked runs offered again per pass (besides a key's freed places)
OFFER_WAIT_SECONDS = 2.0  # a run offered again is not offered once more meanwhile, unless it answered
CLAIM_BATCH = 500  # claims made together at most
UNSHARED_POLICIES: Final = frozenset({"skip", "cancel_other"})  # one active record per task
ALONE: Final = "alone"  # a claim the batch leaves to the claim of its own


@dataclass(frozen=True, kw_only=True)
class ClaimRequest:
    execution_id: int
    task: Task
    scheduled_for: datetime
    trigger: str
    worker_id: str | None


@dataclass(frozen=True, kw_only=True)
class Parked:
    execution_id: int
    task_id: int
    scheduled_for: datetime
    trigger: str
    due_at: datetime | None = None
    reason: str | None = None  # why it waits (None: only for its due time)
    since: datetime | None = None
    key: str | None = None  # the concurrency key it waits under
    fire_at: datetime | None = None  # its place in the key's fire order (its due time), when known


@dataclass(frozen=True, kw_only=True)
class Admission:
    """A claimed run: when it started and the limits it runs under."""

    started_at: datetime
    delay_ms: int  # start minus nominal scheduled time (the record's trigger_delay_ms)
    late_ms: int  # start minus due time (what the SLA judges)
    limits: BudgetLimits
    prices: dict[str, ModelPrice] = field(default_factory=dict)


Redispatch = Callable[[int, int, datetime, str], None]


class RunGate:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        clock: Clock,
        *,
        settings: ControlSettings | None = None,
        notifier: Notifier | None = None,
        spawn: Callable[[Coroutine[Any, Any, Any]], None] | None = None,
        on_paused: Callable[[int], None] | None = None,
        max_claims_at_once: int = 4,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._clock = clock
        self.settings = settings or ControlSettings()
        self._notifier = notifier
        self._spawn = spawn
        self._on_paused = on_paused
        self._redispatch: Redispatch | None = None
        self.parked: dict[int, Parked] = {}
        self._timer: asyncio.TimerHandle | None = None
        # Claims queue here rather than on the connection pool, which runs and records share.
        self._claiming = asyncio.Semaphore(max_claims_at_once)
        self._price_cache: dict[str, ModelPrice] = {}
        self._retry_pending = False
        self._cursor = 0
        self._prices_at: datetime | None = None
        self._batch: GroupBatcher[ClaimRequest, Admission | str | None] = GroupBatcher(
            self._claim_batch, chunk=CLAIM_BATCH
        )
        self._keyed: GroupBatcher[ClaimRequest, Admission | str | None] = GroupBatcher(
            self._claim_keyed_batch, chunk=CLAIM_BATCH
        )
        self._free: dict[str, int] = {}  # places of a key free (last claim) or freed here since
        self._offered: dict[int, float] = {}  # parked runs offered again and not answered yet (loop time)
        self._handing_back: set[asyncio.Task[Any]] = set()

    def bind(self, redispatch: Redispatch) -> None:
        """Where parked runs are offered again (the executor running runs in this process)."""
        self._redispatch = redispatch

    # -- before a run ----------------------------------------------------------------------------
    async def admit(
        self, execution_id: int, task: Task, scheduled_for: datetime, trigger: str, *, worker_id: str | None = None
    ) -> Admission | None:
        """Claim the execution for running now (held by ``worker_id``), or park it / close it and return None."""
        try:
            return await self._admit_any(execution_id, task, scheduled_for, trigger, worker_id)
        finally:
            self._offered.pop(execution_id, None)

    async def _admit_any(
        self, execution_id: int, task: Task, scheduled_for: datetime, trigger: str, worker_id: str | None
    ) -> Admission | None:
        if self._unshared(execution_id, task):
            batch: GroupBatcher[ClaimRequest, Admission | str | None] | None = self._batch
        elif self._keyed_together(task, trigger):
            batch = self._keyed
        else:
            batch = None
        if batch is not None:
            request = ClaimRequest(
                execution_id=execution_id, task=task, scheduled_for=scheduled_for, trigger=trigger, worker_id=worker_id
            )
            claim = batch.submit(request)
            try:
                outcome = await asyncio.shield(claim)
            except asyncio.CancelledError:
                # The batch may still claim it: a run claimed for nobody goes back to the queue.
                claim.add_done_callback(lambda done: self._hand_back(done, request))
                raise
            except (SQLAlchemyError, OSError) as exc:
                self._claim_failed(exc, execution_id, task, scheduled_for, trigger)
                return None
            if outcome != ALONE:
                return outcome if isinstance(outcome, Admission) else None
        try:
            async with self._claiming:
                return await self._admit(execution_id, task, scheduled_for, trigger, worker_id)
        except (SQLAlchemyError, OSError) as exc:
            self._claim_failed(exc, execution_id, task, scheduled_for, trigger)
            return None

    def _claim_failed(
        self, exc: Exception, execution_id: int, task: Task, scheduled_for: datetime, trigger: str
    ) -> None:
        """The record stays queued: park it, to be offered again on the next poll or run end."""
        log.warning("run.claim_failed", execution_id=execution_id, error=str(exc).splitlines()[0])
        self.parked.setdefault(
            execution_id,
            Parked(
                execution_id=execution_id,
                task_id=task.id,
                scheduled_for=scheduled_for,
                trigger=trigger,
                key=task.concurrency_key,
            ),
        )

    def _unshared(self, execution_id: int, task: Task) -> bool:
        """May this claim go with the batch (as far as the task loaded for the run says)?"""
        parked = self.parked.get(execution_id)
        if parked is not None and parked.reason is not None:
            return False  # its record notes the wait when it starts: the claim of its own does that
        if task.concurrency_key is not None or task.overlap_policy not in UNSHARED_POLICIES:
            return False
        return self._no_period_budget(task)

    def _keyed_together(self, task: Task, trigger: str) -> bool:
        """May this claim go with the key's (a key, no spend budget, not a run to cancel on a paused task)?"""
        if task.concurrency_key is None or (task.state == "paused" and trigger not in RUNS_WHEN_PAUSED):
            return False
        return self._no_period_budget(task)

    def _no_period_budget(self, task: Task) -> bool:
        own, service = task_budget(task), self.settings.service
        return all(
            v is None
            for v in (
                own.max_cost_usd_per_day,
                own.max_cost_usd_per_month,
                service.max_cost_usd_per_day,
                service.max_cost_usd_per_month,
            )
        )

    async def _claim_batch(self, requests: list[ClaimRequest]) -> list[Admission | str | None]:
        """Claim a batch in one transaction; what the records (read now) say needs more goes ``ALONE``."""
        now = self._clock.now()
        out: list[Admission | str | None] = [ALONE] * len(requests)
        chosen: dict[int, tuple[int, ClaimTarget, int]] = {}  # execution id -> (index, target, delay)
        tasks: set[int] = set()
        async with self._sessionmaker() as session, session.begin():
            repo = ControlRepository(session)
            targets = await repo.targets([r.execution_id for r in requests])
            for i, r in enumerate(requests):
                target = targets.get(r.execution_id)
                if target is None or target.status != "queued" or r.execution_id in chosen:
                    out[i] = None  # claimed elsewhere, closed, gone, or asked twice here (the first claims)
                    if target is None or target.status != "queued":
                        self.parked.pop(r.execution_id, None)
                    continue
                if target.due_at > now:
                    self._park(
                        Parked(
                            execution_id=r.execution_id,
                            task_id=target.task_id,
                            scheduled_for=r.scheduled_for,
                            trigger=r.trigger,
                            due_at=target.due_at,
                        )
                    )
                    out[i] = None
                    continue
                unshared = target.concurrency_key is None and target.overlap_policy in UNSHARED_POLICIES
                if not unshared or target.task_id in tasks:
                    continue  # ALONE: changed since the task was loaded, or a second run of one task
                tasks.add(target.task_id)
                chosen[r.execution_id] = (i, target, sla.start_delay_ms(target.trigger, target.scheduled_for, now))
            by_worker: dict[str | None, list[tuple[ClaimTarget, int]]] = {}
            for i, target, delay in chosen.values():
                by_worker.setdefault(requests[i].worker_id, []).append((target, delay))
            claimed: set[int] = set()
            for worker_id, claims in by_worker.items():
                claimed |= await repo.claim_unshared(claims, now=now, worker_id=worker_id)
            for execution_id, (i, target, _delay) in chosen.items():
                if execution_id in claimed:
                    continue
                out[i] = None
                result = await repo.why_not(target)  # rare: the task's run is still going
                if result.state == "wait":
                    if result.reason:
                        await repo.note_waiting(execution_id, result.reason)
                    r = requests[i]
                    self._park(
                        Parked(
                            execution_id=execution_id,
                            task_id=target.task_id,
                            scheduled_for=r.scheduled_for,
                            trigger=r.trigger,
                            reason=result.reason,
                            since=now,
                        )
                    )
                else:
                    self.parked.pop(execution_id, None)
            prices = await self._prices(repo, now) if claimed else {}
        for execution_id in claimed:
            i, target, delay = chosen[execution_id]
            self.parked.pop(execution_id, None)
            out[i] = Admission(
                started_at=now,
                delay_ms=delay,
                late_ms=sla.start_delay_ms(target.trigger, target.due_at, now),
                limits=BudgetLimits.combine(task_budget(requests[i].task), self.settings.run_defaults),
                prices=prices,
            )
        return out

    async def _claim_keyed_batch(self, requests: list[ClaimRequest]) -> list[Admission | str | None]:
        """Claim a batch of runs under concurrency keys: each key's next free places in one UPDATE."""
        now = self._clock.now()
        asks = []
        for r in requests:
            assert r.task.concurrency_key is not None
            parked = self.parked.get(r.execution_id)
            waits = parked is not None and parked.reason is not None
            asks.append(
                KeyAsk(
                    execution_id=r.execution_id,
                    key=r.task.concurrency_key,
                    worker_id=r.worker_id,
                    waiting_reason=parked.reason if parked is not None and waits else None,
                    waiting_since=parked.since if parked is not None and waits else None,
                )
            )
        async with self._sessionmaker() as session, session.begin():
            repo = ControlRepository(session)
            found = await claim_keyed(repo, asks, now=now)
            prices = await self._prices(repo, now) if found.started else {}
        self._free.update(found.free)
        out: list[Admission | str | None] = []
        for r in requests:
            i = r.execution_id
            key = r.task.concurrency_key
            if i in found.alone:
                out.append(ALONE)
                continue
            out.append(None)
            if i in found.gone:
                self.parked.pop(i, None)
            elif i in found.not_due:
                target = found.not_due[i]
                self._park(
                    Parked(
                        execution_id=i,
                        task_id=target.task_id,
                        scheduled_for=r.scheduled_for,
                        trigger=r.trigger,
                        due_at=target.due_at,
                        key=key,
                    )
                )
            elif i in found.waiting:
                target, reason = found.waiting[i]
                earlier = self.parked.get(i)
                still = earlier if earlier is not None and earlier.reason is not None else None
                self._park(
                    Parked(
                        execution_id=i,
                        task_id=target.task_id,
                        scheduled_for=r.scheduled_for,
                        trigger=r.trigger,
                        reason=still.reason if still else reason,
                        since=still.since if still else now,
                        key=key,
                        fire_at=target.due_at,
                    )
                )
            elif i in found.started:
                target, delay = found.started.pop(i)
                self.parked.pop(i, None)
                out[-1] = Admission(
                    started_at=now,
                    delay_ms=delay,
                    late_ms=sla.start_delay_ms(target.trigger, target.due_at, now),
                    limits=BudgetLimits.combine(task_budget(r.task), self.settings.run_defaults),
                    prices=prices,
                )
        return out

    def _hand_back(self, claim: asyncio.Future[Admission | str | None], request: ClaimRequest) -> None:
        """A claim made for a waiter that was cancelled meanwhile: the run never started, requeue it."""
        if claim.cancelled() or claim.exception() is not None or not isinstance(claim.result(), Admission):
            return

        async def hand_back() -> None:
            try:
                async with self._sessionmaker() as session, session.begin():
                    await ControlRepository(session).unclaim(
                        request.execution_id,
                        worker_id=request.worker_id,
                        reason="cancelled on request before it started",
                        now=self._clock.now(),
                    )
            except (SQLAlchemyError, OSError) as exc:  # the sweep settles it with its worker instead
                log.warning("run.hand_back_failed", execution_id=request.execution_id, error=str(exc))

        task = asyncio.get_running_loop().create_task(hand_back())
        self._handing_back.add(task)
        task.add_done_callback(self._handing_back.discard)

    async def _admit(
        self, execution_id: int, task: Task, scheduled_for: datetime, trigger: str, worker_id: str | None
    ) -> Admission | None:
        now = self._clock.now()
        parked = self.parked.get(execution_id)
        paused_note: str | None = None
        async with self._sessionmaker() as session, session.begin():
            repo = ControlRepository(session)
            target = await repo.target(execution_id)
            if target is None or target.status != "queued":
                self.parked.pop(execution_id, None)
                return None
            if target.due_at > now:
                self._park(
                    Parked(
                        execution_id=execution_id,
                        task_id=task.id,
                        scheduled_for=scheduled_for,
                        trigger=trigger,
                        due_at=target.due_at,
                        key=task.concurrency_key,
                    )
                )
                return None
            stop = await self._period_stop(repo, task, now)
            if stop is not None:
                await repo.close_queued(execution_id, status="skipped", reason=stop.reason, now=now)
                if stop.pause and await repo.pause_task(task.id, note=failures.budget_note(stop.reason), now=now):
                    paused_note = stop.reason
                self.parked.pop(execution_id, None)
                result_state = "skipped"
            else:
                waited = None
                if parked is not None and parked.reason and parked.since is not None:
                    seconds = (now - parked.since).total_seconds()
                    waited = f"waited {seconds:g}s in the queue ({parked.reason})"
                # The trigger delay is computed once: the record keeps it, the run reports it.
                delay_ms = sla.start_delay_ms(target.trigger, target.scheduled_for, now)
                result = await repo.claim(target, now=now, delay_ms=delay_ms, waited_reason=waited, worker_id=worker_id)
                result_state = result.state
                if result.state == "wait":
                    # The first wait notes why on the record; later ones keep that reason and its start.
                    still = parked if parked is not None and parked.reason is not None else None
                    if still is None and result.reason:
                        await repo.note_waiting(execution_id, result.reason)
                    self._park(
                        Parked(
                            execution_id=execution_id,
                            task_id=task.id,
                            scheduled_for=scheduled_for,
                            trigger=trigger,
                            reason=still.reason if still else result.reason,
                            since=still.since if still else now,
                            key=task.concurrency_key,
                            fire_at=target.due_at,
                        )
                    )
                    return None
                if result.state == "gone":
                    self.parked.pop(execution_id, None)
                    return None
                prices = await self._prices(repo, now)
        if result_state == "skipped":
            metrics.fire_recorded("skipped")
            log.info("run.budget_skipped", task_id=task.id, execution_id=execution_id)
            if paused_note is not None:
                self._paused(task.id)
            return None
        self.parked.pop(execution_id, None)
        return Admission(
            started_at=now,
            delay_ms=delay_ms,
            late_ms=sla.start_delay_ms(trigger, target.due_at, now),
            limits=BudgetLimits.combine(task_budget(task), self.settings.run_defaults),
            prices=prices,
        )

    async def _prices(self, repo: ControlRepository, now: datetime) -> dict[str, ModelPrice]:
        """Model prices, read at most every few seconds (a change applies to runs starting after it)."""
        if self._prices_at is None or (now - self._prices_at).total_seconds() >= PRICES_TTL_SECONDS:
            self._price_cache = {
                p.model: ModelPrice(input_per_million=p.input_per_million, output_per_million=p.output_per_million)
                for p in await repo.prices()
            }
            self._prices_at = now
        return self._price_cache

    async def _period_stop(self, repo: ControlRepository, task: Task, now: datetime) -> budgets.PeriodDecision | None:
        own = task_budget(task)
        if own.max_cost_usd_per_day is not None or own.max_cost_usd_per_month is not None:
            day_usd, month_usd = await repo.spent_since(*period_starts(now, task.timezone), task_id=task.id)
            spend = PeriodSpend(day_usd=day_usd, month_usd=month_usd)
            decision = budgets.period_budget_stop(spend, own)
            if decision is not None:
                return decision
        service = self.settings.service
        if service.max_cost_usd_per_day is not None or service.max_cost_usd_per_month is not None:
            day_usd, month_usd = await repo.spent_since(*period_starts(now))
            spend = PeriodSpend(day_usd=day_usd, month_usd=month_usd)
            decision = budgets.period_budget_stop(spend, service, scope="service")
            if decision is not None:
                return budgets.PeriodDecision(reason=decision.reason, pause=own.pause_on_budget)
        return None

    # -- parking ---------------------------------------------------------------------------------
    def _park(self, parked: Parked) -> None:
        self.parked[parked.execution_id] = parked
        if parked.due_at is not None:
            self._arm(parked.due_at)

    def _arm(self, when: datetime) -> None:
        delay = max(0.0, (when - self._clock.now()).total_seconds())
        loop = asyncio.get_running_loop()
        if self._timer is not None and self._timer.when() <= loop.time() + delay:
            return
        if self._timer is not None:
            self._timer.cancel()
        # A timer, not a sleeping task: waiting runs hold no task, so draining never waits on them.
        self._timer = loop.call_later(delay + 0.01, self._on_timer)

    def _on_timer(self) -> None:
        self._timer = None
        self.retry()
        upcoming = [p.due_at for p in self.parked.values() if p.due_at is not None]
        if upcoming:
            self._arm(min(upcoming))

    def retry(self) -> None:
        """Offer parked runs again soon (a run ended, time passed, or a poll); many calls, one pass."""
        if self._redispatch is None or not self.parked or self._retry_pending:
            return
        self._retry_pending = True
        asyncio.get_running_loop().call_soon(self._retry_pass)

    def _retry_pass(self) -> None:
        """Offer parked runs again: under each concurrency key its oldest, as many as the key has free
        places (as its last claim here saw them, plus runs of it ended here since; a few at least, for runs
        ended elsewhere); of the rest the oldest and a rotating share, so runs waiting on a busy task of
        their own do not starve the others. Offering every parked run on every release would cost claims
        quadratic in the backlog; a run offered and not answered yet is not offered twice."""
        self._retry_pending = False
        if self._redispatch is None:
            return
        now = self._clock.now()
        moment = asyncio.get_running_loop().time()
        ready = sorted(
            (
                p
                for p in self.parked.values()
                if (p.due_at is None or p.due_at <= now)
                and moment - self._offered.get(p.execution_id, -OFFER_WAIT_SECONDS) >= OFFER_WAIT_SECONDS
            ),
            key=lambda p: (p.due_at or p.fire_at or p.scheduled_for, p.execution_id),
        )
        if len(self._offered) > len(self.parked):  # answers that never came (a run dropped on the way)
            self._offered = {i: at for i, at in self._offered.items() if i in self.parked}
        half = OFFER_BATCH // 2
        chosen: list[Parked] = []
        by_key: dict[str, list[Parked]] = {}
        rest: list[Parked] = []
        for p in ready:
            if p.key is None:
                rest.append(p)
            else:
                by_key.setdefault(p.key, []).append(p)
        for key, waiting in by_key.items():
            chosen += waiting[: min(CLAIM_BATCH, max(half, self._free.pop(key, 0)))]
        chosen += rest[:half]
        rest = rest[half:]
        if rest:
            start = self._cursor % len(rest)
            chosen += (rest[start:] + rest[:start])[:half]
            self._cursor = start + half
        for p in chosen:
            self._offered[p.execution_id] = moment
            self._redispatch(p.execution_id, p.task_id, p.scheduled_for, p.trigger)

    # -- after a run -----------------------------------------------------------------------------
    async def finished(
        self, request: RunRequest, outcome: RunOutcome, task: Task, admission: Admission, duration_ms: int
    ) -> None:
        """SLA check, failure streak and budget pauses for a run that just ended; never raises."""
        if task.concurrency_key is not None:  # its place is free for the key's next waiting run
            self._free[task.concurrency_key] = self._free.get(task.concurrency_key, 0) + 1
        try:
            await self._finished(request, outcome, task, admission, duration_ms)
        except Exception as exc:  # controls after a run must not fail the run's own record
            log.warning("controls.after_run_failed", task_id=task.id, error=str(exc).splitlines()[0])

    async def _finished(
        self, request: RunRequest, outcome: RunOutcome, task: Task, admission: Admission, duration_ms: int
    ) -> None:
        now = self._clock.now()
        limits = sla.SlaLimits(max_delay_seconds=task.max_delay_seconds, max_duration_seconds=task.max_duration_seconds)
        found = sla.breaches(limits, delay_ms=admission.late_ms, duration_ms=duration_ms)
        note: str | None = None
        if admission.limits.pause_on_budget and budgets.is_budget_stop(outcome.reason):
            note = failures.budget_note(outcome.reason or "budget")
        pause_after = task.pause_after_failures if note is None and outcome.status in failures.FAILED else None
        paused = False
        if found or note is not None or pause_after:  # most runs: nothing to store or count
            async with self._sessionmaker() as session, session.begin():
                repo = ControlRepository(session)
                if found:
                    await repo.note_sla_breach(request.execution_id, "; ".join(found))
                if pause_after:
                    earlier = await repo.recent_statuses(
                        task.id, pause_after + 50, exclude=request.execution_id, since=task.resumed_at
                    )
                    streak = failures.failure_streak([outcome.status, *earlier])
                    if failures.should_pause(pause_after, streak):
                        note = failures.failures_note(streak)
                paused = note is not None and await repo.pause_task(task.id, note=note, now=now)
        for text in found:
            kind = "late_start" if text.startswith("started") else "duration"
            metrics.sla_breached(task.id, kind)
            log.warning("run.sla_breach", task_id=task.id, execution_id=request.execution_id, breach=text)
        if found:
            self._report(request, outcome, "SLA breach: " + "; ".join(found), now)
        if paused:
            log.warning("task.auto_paused", task_id=task.id, note=note)
            self._paused(task.id)

    def _report(self, request: RunRequest, outcome: RunOutcome, text: str, now: datetime) -> None:
        spec = parse_spec(request.notify)
        if self._notifier is None or self._spawn is None or spec is None:
            return
        if spec.webhook_url is None and spec.email is None:
            return
        event = RunEvent.of_run(
            task_id=request.task_id,
            task_name=request.task_name,
            execution_id=request.execution_id,
            status=outcome.status,
            output=outcome.output,
            error=text if outcome.error is None else f"{text}; {outcome.error}",
            cost_usd=outcome.cost_usd,
            scheduled_for=request.scheduled_for,
            finished_at=now,
            notify=spec,
        )
        self._spawn(self._notifier.deliver(event))

    def _paused(self, task_id: int) -> None:
        if self._on_paused is not None:
            self._on_paused(task_id)


def task_budget(task: Task) -> BudgetLimits:
    return BudgetLimits(
        max_cost_usd_per_run=task.max_cost_usd_per_run,
        max_tokens_per_run=task.max_tokens_per_run,
        max_cost_usd_per_day=task.max_cost_usd_per_day,
        max_cost_usd_per_month=task.max_cost_usd_per_month,
        pause_on_budget=bool(task.pause_on_budget),
    )
