"""Queueing dependent tasks' runs when an upstream run ends: exactly once, whoever notices first.

Two paths reach :class:`DependencyQueue`, on any process:

- right after a run's final record is stored, its :class:`~app.workers.running.RunProcessor`
  calls :meth:`DependencyQueue.after_end` (on the leader's in-process executor or on a
  worker process alike);
- the scheduler leader's periodic sweep calls :meth:`DependencyQueue.sweep`, which finds
  upstream ends (within :data:`SWEEP_HORIZON`) no dependent run was queued for: the process
  died between the two transactions, or the run was settled ``interrupted`` by a sweep.

Both decide under a row lock on the dependent task (PostgreSQL; one lock per process on
SQLite, where one process runs everything), and a record is unique per (task, upstream
run), so the two paths together queue a dependent once. The run is then an ordinary
``queued`` record with ``trigger: dependency``: the leader hands it over with the other
on-demand runs and it is claimed through the gate like every run. A dependent that
already has a run going follows its overlap policy (a ``skipped`` record, the buffer
slot, or cancelling the other); a paused dependent gets a ``skipped`` record saying so,
which also uses up the ends that completed its set.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.clip import MAX_INPUT_BYTES, clip_bytes, encoded_size
from app.clock import Clock
from app.controls.dependencies import UpstreamEnd, completing_end, matches
from app.controls.overlap import SKIP_REASON, cancel_reason, first_slot, on_overlap
from app.db.models import Task
from app.db.repositories import ExecutionRepository, FireRow, TaskRepository
from app.db.repositories.controls import ControlRepository
from app.db.repositories.dependencies import DependencyRepository, Edge, EndDetail
from app.scheduler.batching import TickBatcher
from app.vocabulary import DependencyMode, ExecutionStatus, TaskState, Trigger

log = structlog.get_logger("taskrunner.scheduler.dependencies")

# How far back the sweep looks for upstream ends that queued nothing (a crash in between).
SWEEP_HORIZON = timedelta(days=1)
PAUSED_REASON = "skipped: the task is paused"
_INSTANT = timedelta(microseconds=1)


@dataclass(frozen=True, kw_only=True)
class Queued:
    """What one pass queued: runs to hand over, runs cancelled by ``cancel_other``, records skipped."""

    queued: tuple[int, ...] = ()
    cancelled: tuple[int, ...] = ()
    skipped: tuple[int, ...] = ()

    def __add__(self, other: Queued) -> Queued:
        return Queued(
            queued=self.queued + other.queued,
            cancelled=self.cancelled + other.cancelled,
            skipped=self.skipped + other.skipped,
        )


def upstream_inputs(
    completing: EndDetail, counted: Sequence[EndDetail], mode: DependencyMode, *, limit: int = MAX_INPUT_BYTES
) -> dict[str, Any]:
    """The dependent run's inputs: ``upstream`` (the end that queued it) and, for ``all``, ``upstreams``.

    Outputs and errors are cut (visibly) so the whole object stays within the inputs
    limit, shared evenly between the upstream runs.
    """
    shown = [completing, *counted] if mode == DependencyMode.ALL and len(counted) > 1 else [completing]
    budget = max(256, (limit - 512 * len(shown)) // (2 * len(shown)))
    while True:
        inputs: dict[str, Any] = {"upstream": _entry(completing, budget)}
        if len(shown) > 1:
            inputs["upstreams"] = [_entry(d, budget) for d in counted]
        if encoded_size(inputs) <= limit or budget <= 64:
            return inputs
        budget //= 2  # JSON escapes made it larger than its bytes: cut further


def _entry(detail: EndDetail, budget: int) -> dict[str, Any]:
    return {
        "task_id": detail.end.task_id,
        "task_name": detail.task_name,
        "execution_id": detail.end.execution_id,
        "status": str(detail.end.status),
        "finished_at": detail.end.finished_at.isoformat(),
        "output": clip_bytes(detail.output, budget) if detail.output is not None else None,
        "error": clip_bytes(detail.error, budget, what="error") if detail.error is not None else None,
    }


class DependencyQueue:
    def __init__(
        self, sessionmaker: async_sessionmaker[AsyncSession], clock: Clock, *, horizon: timedelta = SWEEP_HORIZON
    ) -> None:
        self._sessionmaker = sessionmaker
        self._clock = clock
        self._horizon = horizon
        self._lock = asyncio.Lock()
        self._ends = TickBatcher(self._ends_with_dependents)

    async def _ends_with_dependents(self, execution_ids: Sequence[int]) -> dict[int, tuple[UpstreamEnd, list[Edge]]]:
        async with self._sessionmaker() as session:
            return await DependencyRepository(session).ends_with_dependents(execution_ids)

    async def after_end(self, execution_id: int) -> Queued:
        """Queue what the end of run ``execution_id`` starts (nothing if it has not ended, or nobody waits)."""
        # Every run ending in one turn of the loop shares one look (most tasks have no dependents):
        # a burst of runs ending on a worker would otherwise open a session per run here.
        found = await self._ends.load(execution_id)
        if found is None:
            return Queued()
        end, edges = found
        out = Queued()
        for edge in edges:
            if matches(edge.on, end.status) and end.finished_at >= edge.since:
                out += await self._consider(edge.task_id, end.execution_id)
        return out

    async def sweep(self) -> Queued:
        """Queue what upstream ends since the horizon should have queued and did not."""
        async with self._sessionmaker() as session:
            pending = await DependencyRepository(session).unhandled(horizon=self._clock.now() - self._horizon)
        out = Queued()
        looked: set[tuple[int, int | None]] = set()
        for edge, upstream_id in pending:
            # An ``all`` set is judged as a whole: once per dependent and pass.
            key = (edge.task_id, upstream_id if edge.mode == DependencyMode.ANY else None)
            if key not in looked:
                looked.add(key)
                out += await self._consider(edge.task_id, upstream_id)
        if out.queued or out.skipped:
            log.info("dependencies.swept", queued=len(out.queued), skipped=len(out.skipped))
        return out

    async def _consider(self, task_id: int, upstream_execution_id: int) -> Queued:
        """In one transaction: does ``task_id`` run now, after which end? Record it if so."""
        async with self._lock, self._sessionmaker() as session, session.begin():
            # The dependent's row lock puts every decision about it in one line, across processes.
            task = await TaskRepository(session).get(task_id, for_update=True)
            if task is None:
                return Queued()
            repo = DependencyRepository(session)
            edges = await repo.edges_of(task_id)
            if not edges:
                return Queued()
            if edges[0].mode == DependencyMode.ANY:
                end = await repo.end(upstream_execution_id)
                edge = next((e for e in edges if end is not None and e.upstream_task_id == end.task_id), None)
                if end is None or edge is None or not matches(edge.on, end.status) or end.finished_at < edge.since:
                    return Queued()
                completing: UpstreamEnd | None = end
                counted = [end]
            else:
                watermark = await repo.watermark(task_id)
                firsts = {}
                for e in edges:
                    first = await repo.first_end(e, after=watermark)
                    if first is not None:
                        firsts[e.upstream_task_id] = first
                completing = completing_end([e.upstream_task_id for e in edges], firsts)
                counted = [firsts[e.upstream_task_id] for e in edges] if completing is not None else []
            if completing is None or await repo.queued_by(task_id, completing.execution_id) is not None:
                return Queued()
            details = await repo.details([e.execution_id for e in counted])
            if completing.execution_id not in details:
                return Queued()
            inputs = upstream_inputs(
                details[completing.execution_id], [details[e.execution_id] for e in counted], edges[0].mode
            )
            return await self._record(session, task, details[completing.execution_id], inputs)

    async def _record(self, session: AsyncSession, task: Task, upstream: EndDetail, inputs: dict[str, Any]) -> Queued:
        now = self._clock.now()
        executions = ExecutionRepository(session)
        at = await _free_instant(DependencyRepository(session), task.id, now)
        end = upstream.end
        why = f"after task {end.task_id} {upstream.task_name!r}: run {end.execution_id} {end.status}"
        row = FireRow(
            task_id=task.id,
            scheduled_for=at,
            trigger=Trigger.DEPENDENCY,
            status=ExecutionStatus.QUEUED,
            reason=why,
            inputs=inputs,
            upstream_execution_id=upstream.end.execution_id,
            slot=first_slot(task.overlap_policy),
            due_at=now,  # ``at`` may be a microsecond on (uniqueness); the run is due now
        )
        bound = log.bind(task_id=task.id, upstream_execution_id=upstream.end.execution_id)
        if task.state == TaskState.PAUSED:
            skipped = await executions.insert_fires(
                [dataclasses.replace(row, status=ExecutionStatus.SKIPPED, reason=f"{PAUSED_REASON} ({why})")],
                now=now,
            )
            bound.info("dependency.skipped_paused")
            return Queued(skipped=tuple(i for i, _t, _s in skipped))
        inserted = await executions.insert_fires([row], now=now)
        if inserted:
            bound.info("dependency.queued", execution_id=inserted[0][0])
            return Queued(queued=(inserted[0][0],))
        # The instant is free and the upstream end is ours (under the lock): a run of the task is going.
        controls = ControlRepository(session)
        action = on_overlap(task.overlap_policy, buffered=bool(await controls.buffered([task.id])))
        reason = action.skip_reason or SKIP_REASON
        cancelled: tuple[int, ...] = ()
        if action.insert:
            if action.cancel_active:
                cancelled = tuple(await controls.cancel_active(task.id, reason=cancel_reason(at), now=now))
            inserted = await executions.insert_fires([dataclasses.replace(row, slot=action.slot)], now=now)
            if inserted:
                bound.info("dependency.queued", execution_id=inserted[0][0], overlap=task.overlap_policy)
                return Queued(queued=(inserted[0][0],), cancelled=cancelled)
        skipped = await executions.insert_fires(
            [dataclasses.replace(row, status=ExecutionStatus.SKIPPED, reason=f"{reason} ({why})", slot=None)], now=now
        )
        bound.info("dependency.skipped_overlap", policy=task.overlap_policy)
        return Queued(skipped=tuple(i for i, _t, _s in skipped), cancelled=cancelled)


async def _free_instant(repo: DependencyRepository, task_id: int, at: datetime) -> datetime:
    """``at``, or the first microsecond after it no record of the task holds (records are unique per instant)."""
    taken = await repo.taken_instants(task_id, at, timedelta(milliseconds=1))
    while at in taken:
        at += _INSTANT
    return at
