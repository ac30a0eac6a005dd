"""A worker: runs runs from the queue, nothing else (``taskrunner worker``, or inside ``serve``).

It registers in ``workers`` with a heartbeat, runs a procrastinate worker on the
``runs`` queue with ``concurrency`` runs at a time, and on SIGTERM/SIGINT stops
fetching, lets runs finish within the grace period, then cuts off the rest and
settles them (``interrupted``, or retried when the task allows).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Callable
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.clock import Clock
from app.controls.settings import ControlSettings
from app.db.engine import create_engine, create_sessionmaker
from app.notify import Notifier
from app.runner.base import PreviousRuns, Runner
from app.runner.conditions import ConditionChecker
from app.runner.kinds import KindRunners
from app.scheduler.dependencies import DependencyQueue
from app.scheduler.gate import RunGate
from app.scheduler.writer import RecordWriter
from app.workers.base import RunFinishedHook, WorkerTiming, new_worker_id
from app.workers.fetching import BatchWorker
from app.workers.heartbeat import Heartbeat
from app.workers.previous import previous_runs_reader
from app.workers.queue import RUN_QUEUE, build_app, defer_runs, register_run_task
from app.workers.running import RunProcessor
from app.workers.settle import settle_runs

log = structlog.get_logger("taskrunner.workers")


class WorkerProcess:
    def __init__(
        self,
        database_url: str,
        runner_factory: Callable[[PreviousRuns], Runner],
        clock: Clock,
        *,
        concurrency: int = 50,
        default_model: str | None = None,
        stop_grace_seconds: float = 30.0,
        timing: WorkerTiming | None = None,
        notifier_factory: Callable[[async_sessionmaker[AsyncSession]], Notifier] | None = None,
        install_signal_handlers: bool = True,
        kind: str = "worker",
        preload: Callable[[], None] | None = None,
        controls: ControlSettings | None = None,
        on_run_finished: RunFinishedHook | None = None,
        conditions: ConditionChecker | None = None,
        kinds: KindRunners | None = None,
    ) -> None:
        self._url = database_url
        self._kinds = kinds
        self._runner_factory = runner_factory
        self._clock = clock
        self.concurrency = concurrency
        self._default_model = default_model
        self._grace = stop_grace_seconds
        self._timing = timing or WorkerTiming()
        self._notifier_factory = notifier_factory
        self._signals = install_signal_handlers
        self.kind = kind
        self._preload = preload
        self._controls = controls or ControlSettings()
        self._on_run_finished = on_run_finished
        self._conditions = conditions
        self.worker_id = new_worker_id(kind)
        self.processor: RunProcessor | None = None
        self._worker: BatchWorker | None = None
        self._stop_requested = False

    async def run(self) -> None:
        """Work until stopped (a signal, or :meth:`request_stop`)."""
        loop = asyncio.get_running_loop()
        if self._signals:
            # Ours for the whole life of the worker (procrastinate's own would leave a gap while
            # starting): SIGTERM/SIGINT stop fetching, runs get the grace period, then are cut off.
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, self.request_stop)
        if self._preload is not None:
            # A slow import inside the first run would block the loop and starve the heartbeat.
            await asyncio.to_thread(self._preload)
        engine = create_engine(self._url, pool_size=max(4, min(self.concurrency, 20)))
        sessions = create_sessionmaker(engine)
        writer = RecordWriter(sessions, self._clock)
        writer.start()
        notifier = self._notifier_factory(sessions) if self._notifier_factory else None
        waiting: set[asyncio.Task[Any]] = set()

        def spawn(coro: Any) -> None:
            task = asyncio.create_task(coro)
            waiting.add(task)
            task.add_done_callback(waiting.discard)

        # Controls: this worker claims through the gate (overlap, concurrency keys, budgets, SLA).
        gate = RunGate(sessions, self._clock, settings=self._controls, notifier=notifier, spawn=spawn)
        app = build_app(self._url, pool_size=min(self.concurrency, 10) + 3)

        async def defer_dependents(execution_ids: list[int]) -> None:
            try:
                await defer_runs(app, execution_ids)
            except Exception as exc:  # the leader hands over queued runs with no job anyway
                log.warning("worker.defer_failed", count=len(execution_ids), error=str(exc).splitlines()[0])

        processor = RunProcessor(
            sessions,
            self._runner_factory(previous_runs_reader(sessions)),
            writer,
            self._clock,
            worker_id=self.worker_id,
            default_model=self._default_model,
            notifier=notifier,
            on_finished=self._on_run_finished,
            gate=gate,
            conditions=self._conditions,
            # Tasks waiting on a run that ended here are queued here, and their jobs deferred at once.
            dependencies=DependencyQueue(sessions, self._clock),
            on_dependents=lambda ids: spawn(defer_dependents(ids)),
            kinds=self._kinds,
        )
        self.processor = processor

        def offer_again(execution_id: int, _task_id: int, _at: datetime, _trigger: str) -> None:
            # A run the gate kept waiting, offered again here once a slot frees or its time comes
            # (the leader also re-defers a job for any queued run nobody carries).
            if not self._stop_requested and execution_id not in processor.running:
                spawn(processor.process(execution_id))

        gate.bind(offer_again)
        heartbeat = Heartbeat(
            sessions,
            self._clock,
            worker_id=self.worker_id,
            kind=self.kind,
            concurrency=self.concurrency,
            interval=self._timing.heartbeat_seconds,
            on_cancel=processor.cancel_many,
            held=processor.held,
            on_closed=processor.supersede,
        )

        async def run_one(execution_id: int, by_user: Callable[[], bool]) -> None:
            await processor.process(execution_id, cancelled_by_user=by_user)

        register_run_task(app, run_one)
        try:
            await heartbeat.start()
            async with app.open_async():
                if self._stop_requested:
                    return
                log.info("worker.started", worker_id=self.worker_id, concurrency=self.concurrency)
                worker = BatchWorker(
                    app,
                    queues=[RUN_QUEUE],
                    name=self.worker_id,
                    concurrency=self.concurrency,
                    shutdown_graceful_timeout=self._grace,
                    install_signal_handlers=False,
                    delete_jobs="successful",
                    update_heartbeat_interval=self._timing.heartbeat_seconds,
                    stalled_worker_timeout=self._timing.stale_seconds,
                    fetch_job_polling_interval=max(self._timing.heartbeat_seconds, 1.0),
                    abort_job_polling_interval=max(self._timing.heartbeat_seconds, 1.0),
                )
                self._worker = worker
                await worker.run()  # type: ignore[no-untyped-call]
        finally:
            self._worker = None
            await writer.close()
            cut_off = sorted(processor.interrupted)
            if cut_off:
                reason = f"worker {self.worker_id} stopped while this run was in progress"
                with contextlib.suppress(Exception):
                    await settle_runs(sessions, cut_off, reason=reason, now=self._clock.now())
            for task in list(waiting):
                task.cancel()
            await asyncio.gather(*processor.background, *waiting, return_exceptions=True)
            await heartbeat.stop()
            await engine.dispose()
            if self._signals:
                for sig in (signal.SIGTERM, signal.SIGINT):
                    loop.remove_signal_handler(sig)

    def request_stop(self) -> None:
        """Stop fetching; runs finish within the grace period (call from the worker's own loop)."""
        self._stop_requested = True
        if self._worker is not None:
            self._worker.stop()  # type: ignore[no-untyped-call]
