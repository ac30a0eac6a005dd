"""The scheduler leader's work, in one event loop: recover, fire, record, run.

One :class:`SchedulerCore` runs per database (see :mod:`app.scheduler.leader`).
Start-up settles runs whose worker is gone (one that had recorded no step yet is
queued again as its next attempt, see :mod:`app.scheduler.restart`), accounts for
fires missed while no scheduler ran (per task policy), and loads every active task
into APScheduler. Then each due fire is recorded through the batched
:class:`~app.scheduler.writer.RecordWriter` and, once committed, handed to the
run executor (:mod:`app.workers`: in process, or jobs for worker processes), whose
runs pass the controls' :class:`~app.scheduler.gate.RunGate` before they start.
Changes made by other processes are picked up by polling ``tasks.updated_at``, the
``task_tombstones`` of deleted tasks, and queued executions; a periodic sweep
settles runs of dead workers and hands over queued runs nobody carries.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app import metrics
from app.clock import Clock
from app.controls.jitter import due_at
from app.controls.settings import ControlSettings
from app.db.models import Task
from app.db.repositories import ExecutionRepository, TaskRepository
from app.db.repositories.workers import WorkerRepository
from app.notify import Notifier
from app.retention import prune
from app.runner.base import Runner
from app.runner.conditions import ConditionChecker
from app.runner.kinds import KindRunners
from app.scheduler.aps import FireExecutor, ScheduleTrigger, TaskJobStore, never_called
from app.scheduler.dependencies import DependencyQueue
from app.scheduler.gate import RunGate
from app.scheduler.recovery import StoredTask, plan_all
from app.scheduler.restart import settle_left_queued_runs
from app.scheduler.writer import Fire, Recorded, RecordWriter
from app.schedules.of_task import compile_task
from app.workers.base import RunExecutor, RunFinishedHook, WorkerTiming
from app.workers.in_process import InProcessExecutor
from app.workers.settle import settle_lost_runs

log = structlog.get_logger("taskrunner.scheduler")

# Tombstones outlive any poll overlap and clock skew by far; pruned by the leader now and then.
TOMBSTONE_KEEP = timedelta(days=1)
TOMBSTONE_PRUNE_EVERY = timedelta(hours=1)


@dataclass(frozen=True, kw_only=True)
class RetentionPolicy:
    keep_days: int = 90
    keep_failed_days: int | None = None
    interval_seconds: float = 3600.0


class SchedulerCore:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        runner: Runner,
        clock: Clock,
        *,
        default_model: str | None = None,
        max_concurrent_runs: int = 200,
        misfire_grace: timedelta = timedelta(seconds=60),
        poll_interval: float = 2.0,
        due_chunk: int = 500,
        notifier: Notifier | None = None,
        retention: RetentionPolicy | None = None,
        executor: RunExecutor | None = None,
        timing: WorkerTiming | None = None,
        on_run_finished: RunFinishedHook | None = None,
        controls: ControlSettings | None = None,
        conditions: ConditionChecker | None = None,
        kinds: KindRunners | None = None,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._runner = runner
        self._clock = clock
        self._default_model = default_model
        self._grace = misfire_grace
        self._poll_interval = poll_interval
        self._due_chunk = due_chunk
        self._notifier = notifier
        self._retention = retention
        self.writer = RecordWriter(sessionmaker, clock)
        self._timing = timing or WorkerTiming()
        # Controls: the claim step (overlap, concurrency keys, due time, budgets, SLA).
        self.controls = controls or ControlSettings()
        self.gate = RunGate(
            sessionmaker,
            clock,
            settings=self.controls,
            notifier=notifier,
            spawn=self._spawn,
            on_paused=lambda task_id: self.tasks_changed({task_id}),
        )
        self._fire_controls: dict[int, tuple[str, int, str]] = {}  # task id -> (overlap, jitter, timezone)
        # Dependencies: runs of tasks waiting on a run that ended (app.scheduler.dependencies).
        self.dependencies = DependencyQueue(sessionmaker, clock)
        self.executor: RunExecutor = executor or InProcessExecutor(
            sessionmaker,
            runner,
            self.writer,
            clock,
            spawn=self._spawn,
            default_model=default_model,
            max_concurrent_runs=max_concurrent_runs,
            notifier=notifier,
            timing=self._timing,
            on_finished=self._run_finished(on_run_finished),
            gate=self.gate,
            conditions=conditions,
            dependencies=self.dependencies,
            kinds=kinds,
        )
        self._last_sweep: datetime | None = None
        self._aps: AsyncIOScheduler | None = None
        self._revisions: dict[int, int] = {}
        self._background: set[asyncio.Task[Any]] = set()
        self._poller: asyncio.Task[None] | None = None
        self._last_poll: datetime | None = None
        self._tombstones_pruned_at: datetime | None = None
        self._accepting = False
        self._pickup_pending = False

    def _run_finished(self, then: RunFinishedHook | None) -> RunFinishedHook:
        """After a run's final record: start the task's next waiting record, then tell ``then``."""

        def finished(execution_id: int, task_id: int, status: str) -> None:
            # A burst of runs ending shares one look (not one query per run).
            if not self._pickup_pending:
                self._pickup_pending = True
                self._spawn(self._pickup_after_runs())
            if then is not None:
                then(execution_id, task_id, status)

        return finished

    async def _pickup_after_runs(self) -> None:
        await asyncio.sleep(0)  # let the runs ending in this turn of the loop join
        self._pickup_pending = False
        await self._promote_waiting()

    # -- lifecycle ------------------------------------------------------------------------------
    async def start(self) -> None:
        """Recover from downtime, load every active task, and start firing."""
        self.writer.start()
        now = self._clock.now()
        await self.executor.start()
        await self._settle_lost(first=True)
        await settle_left_queued_runs(self._sessionmaker, now=now, grace=self._grace)
        self._store = TaskJobStore(self._due_chunk)
        self._aps = AsyncIOScheduler(
            timezone=UTC,
            jobstores={"default": self._store},
            executors={"default": FireExecutor(self._on_fire)},
            job_defaults={"coalesce": False, "max_instances": 1_000_000, "misfire_grace_time": None},
        )
        self._accepting = True
        self._last_poll = now
        loaded = await self._load_all(now)
        self._aps.start()
        await self.executor.recover_queued(manual_only=False)
        self._poller = asyncio.create_task(self._poll_loop(), name="scheduler-poll")
        if self._retention is not None:
            self._spawn(self._prune_loop(self._retention))
        log.info("scheduler.started", tasks=loaded)

    async def stop(self, grace_seconds: float = 30.0) -> None:
        """Stop firing, let running runs finish up to the grace period, record the rest interrupted."""
        self._accepting = False
        if self._aps is not None and self._aps.running:
            self._aps.shutdown(wait=False)
        if self._poller is not None:
            self._poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._poller
        for task in list(self._background):
            task.cancel()
        await self.executor.stop(grace_seconds)
        await self.writer.close()
        log.info("scheduler.stopped")

    async def drain(self) -> None:
        """Wait until nothing is being recorded or run (tests and benchmarks)."""
        idle_rounds = 0
        while idle_rounds < 3:
            await asyncio.sleep(0)
            busy = [t for t in (*self.executor.busy(), *self._background) if not t.done()]
            if busy:
                idle_rounds = 0
                await asyncio.gather(*busy, return_exceptions=True)
            elif self.writer.backlog:
                idle_rounds = 0
                await asyncio.sleep(0.002)
            else:
                idle_rounds += 1

    def has_due(self) -> bool:
        """Whether APScheduler holds a job whose time has come (used to drain chunked wake-ups)."""
        if self._aps is None:
            return False
        upcoming = self._store.get_next_run_time()
        return upcoming is not None and upcoming <= self._clock.now()

    def wakeup(self) -> None:
        """Make APScheduler look for due jobs now (tests move the clock, then call this)."""
        if self._aps is not None:
            self._aps.wakeup()
        self.gate.retry()  # controls: runs waiting for their due time or a free slot

    # -- notifications from services (same loop) ------------------------------------------------
    def tasks_changed(self, task_ids: set[int]) -> None:
        self._spawn(self._reload(set(task_ids)))

    def runs_queued(self) -> None:
        self._spawn(self.executor.recover_queued(manual_only=True))

    def runs_cancel_requested(self, execution_ids: set[int]) -> None:
        for execution_id in execution_ids:
            self.executor.cancel(execution_id)

    def _spawn(self, coro: Any) -> None:
        if not self._accepting:
            coro.close()
            return
        task = asyncio.create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    # -- loading tasks into APScheduler ---------------------------------------------------------
    async def _load_all(self, now: datetime) -> int:
        count, after_id = 0, 0
        while True:
            async with self._sessionmaker() as session:
                tasks = await TaskRepository(session).active(after_id=after_id, limit=5000)
            if not tasks:
                return count
            after_id = tasks[-1].id
            count += len(tasks)
            await self._schedule(tasks, now)

    async def _schedule(self, tasks: list[Task] | Any, now: datetime) -> None:
        """Account for missed fires of these (active) tasks and (re)load their jobs."""
        assert self._aps is not None
        fires: list[asyncio.Future[Recorded]] = []
        work = [
            (
                task,
                StoredTask(
                    id=task.id,
                    policy=task.missed_run_policy,
                    kind=task.schedule_kind,
                    next_run_at=task.next_run_at,
                    revision=task.revision,
                ),
                compile_task(task),
            )
            for task in tasks
        ]
        plans = await plan_all([(stored, compiled) for _t, stored, compiled in work], now=now, grace=self._grace)
        for (task, _stored, compiled), (planned, next_run) in zip(work, plans, strict=True):
            for fire in planned:
                future = self.writer.fire(fire)
                future.add_done_callback(self._on_recorded)
                fires.append(future)
            self._revisions[task.id] = task.revision
            self._fire_controls[task.id] = (task.overlap_policy, task.jitter_seconds, task.timezone)
            if next_run is None:
                self._remove_job(task.id)
            else:
                self._aps.add_job(
                    never_called,
                    trigger=ScheduleTrigger(compiled),
                    id=str(task.id),
                    name=task.name,
                    next_run_time=next_run,
                    replace_existing=True,
                )
        if fires:
            await asyncio.gather(*fires, return_exceptions=True)

    async def _prune_loop(self, policy: RetentionPolicy) -> None:
        """Prune old records now and then every ``policy.interval_seconds``, in small batches."""
        while True:
            try:
                removed = await prune(
                    self._sessionmaker,
                    now=self._clock.now(),
                    keep_days=policy.keep_days,
                    keep_failed_days=policy.keep_failed_days,
                )
                if removed:
                    log.info("retention.pruned", executions=removed)
            except Exception as exc:  # pruning is housekeeping: log, retry next round
                log.warning("retention.failed", error=str(exc).splitlines()[0])
            await asyncio.sleep(policy.interval_seconds)

    def _remove_job(self, task_id: int) -> None:
        assert self._aps is not None
        with contextlib.suppress(Exception):
            self._aps.remove_job(str(task_id))

    async def _reload(self, task_ids: set[int]) -> None:
        async with self._sessionmaker() as session:
            rows = (await session.execute(select(Task).where(Task.id.in_(task_ids)))).scalars().all()
        found = {t.id: t for t in rows}
        active = []
        for task_id in task_ids:
            task = found.get(task_id)
            if task is None or task.state != "active" or task.next_run_at is None:
                self._revisions.pop(task_id, None)
                self._remove_job(task_id)
            else:
                active.append(task)
        if active:
            await self._schedule(active, self._clock.now())

    async def _poll_loop(self) -> None:
        while True:
            await asyncio.sleep(self._poll_interval)
            try:
                await self._poll_once()
            except Exception as exc:  # a database outage must not end polling
                log.warning("scheduler.poll_failed", error=str(exc).splitlines()[0])

    async def _poll_once(self) -> None:
        now = self._clock.now()
        since = (self._last_poll or now) - timedelta(seconds=10)  # overlap covers clock skew
        async with self._sessionmaker() as session:
            repo = TaskRepository(session)
            changed = await repo.changed_since(since)
            # A deleted row no longer shows in ``changed``: its tombstone says it went.
            deleted = await repo.deleted_since(since)
            if self._tombstones_pruned_at is None or now - self._tombstones_pruned_at >= TOMBSTONE_PRUNE_EVERY:
                await repo.prune_tombstones(now - TOMBSTONE_KEEP)
                await session.commit()
                self._tombstones_pruned_at = now
        self._last_poll = now
        stale = {tid for tid, rev, _state in changed if self._revisions.get(tid) != rev}
        stale |= {tid for tid, _rev, state in changed if state != "active" and tid in self._revisions}
        stale |= {tid for tid in deleted if tid in self._revisions}
        if stale:
            await self._reload(stale)
        if self._last_sweep is None or (now - self._last_sweep).total_seconds() >= self._timing.sweep_seconds:
            await self.sweep()
        else:
            await self._promote_waiting()  # runs that ended in other processes free the next waiting record
            await self.executor.recover_queued(manual_only=True)
        self.gate.retry()  # controls: slots freed by runs that ended in other processes

    async def sweep(self) -> None:
        """Settle runs of dead workers, queue dependents nobody queued, hand over queued runs nobody carries."""
        self._last_sweep = self._clock.now()
        await self._settle_lost(first=False)
        await self.sweep_dependencies()
        await self._promote_waiting()
        await self.executor.recover_queued(manual_only=False)

    async def sweep_dependencies(self) -> None:
        """Queue runs that upstream ends should have queued (their process died first, or a sweep settled them)."""
        swept = await self.dependencies.sweep()
        if swept.cancelled:
            self.executor.supersede(swept.cancelled)  # the dependent's overlap policy cancel_other
        if swept.queued:
            self._dispatch_all(list(swept.queued))

    async def _settle_lost(self, *, first: bool) -> None:
        dead: list[str] = []
        if first and self.executor.exclusive and self.executor.worker_id is not None:
            # Only a leader runs an in-process executor: any other one belonged to a leader now gone.
            async with self._sessionmaker() as session:
                dead = await WorkerRepository(session).others_of_kind("in-process", except_id=self.executor.worker_id)
        # A new leader restarts lost runs that had done nothing yet (no step recorded):
        # back to queued as their next attempt; their old jobs (if any) are let go.
        settled = await settle_lost_runs(
            self._sessionmaker,
            now=self._clock.now(),
            stale_after=timedelta(seconds=self._timing.stale_seconds),
            dead_ids=dead,
            requeue_unstarted=first,
        )
        if settled.requeued:
            await self.executor.release(settled.requeued)
        if settled.interrupted:
            log.warning("scheduler.runs_settled", interrupted=len(settled.interrupted), retried=len(settled.retries))
            await self.executor.release(settled.interrupted)
        if settled.retries:
            self.executor.submit(settled.retries)

    # -- fires ----------------------------------------------------------------------------------
    def _on_fire(self, task_id: int, run_times: list[datetime], trigger: ScheduleTrigger) -> None:
        """Called by APScheduler (synchronously, inside its wake-up) for each due job."""
        once = trigger.compiled.spec.kind == "once"
        revision = self._revisions.get(task_id)
        last = run_times[-1]
        next_run = None if once else trigger.next_after(last)
        for at in run_times[:-1]:
            behind = "the scheduler fell behind; a later fire ran instead"
            missed = self.writer.fire(
                Fire(task_id=task_id, scheduled_for=at, status="missed", reason=behind, advance=False)
            )
            missed.add_done_callback(self._on_recorded)
        policy, jitter, timezone = self._fire_controls.get(task_id, ("skip", 0, "UTC"))
        due = due_at(
            task_id, last, jitter_seconds=jitter, timezone=timezone, spread_seconds=self.controls.spread_seconds
        )
        future = self.writer.fire(
            Fire(
                task_id=task_id,
                scheduled_for=last,
                next_run_at=next_run,
                complete=once,
                revision=revision,
                due_at=due,
                overlap_policy=policy,
            )
        )
        future.add_done_callback(self._on_recorded)

    def _on_recorded(self, future: asyncio.Future[Recorded]) -> None:
        if future.cancelled() or future.exception() is not None:
            return
        recorded = future.result()
        if recorded.cancelled:
            self.executor.supersede(recorded.cancelled)  # controls: overlap policy cancel_other
        metrics.fire_recorded(recorded.status)
        log.debug("scheduler.fire_recorded", task_id=recorded.fire.task_id, status=recorded.status)
        if recorded.status == "queued" and recorded.execution_id is not None:
            self._dispatch(recorded.execution_id)

    async def _promote_waiting(self) -> None:
        """Queue each task's next ``waiting`` record (a backfill's) once its run before has ended."""
        async with self._sessionmaker() as session:
            promoted = await ExecutionRepository(session).promote_waiting()
            if promoted:
                await session.commit()
        if promoted:
            self._dispatch_all(list(promoted))

    def _dispatch_all(self, execution_ids: list[int]) -> None:
        if self._accepting:
            self.executor.submit(execution_ids)

    def _dispatch(self, execution_id: int) -> None:
        if self._accepting:
            self.executor.submit([execution_id])
