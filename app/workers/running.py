"""Running one claimed run: the agent loop, its steps as they happen, and the outcome.

Every executor hands execution ids to a :class:`RunProcessor`. It claims the run,
loads the task and its recent records in batches, calls the runner and closes the
record. A task with a run condition (:mod:`app.runner.conditions`) has it checked right
after the claim, before any LLM call: a condition not met closes the record ``skipped``
with the reason. A task paused before its run started is ``cancelled``; a cancel asked for
while the run goes ends it ``cancelled`` with the steps done so far; a run cut off
by its worker stopping is left to :mod:`app.workers.settle` (``interrupted`` or retried).

The claim is the controls' :class:`~app.scheduler.gate.RunGate` (overlap policy,
concurrency keys, due time, budgets), which the scheduler and every worker process
give: a run it may not start yet stays ``queued`` and is offered again later; after
the run the gate checks the SLA and failure/budget pauses. Without a gate (tests,
the benchmarks' baseline) the claim is the plain conditional UPDATE of
:meth:`~app.db.repositories.workers.WorkerRepository.claim`, through the batched writer.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable, Coroutine, Iterable, Sequence
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app import metrics
from app.clock import Clock
from app.controls.sla import start_delay_ms
from app.db.models import Task
from app.db.repositories import ExecutionRepository
from app.db.repositories.workers import ClaimedRun, WorkerRepository
from app.notify import Notifier, run_event_if_wanted
from app.runner.base import Runner, RunOutcome, RunRequest, StepRecord
from app.runner.conditions import ConditionChecker, ConditionResult, PreviousCheck, parse_condition
from app.runner.kinds import KindRunners
from app.scheduler.batching import TickBatcher
from app.scheduler.context import ContextLoader, RunContext
from app.scheduler.dependencies import DependencyQueue
from app.scheduler.gate import Admission, RunGate
from app.scheduler.writer import RecordWriter
from app.vocabulary import CHECKS_CONDITION, RUNS_WHEN_PAUSED, ConditionKind, TaskKind
from app.workers.base import RunFinishedHook

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
        on_finished: RunFinishedHook | None = None,
        gate: RunGate | None = None,
        conditions: ConditionChecker | None = None,
        dependencies: DependencyQueue | None = None,
        on_dependents: Callable[[list[int]], None] | None = None,
        kinds: KindRunners | None = None,
    ) -> None:
        self._sessionmaker = sessionmaker
        # Run conditions (docs/triggers.md): checked after the claim, before any LLM call.
        self._conditions = conditions or ConditionChecker()
        self._runner = runner
        # Tasks that run after this run's task: queued right after its record closes, handed
        # to ``on_dependents`` (the leader's sweep queues them if this process dies in between).
        self._dependencies = dependencies
        self._on_dependents = on_dependents
        # Runs of http and function tasks go to their own runners, whichever executor hands them over.
        self.kinds = kinds or KindRunners.defaults(clock)
        self._on_finished = on_finished
        self.gate = gate
        self.writer = writer
        self._clock = clock
        self.worker_id = worker_id
        self._default_model = default_model
        self._notifier = notifier
        self._spawn = spawn or self._spawn_here
        self._contexts = ContextLoader(sessionmaker)
        # Queued runs looked up by id, every lookup of one loop tick in one query.
        self._queued = TickBatcher(self._queued_runs)
        self._background: set[asyncio.Task[Any]] = set()
        # Runs going on here (claimed, not finished), to cancel on request.
        self.running: dict[int, asyncio.Task[Any]] = {}
        self._cancel_asked: set[int] = set()
        # Runs cut off by this worker stopping; the owner settles them after the stop.
        self.interrupted: set[int] = set()
        # Runs a newer fire already closed as ``cancelled`` (controls: overlap policy cancel_other).
        self._superseded: set[int] = set()

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

    def held(self) -> list[int]:
        """Runs claimed here whose outcome is not yet being written (what the heartbeat checks)."""
        return [i for i, task in self.running.items() if not task.done()]

    def supersede(self, execution_ids: Iterable[int]) -> None:
        """Stop runs here whose records a newer fire already closed as ``cancelled``."""
        for execution_id in execution_ids:
            task = self.running.get(execution_id)
            if task is not None and not task.done():
                self._superseded.add(execution_id)
                task.cancel()

    @property
    def background(self) -> list[asyncio.Task[Any]]:
        return list(self._background)

    async def process(self, execution_id: int, *, cancelled_by_user: Callable[[], bool] | None = None) -> bool:
        """Claim and run ``execution_id``; False when the claim failed (run elsewhere, cancelled, gone, waiting)."""
        admitted: tuple[RunRequest, Task, Admission] | None = None
        if self.gate is not None:
            found = await self._admit(execution_id)
            if found is None:
                return False
            claimed, admitted = found
        else:
            got = await self.writer.claim(execution_id, self.worker_id)
            if got is None:
                log.debug("run.not_claimed", execution_id=execution_id, worker_id=self.worker_id)
                return False
            claimed = got
        current = asyncio.current_task()
        if current is not None:
            self.running[execution_id] = current
        try:
            await self._run(claimed, admitted)
        except asyncio.CancelledError:
            finished = self._clock.now()
            if execution_id in self._superseded:
                pass  # its record already says cancelled, and why
            elif execution_id in self._cancel_asked or (cancelled_by_user is not None and cancelled_by_user()):
                self.writer.finish(execution_id, status="cancelled", reason=CANCELLED_REASON, finished_at=finished)
                metrics.run_finished("cancelled", 0.0)
                log.info("run.cancelled", execution_id=execution_id, worker_id=self.worker_id)
            else:
                self.interrupted.add(execution_id)
            raise
        finally:
            self.running.pop(execution_id, None)
            self._cancel_asked.discard(execution_id)
            self._superseded.discard(execution_id)
            if admitted is not None and self.gate is not None:
                self.gate.retry()  # controls: this run's slot is free for a waiting run
        return True

    async def _admit(self, execution_id: int) -> tuple[ClaimedRun, tuple[RunRequest, Task, Admission]] | None:
        """The controls' claim: the gate moves the run to ``running`` for this worker when it may start."""
        assert self.gate is not None
        # Looked up in batches, so a burst reaches the gate in the order it was handed over
        # (the claim keeps fire order within a concurrency key).
        queued = await self._queued.load(execution_id)
        if queued is None:
            return None  # claimed elsewhere, cancelled or gone
        context = await self._contexts.load(queued.task_id)
        if context is None:
            return None  # deleted: its records went with it
        request = self._build_request(queued, context)
        if request is None:
            return None
        admission = await self.gate.admit(
            execution_id, context.task, queued.scheduled_for, queued.trigger, worker_id=self.worker_id
        )
        if admission is None:
            return None
        return queued, (_with_budget(request, admission), context.task, admission)

    async def _queued_runs(self, execution_ids: Sequence[int]) -> dict[int, ClaimedRun]:
        async with self._sessionmaker() as session:
            return await WorkerRepository(session).queued_runs(execution_ids)

    async def _run(self, claimed: ClaimedRun, admitted: tuple[RunRequest, Task, Admission] | None) -> None:
        execution_id, scheduled_for = claimed.execution_id, claimed.scheduled_for
        bound = log.bind(task_id=claimed.task_id, execution_id=execution_id, worker_id=self.worker_id)
        if admitted is None:
            context = await self._contexts.load(claimed.task_id)
            if context is None:
                return  # deleted: its records went with it
            request = self._build_request(claimed, context)
            if request is None:
                return
            task = context.task
            started = self._clock.now()
            model = self._model_of(request)
            delay_ms = start_delay_ms(claimed.trigger, scheduled_for, started)
            self.writer.update(
                execution_id,
                started_at=started,
                trigger_delay_ms=delay_ms,
                model=model,
                instructions=_instructions_of(request),
            )
        else:
            request, task, admission = admitted
            started = admission.started_at  # the gate's claim wrote it, and the trigger delay
            model = self._model_of(request)
            delay_ms = admission.delay_ms
            self.writer.update(execution_id, model=model, instructions=_instructions_of(request))
        if not await self._condition_allows(claimed, task, started, bound):
            return
        metrics.run_started(delay_ms / 1000)
        bound.debug("run.started", trigger=claimed.trigger, delay_ms=delay_ms)
        outcome = await self._call_runner(request, bound)
        finished = self._clock.now()
        values: dict[str, Any] = {
            "status": outcome.status,
            "finished_at": finished,
            "duration_ms": int((finished - started).total_seconds() * 1000),
            "output": outcome.output,
            "error": outcome.error,
            "model": outcome.model or model,
            "prompt_tokens": outcome.prompt_tokens,
            "completion_tokens": outcome.completion_tokens,
            "cost_usd": outcome.cost_usd,
        }
        if request.kind != TaskKind.AGENT:  # no model: tokens and cost are not zero but do not apply
            values |= {"prompt_tokens": None, "completion_tokens": None, "cost_usd": None}
        # A run's own reason (a limit hit, say) replaces the fire's (e.g. "catch-up for ...").
        if outcome.reason:
            values["reason"] = outcome.reason
        # From here the outcome is written: nothing is left to cancel or supersede.
        self.running.pop(execution_id, None)
        await self.writer.finish(execution_id, **values)
        metrics.run_finished(outcome.status, (finished - started).total_seconds())
        # Off the run's slot: the record is final, and a run's slot should not wait a round trip
        # for its dependents (the leader's sweep queues them if this process dies in between).
        self._spawn(self._queue_dependents(execution_id, bound))
        if self._on_finished is not None:  # the final record is stored: say so
            self._on_finished(execution_id, claimed.task_id, outcome.status)
        self._notify(request, outcome, scheduled_for, finished)
        if admitted is not None and self.gate is not None:
            _request, task, admission = admitted
            duration_ms = int((finished - started).total_seconds() * 1000)
            await self.gate.finished(request, outcome, task, admission, duration_ms)
        log_finish = bound.debug if outcome.status == "succeeded" else bound.warning
        log_finish("run.finished", status=outcome.status, error=outcome.error)

    async def _condition_allows(self, claimed: ClaimedRun, task: Task, started: datetime, bound: Any) -> bool:
        """Check the task's condition (if any, and if this trigger checks it); when it is not met,
        close the record ``skipped`` with the reason and answer False. No LLM call happens before."""
        if not task.condition or claimed.trigger not in CHECKS_CONDITION:
            return True
        execution_id = claimed.execution_id
        spec = parse_condition(task.condition)
        assert spec is not None
        previous = None
        if spec.kind == ConditionKind.URL_CHANGED:
            async with self._sessionmaker() as session:
                found = await ExecutionRepository(session).last_condition_check(task.id, before=execution_id)
            previous = PreviousCheck(execution_id=found[0], content_hash=found[1]) if found else None
        result: ConditionResult = await self._conditions.check(spec, previous)
        metrics.condition_checked(result.kind, result.outcome)
        values = {"condition_result": result.text, "condition_hash": result.content_hash}
        if result.met:
            self.writer.update(execution_id, **values)
            bound.debug("run.condition_met", condition=result.text)
            return True
        finished = self._clock.now()
        await self.writer.finish(
            execution_id,
            **values,
            status="skipped",
            reason=result.skip_reason,
            finished_at=finished,
            duration_ms=int((finished - started).total_seconds() * 1000),
        )
        bound.info("run.condition_skipped", outcome=result.outcome, condition=result.text)
        if self._on_finished is not None:  # the final record is stored: say so
            self._on_finished(execution_id, claimed.task_id, "skipped")
        return False

    async def _queue_dependents(self, execution_id: int, bound: Any) -> None:
        if self._dependencies is None:
            return
        try:
            queued = await self._dependencies.after_end(execution_id)
        except (SQLAlchemyError, OSError) as exc:  # the leader's sweep queues them later
            bound.warning("dependency.queue_failed", error=str(exc).splitlines()[0])
            return
        if queued.cancelled:
            self.supersede(queued.cancelled)  # the dependent's overlap policy cancel_other
        if queued.queued and self._on_dependents is not None:
            self._on_dependents(list(queued.queued))

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
            # LLM steps are labelled with the model the run asked for, on success and error alike.
            if step.kind in ("llm", "tool"):  # an http or function task's one step is the run itself
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

        runner = self.kinds.pick(request.kind, self._runner)
        try:
            return await runner.run(request, on_step=on_step)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the runner's contract is not to raise; record it if it does
            bound.exception("run.runner_crashed")
            return RunOutcome(status="failed", error=f"internal runner error: {exc!r}", reason="runner error")

    def _model_of(self, request: RunRequest) -> str | None:
        """The model an agent run uses; other kinds use none."""
        return (request.model or self._default_model) if request.kind == TaskKind.AGENT else None

    def _build_request(self, claimed: ClaimedRun, context: RunContext) -> RunRequest | None:
        task = context.task
        if task.state == "paused" and claimed.trigger not in RUNS_WHEN_PAUSED:
            self.writer.update(
                claimed.execution_id, status="cancelled", reason=PAUSED_REASON, finished_at=self._clock.now()
            )
            return None
        scheduled_for = claimed.scheduled_for
        earlier = [r for r in context.recent if r.scheduled_for < scheduled_for]
        succeeded = [r for r in earlier if r.status == "succeeded"]
        window_start = (succeeded or earlier)[0].scheduled_for if earlier else None
        window_start = context.window_starts.get(claimed.execution_id, window_start)  # fixed when queued (backfill)
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
            inputs=context.inputs.get(claimed.execution_id),
            kind=task.kind,
            http=task.http,
            function=task.function,
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


def _instructions_of(request: RunRequest) -> str | None:
    """What the record keeps as the run's instructions: an agent run's exact text, else nothing."""
    return request.instructions if request.kind == TaskKind.AGENT else None


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
