"""Settling runs whose worker is gone: ``interrupted``, or a new attempt when the task allows.

The scheduler leader sweeps now and then (:func:`settle_lost_runs`): a ``running``
record whose worker stopped, or whose heartbeat is older than the stale limit, or
that names no worker at all, was lost. A worker that stops cleanly settles the runs
it cut off itself (:func:`settle_runs`). A task with ``retry_on_interrupt`` gets a
new ``queued`` record (trigger ``retry``, ``attempt`` + 1, ``retry_of`` the first
attempt) up to ``max_retries`` times; the caller hands those to its executor.
A new leader first puts lost runs that recorded no step back to ``queued``
(``requeue_unstarted``, see :mod:`app.scheduler.restart`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.db.repositories import ExecutionRepository
from app.db.repositories.workers import LostRun, WorkerRepository

log = structlog.get_logger("taskrunner.workers")

RESTARTED_REASON = "restarted: the service stopped before this run's first model call"


@dataclass(frozen=True, kw_only=True)
class Settled:
    interrupted: list[int]
    retries: list[int]  # new queued executions, to hand to the executor
    requeued: list[int] = field(default_factory=list)  # back to queued as their next attempt (requeue_unstarted)


def retry_allowed(run: LostRun) -> bool:
    """A lost run starts again if its task asks for it, is not paused, and has attempts left."""
    return run.retry_on_interrupt and run.task_state == "active" and run.attempt <= max(run.max_retries, 1)


async def _settle(
    session: AsyncSession, runs: Sequence[LostRun], reason_of: dict[str | None, str], now: datetime
) -> Settled:
    repo = WorkerRepository(session)
    interrupted: list[int] = []
    retries: list[int] = []
    for run in runs:
        reason = reason_of.get(run.worker_id) or reason_of[None]
        retry_id = None
        if retry_allowed(run):
            # Interrupt first: the task may hold one active run only.
            if not await repo.interrupt(run.execution_id, reason=reason, now=now):
                continue
            retry_id = await repo.add_retry(run, now=now)
            if retry_id is not None:
                await repo.interrupt_reason(run.execution_id, reason=f"{reason}; retried as run {retry_id}")
                retries.append(retry_id)
        elif not await repo.interrupt(run.execution_id, reason=reason, now=now):
            continue
        interrupted.append(run.execution_id)
        log.warning("run.lost", execution_id=run.execution_id, worker_id=run.worker_id, retry=retry_id)
    return Settled(interrupted=interrupted, retries=retries)


async def settle_lost_runs(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    now: datetime,
    stale_after: timedelta,
    dead_ids: Sequence[str] = (),
    requeue_unstarted: bool = False,
) -> Settled:
    """Settle every running run held by no live worker (``dead_ids`` count as dead whatever their heartbeat).

    With ``requeue_unstarted`` (a new leader starting), lost runs that recorded no step go back to
    ``queued`` as their next attempt instead: they did nothing, so running them again repeats nothing.
    """
    async with sessionmaker() as session, session.begin():
        repo = WorkerRepository(session)
        if dead_ids:
            await repo.mark_stopped(dead_ids, now=now)
        runs = await repo.lost_runs(stale_before=now - stale_after, dead_ids=dead_ids)
        requeued: list[int] = []
        if requeue_unstarted and runs:
            requeued = list(
                await ExecutionRepository(session).requeue_unstarted(
                    [r.execution_id for r in runs], reason=RESTARTED_REASON
                )
            )
            if requeued:
                log.warning("scheduler.runs_restarted", count=len(requeued))
                again = set(requeued)
                runs = [r for r in runs if r.execution_id not in again]
        if not runs:
            return Settled(interrupted=[], retries=[], requeued=requeued)
        reasons: dict[str | None, str] = {
            None: "the service stopped while this run was in progress (no worker held it)",
        }
        for run in runs:
            if run.worker_id is not None:
                reasons[run.worker_id] = (
                    f"worker {run.worker_id} stopped sending heartbeats while this run was in progress"
                )
        return dataclasses.replace(await _settle(session, runs, reasons, now), requeued=requeued)


async def settle_runs(
    sessionmaker: async_sessionmaker[AsyncSession], execution_ids: Sequence[int], *, reason: str, now: datetime
) -> Settled:
    """Settle runs this worker cut off when it stopped (those still ``running``)."""
    if not execution_ids:
        return Settled(interrupted=[], retries=[])
    async with sessionmaker() as session, session.begin():
        runs = await WorkerRepository(session).runs_of(execution_ids)
        return await _settle(session, runs, {None: reason}, now)
