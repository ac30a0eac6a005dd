"""Running one claimed run: the agent loop, its steps as they happen, and the outcome.

Every executor hands execution ids to a :class:`RunProcessor`. It claims the run
(:func:`app.workers.claim.claim_runs`, through the batched writer), loads the task
and its recent records in batches, calls the runner and closes the record. A task
paused before its run started is ``cancelled``; a cancel asked for while the run
goes ends it ``cancelled`` with the steps done so far; a run cut off by its
worker stopping is left to :mod:`app.workers.settle` (``interrupted`` or retried).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app import metrics
from app.clock import Clock
from app.db.repositories.workers import ClaimedRun
from app.notify import Notifier, run_event_if_wanted
from app.runner.base import Runner, RunOutcome, RunRequest, StepRecord
from app.scheduler.context import ContextLoader
from app.scheduler.writer import RecordWriter

log = structlog.get_logger("taskrunner.workers")

CANCELLED_REASON = "cancelled on request while it ran"
PAUSED_REASON = "the task was paused before the run started"


class RunProcessor:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        runner: Runner,
        writer: RecordWriter,
        clock: Clock,
        *,
        worker_id: str,
        default_model: str | None = None,
        notifier: Notifier | None = None,
        spawn: Callable[[Coroutine[Any, Any, Any]], None] | None = None,
    ) -> None:
        self._runner = runner
        self.writer = writer
        self._clock = clock
        self.worker_id = worker_id
        self._default_model = default_model
        self._notifier = notifier
        self._spawn = spawn or self._spawn_here
        self._contexts = ContextLoader(sessionmaker)
        self._background: set[asyncio.Task[Any]] = set()
        # Runs going on here (claimed, not finished), to cancel on request.
        self.running: dict[int, asyncio.Task[Any]] = {}
        self._cancel_asked: set[int] = set()
        # Runs cut off by this worker stopping; the owner settles them after the stop.
        self.interrupted: set[int] = set()

    def cancel(self, execution_id: int) -> bool:
        """Abort the run's asyncio task if it runs here; it ends ``cancelled``."""
        task = self.running.get(execution_id)
        if task is None or task.done():
            return False
        self._cancel_asked.add(execution_id)
        task.cancel()
        return True

    def cancel_many(self, execution_ids: list[int]) -> None:
        for execution_id in execution_ids:
            self.cancel(execution_id)

    @property
    def background(self) -> list[asyncio.Task[Any]]:
        return list(self._background)

    async def process(self, execution_id: int, *, cancelled_by_user: Callable[[], bool] | None = None) -> bool:
        """Claim and run ``execution_id``; False when the claim failed (run elsewhere, cancelled, gone)."""
        claimed = await self.writer.claim(execution_id, self.worker_id)
        if claimed is None:
            log.debug("run.not_claimed", execution_id=execution_id, worker_id=self.worker_id)
            return False
        current = asyncio.current_task()
        if current is not None:
            self.running[execution_id] = current
        try:
            await self._run(claimed)
        except asyncio.CancelledError:
            finished = self._clock.now()
            if execution_id in self._cancel_asked or (cancelled_by_user is not None and cancelled_by_user()):
                self.writer.finish(execution_id, status="cancelled", reason=CANCELLED_REASON, finished_at=finished)
                metrics.run_finished("cancelled", 0.0)
                log.info("run.cancelled", execution_id=execution_id, worker_id=self.worker_id)
            else:
                self.interrupted.add(execution_id)
            raise
        finally:
            self.running.pop(execution_id, None)
            self._cancel_asked.discard(execution_id)
        return True

    async def _run(self, claimed: ClaimedRun) -> None:
        execution_id, scheduled_for = claimed.execution_id, claimed.scheduled_for
        bound = log.bind(task_id=claimed.task_id, execution_id=execution_id, worker_id=self.worker_id)
        request = await self._build_request(claimed)
        if request is None:
            return
        started = self._clock.now()
        model = request.model or self._default_model
        delay_ms = max(0, int((started - scheduled_for).total_seconds() * 1000))
        self.writer.update(execution_id, started_at=started, trigger_delay_ms=delay_ms, model=model)
        metrics.run_started(delay_ms / 1000)
        bound.debug("run.started", trigger=claimed.trigger, delay_ms=delay_ms)
        outcome = await self._call_runner(request, bound)
        finished = self._clock.now()
        # A run's own reason (a limit hit, say) replaces the fire's (e.g. "catch-up for ...").
        extra = {"reason": outcome.reason} if outcome.reason else {}
        await self.writer.finish(
            execution_id,
            **extra,
            status=outcome.status,
            finished_at=finished,
            duration_ms=int((finished - started).total_seconds() * 1000),
            output=outcome.output,
            error=outcome.error,
            model=outcome.model or model,
            prompt_tokens=outcome.prompt_tokens,
            completion_tokens=outcome.completion_tokens,
            cost_usd=outcome.cost_usd,
        )
        metrics.run_finished(outcome.status, (finished - started).total_seconds())
        self._notify(request, outcome, scheduled_for, finished)
        log_finish = bound.debug if outcome.status == "succeeded" else bound.warning
        log_finish("run.finished", status=outcome.status, error=outcome.error)

    def _spawn_here(self, coro: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def _notify(self, request: RunRequest, outcome: RunOutcome, scheduled_for: datetime, finished: datetime) -> None:
        if self._notifier is None:
            return
        event = run_event_if_wanted(
            request.notify,
            task_id=request.task_id,
            task_name=request.task_name,
            execution_id=request.execution_id,
            status=outcome.status,
            output=outcome.output,
            error=outcome.error,
            cost_usd=outcome.cost_usd,
            scheduled_for=scheduled_for,
            finished_at=finished,
        )
        if event is not None:
            # Delivery (with its retries) runs beside the runs and never fails the run.
            self._spawn(self._notifier.deliver(event))

    async def _call_runner(self, request: RunRequest, bound: Any) -> RunOutcome:
        async def on_step(step: StepRecord) -> None:
            metrics.step_recorded(
                step.kind, step.name, step.error, step.prompt_tokens, step.completion_tokens, step.cost_usd
            )
            await self.writer.step(_step_row(request.execution_id, step))

        try:
            return await self._runner.run(request, on_step=on_step)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the runner's contract is not to raise; record it if it does
            bound.exception("run.runner_crashed")
            return RunOutcome(status="failed", error=f"internal runner error: {exc!r}", reason="runner error")

    async def _build_request(self, claimed: ClaimedRun) -> RunRequest | None:
        context = await self._contexts.load(claimed.task_id)
        if context is None:
            return None  # deleted: its records went with it
        task = context.task
        if task.state == "paused" and claimed.trigger not in ("manual", "retry"):
            self.writer.update(
                claimed.execution_id, status="cancelled", reason=PAUSED_REASON, finished_at=self._clock.now()
            )
            return None
        scheduled_for = claimed.scheduled_for
        earlier = [r for r in context.recent if r.scheduled_for < scheduled_for]
        succeeded = [r for r in earlier if r.status == "succeeded"]
        window_start = (succeeded or earlier)[0].scheduled_for if earlier else None
        return RunRequest(
            execution_id=claimed.execution_id,
            task_id=task.id,
            task_name=task.name,
            instructions=task.instructions,
            timezone=task.timezone,
            model=task.model,
            tools=tuple(task.tools or ()),
            max_steps=task.max_steps,
            timeout_seconds=float(task.timeout_seconds),
            max_retries=task.max_retries,
            trigger=claimed.trigger,
            scheduled_for=scheduled_for,
            window_start=window_start,
            window_end=scheduled_for,
            notify=task.notify,
            recent_outputs=tuple(
                {
                    "execution_id": r.id,
                    "status": r.status,
                    "scheduled_for": r.scheduled_for.isoformat(),
                    "output": r.output or "",
                }
                for r in context.recent[:3]
            ),
        )


def _step_row(execution_id: int, step: StepRecord) -> dict[str, Any]:
    return {
        "execution_id": execution_id,
        "index": step.index,
        "kind": step.kind,
        "name": step.name,
        "input": step.input,
        "output": step.output,
        "error": step.error,
        "started_at": step.started_at,
        "latency_ms": step.latency_ms,
        "prompt_tokens": step.prompt_tokens,
        "completion_tokens": step.completion_tokens,
        "cost_usd": step.cost_usd,
        "attempt": step.attempt,
    }
