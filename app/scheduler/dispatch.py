"""Running recorded executions: a concurrency limit, the runner, and the record of each run.

A fire recorded ``queued`` comes here. The run's task and recent records are loaded
in batches (:mod:`app.scheduler.context`), the record moves to ``running`` with its
trigger delay, each step is written as it happens, and the outcome closes the record.
A task paused before its run started is ``cancelled``; a run cut off by shutdown is
``interrupted``. Reports (webhook, e-mail) go out in the background afterwards.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable, Coroutine, Iterable
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app import metrics
from app.clock import Clock
from app.notify import Notifier, run_event_if_wanted
from app.runner.base import Runner, RunOutcome, RunRequest, StepRecord
from app.scheduler.context import ContextLoader
from app.scheduler.gate import Admission, RunGate
from app.scheduler.writer import RecordWriter

log = structlog.get_logger("taskrunner.scheduler")

INTERRUPTED_REASON = "the service stopped while this run was in progress"


RunFinishedHook = Callable[[int, int, str], None]
"""Told ``(execution_id, task_id, status)`` once a run's final record is stored (called on the scheduler's loop)."""


class RunDispatcher:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        runner: Runner,
        writer: RecordWriter,
        clock: Clock,
        *,
        spawn: Callable[[Coroutine[Any, Any, Any]], None],
        default_model: str | None = None,
        max_concurrent_runs: int = 200,
        notifier: Notifier | None = None,
        on_finished: RunFinishedHook | None = None,
        gate: RunGate | None = None,
    ) -> None:
        self._runner = runner
        self._on_finished = on_finished
        self.writer = writer
        self._clock = clock
        self._spawn = spawn
        self._default_model = default_model
        self._notifier = notifier
        self._slots = asyncio.Semaphore(max_concurrent_runs)
        self._contexts = ContextLoader(sessionmaker)
        self.inflight: dict[int, asyncio.Task[None]] = {}
        # Controls: the claim step, and runs cancelled by a newer fire (cancel_other).
        self._gate = gate
        self._superseded: set[int] = set()
        if gate is not None:
            gate.bind(self.dispatch)

    def supersede(self, execution_ids: Iterable[int]) -> None:
        """Stop local runs whose records a newer fire already closed as ``cancelled``."""
        for execution_id in execution_ids:
            task = self.inflight.get(execution_id)
            if task is not None:
                self._superseded.add(execution_id)
                task.cancel()

    def dispatch(self, execution_id: int, task_id: int, scheduled_for: datetime, trigger: str) -> None:
        """Start running a ``queued`` execution unless it is already being run here."""
        if execution_id in self.inflight:
            return
        task = asyncio.create_task(self._run(execution_id, task_id, scheduled_for, trigger))
        self.inflight[execution_id] = task
        task.add_done_callback(lambda _t: self.inflight.pop(execution_id, None))

    async def stop(self, grace_seconds: float) -> None:
        """Let running runs finish within ``grace_seconds``; cancel (and so interrupt) the rest."""
        running = list(self.inflight.values())
        if not running:
            return
        _done, pending = await asyncio.wait(running, timeout=grace_seconds)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    async def _run(self, execution_id: int, task_id: int, scheduled_for: datetime, trigger: str) -> None:
        bound = log.bind(task_id=task_id, execution_id=execution_id)
        admission: Admission | None = None
        context = None
        try:
            async with self._slots:
                request = await self._build_request(execution_id, task_id, scheduled_for, trigger)
                if request is None:
                    return
                if self._gate is not None:
                    # Controls hook: claim queued -> running in the database, or stay queued.
                    context = await self._contexts.load(task_id)
                    if context is None:
                        return
                    admission = await self._gate.admit(execution_id, context.task, scheduled_for, trigger)
                    if admission is None:
                        return
                    request = _with_budget(request, admission)
                started = admission.started_at if admission else self._clock.now()
                model = request.model or self._default_model
                delay_ms = max(0, int((started - scheduled_for).total_seconds() * 1000))
                if admission is None:
                    await self.writer.update(
                        execution_id, status="running", started_at=started, trigger_delay_ms=delay_ms, model=model
                    )
                else:
                    self.writer.update(execution_id, model=model)
                metrics.run_started(delay_ms / 1000)
                bound.debug("run.started", trigger=trigger, delay_ms=delay_ms)
                outcome = await self._call_runner(request, bound)
                finished = self._clock.now()
                # A run's own reason (a limit hit, say) replaces the fire's (e.g. "catch-up for ...").
                extra = {"reason": outcome.reason} if outcome.reason else {}
                await self.writer.update(
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
                if self._on_finished is not None:  # the final record is stored: say so
                    self._on_finished(execution_id, task_id, outcome.status)
                self._notify(request, outcome, scheduled_for, finished)
                if self._gate is not None and admission is not None and context is not None:
                    duration_ms = int((finished - started).total_seconds() * 1000)
                    await self._gate.finished(request, outcome, context.task, admission, duration_ms)
                log_finish = bound.debug if outcome.status == "succeeded" else bound.warning
                log_finish("run.finished", status=outcome.status, error=outcome.error)
        except asyncio.CancelledError:
            if execution_id in self._superseded:
                self._superseded.discard(execution_id)  # its record already says cancelled, and why
            else:
                # Shutdown past the grace period: the record must still say what happened.
                self.writer.update(
                    execution_id, status="interrupted", reason=INTERRUPTED_REASON, finished_at=self._clock.now()
                )
            raise
        finally:
            if admission is not None and self._gate is not None:
                self._gate.retry()  # controls: this run's slot is free for a waiting run

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
            # Delivery (with its retries) runs beside the scheduler and never fails the run.
            self._spawn(self._notifier.deliver(event))

    async def _call_runner(self, request: RunRequest, bound: Any) -> RunOutcome:
        async def on_step(step: StepRecord) -> None:
            # LLM steps are labelled with the model the run asked for, on success and error alike.
            label = (request.model or self._default_model or step.name) if step.kind == "llm" else step.name
            metrics.step_recorded(
                step.kind,
                label,
                step.error,
                step.prompt_tokens,
                step.completion_tokens,
                step.cost_usd,
                attempt=step.attempt,
            )
            await self.writer.step(_step_row(request.execution_id, step))

        try:
            return await self._runner.run(request, on_step=on_step)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the runner's contract is not to raise; record it if it does
            bound.exception("run.runner_crashed")
            return RunOutcome(status="failed", error=f"internal runner error: {exc!r}", reason="runner error")

    async def _build_request(
        self, execution_id: int, task_id: int, scheduled_for: datetime, trigger: str
    ) -> RunRequest | None:
        context = await self._contexts.load(task_id)
        if context is None:
            return None  # deleted: its records went with it
        task = context.task
        if task.state == "paused" and trigger != "manual":
            self.writer.update(
                execution_id,
                status="cancelled",
                reason="the task was paused before the run started",
                finished_at=self._clock.now(),
            )
            return None
        earlier = [r for r in context.recent if r.scheduled_for < scheduled_for]
        succeeded = [r for r in earlier if r.status == "succeeded"]
        window_start = (succeeded or earlier)[0].scheduled_for if earlier else None
        return RunRequest(
            execution_id=execution_id,
            task_id=task.id,
            task_name=task.name,
            instructions=task.instructions,
            timezone=task.timezone,
            model=task.model,
            tools=tuple(task.tools or ()),
            max_steps=task.max_steps,
            timeout_seconds=float(task.timeout_seconds),
            max_retries=task.max_retries,
            trigger=trigger,
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


def _with_budget(request: RunRequest, admission: Admission) -> RunRequest:
    """The request under the run budget the controls set (tokens, cost, model prices)."""
    limits = admission.limits
    return dataclasses.replace(
        request,
        max_total_tokens=limits.max_tokens_per_run or request.max_total_tokens,
        max_cost_usd=limits.max_cost_usd_per_run,
        prices=admission.prices,
    )
