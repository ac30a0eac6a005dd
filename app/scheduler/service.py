"""The scheduler as a service: its own thread and event loop, leading when it holds the lock.

Running in a thread of its own keeps the API's event loop answering while
thousands of fires are recorded and runs execute; the two share nothing but the
database and the thread-safe notifications below.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from datetime import timedelta

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app import metrics
from app.clock import Clock
from app.controls.settings import ControlSettings
from app.db.engine import create_engine, create_sessionmaker
from app.loops import run_then_close
from app.notify import Notifier
from app.runner.base import PreviousRuns, Runner
from app.runner.conditions import ConditionChecker
from app.runner.kinds import KindRunners
from app.scheduler.core import RetentionPolicy, SchedulerCore
from app.scheduler.leader import LeaderLock, leader_lock_for
from app.workers.base import RunFinishedHook, WorkerTiming
from app.workers.previous import previous_runs_reader
from app.workers.queue import ProcrastinateExecutor

log = structlog.get_logger("taskrunner.scheduler")


class SchedulerService:
    """Waits for leadership, then schedules until told to stop or the lock is lost."""

    def __init__(
        self,
        database_url: str,
        runner_factory: Callable[[PreviousRuns], Runner],
        clock: Clock,
        *,
        default_model: str | None = None,
        max_concurrent_runs: int = 200,
        misfire_grace_seconds: float = 60.0,
        lock_retry_seconds: float = 2.0,
        stop_grace_seconds: float = 30.0,
        lock: LeaderLock | None = None,
        notifier_factory: Callable[[async_sessionmaker[AsyncSession]], Notifier] | None = None,
        retention: RetentionPolicy | None = None,
        use_queue: bool = False,
        timing: WorkerTiming | None = None,
        on_run_finished: RunFinishedHook | None = None,
        controls: ControlSettings | None = None,
        conditions: ConditionChecker | None = None,
        kinds: KindRunners | None = None,
    ) -> None:
        self._url = database_url
        self._conditions = conditions
        self._kinds = kinds
        self._on_run_finished = on_run_finished
        self._runner_factory = runner_factory
        self._clock = clock
        self._default_model = default_model
        self._max_runs = max_concurrent_runs
        self._grace = timedelta(seconds=misfire_grace_seconds)
        self._lock_retry = lock_retry_seconds
        self._stop_grace = stop_grace_seconds
        self._lock = lock or leader_lock_for(database_url)
        self._notifier_factory = notifier_factory
        self._retention = retention
        self._use_queue = use_queue
        self._timing = timing or WorkerTiming()
        self._controls = controls
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._stopping: asyncio.Event | None = None
        self._core: SchedulerCore | None = None
        self.is_leader = False
        self.healthy = True

    def start(self) -> None:
        ready = threading.Event()
        self._thread = threading.Thread(target=self._thread_main, args=(ready,), name="scheduler", daemon=True)
        self._thread.start()
        ready.wait(5)

    def stop(self, timeout: float | None = None) -> None:
        """Stop firing, let runs finish within the grace period, release the lock."""
        if self._loop is not None and self._stopping is not None:
            self._loop.call_soon_threadsafe(self._stopping.set)
        if self._thread is not None:
            self._thread.join(timeout if timeout is not None else self._stop_grace + 15)

    # -- thread-safe notifications (ChangeListener) ---------------------------------------------
    def tasks_changed(self, task_ids: set[int]) -> None:
        core, loop = self._core, self._loop
        if core is not None and loop is not None:
            loop.call_soon_threadsafe(core.tasks_changed, set(task_ids))

    def runs_queued(self) -> None:
        core, loop = self._core, self._loop
        if core is not None and loop is not None:
            loop.call_soon_threadsafe(core.runs_queued)

    def runs_cancel_requested(self, execution_ids: set[int]) -> None:
        core, loop = self._core, self._loop
        if core is not None and loop is not None:
            loop.call_soon_threadsafe(core.runs_cancel_requested, set(execution_ids))

    # -- the thread -----------------------------------------------------------------------------
    def _thread_main(self, ready: threading.Event) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        self._stopping = asyncio.Event()
        ready.set()
        run_then_close(loop, self._lead())

    async def _lead(self) -> None:
        assert self._stopping is not None
        engine = create_engine(self._url, pool_size=5)
        try:
            while not self._stopping.is_set():
                if not await self._lock.try_acquire():
                    self.healthy = True  # waiting for the lock is a healthy state
                    await self._wait_stopping(self._lock_retry)
                    continue
                self.is_leader = True
                metrics.SCHEDULER_LEADER.set(1)
                self.healthy = True
                log.info("scheduler.leader_acquired")
                sessions = create_sessionmaker(engine)
                executor = None
                if self._use_queue:
                    executor = ProcrastinateExecutor(
                        self._url,
                        sessions,
                        self._clock,
                        redefer_after=timedelta(seconds=self._timing.redefer_after_seconds),
                    )
                core = SchedulerCore(
                    sessions,
                    self._runner_factory(previous_runs_reader(sessions)),
                    self._clock,
                    default_model=self._default_model,
                    max_concurrent_runs=self._max_runs,
                    misfire_grace=self._grace,
                    notifier=self._notifier_factory(sessions) if self._notifier_factory else None,
                    retention=self._retention,
                    executor=executor,
                    timing=self._timing,
                    on_run_finished=self._on_run_finished,
                    controls=self._controls,
                    conditions=self._conditions,
                    kinds=self._kinds,
                )
                try:
                    await core.start()
                    self._core = core
                    while not self._stopping.is_set():
                        await self._wait_stopping(self._lock_retry)
                        if not await self._lock.still_held():
                            log.error("scheduler.leadership_lost")
                            break
                except Exception:
                    log.exception("scheduler.failed")
                    self.healthy = False
                    await self._wait_stopping(self._lock_retry)
                finally:
                    self._core = None
                    await core.stop(self._stop_grace)
                    self.is_leader = False
                    metrics.SCHEDULER_LEADER.set(0)
                    await self._lock.release()
        finally:
            await engine.dispose()

    async def _wait_stopping(self, seconds: float) -> None:
        assert self._stopping is not None
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)
