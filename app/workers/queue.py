"""Runs on worker processes: procrastinate on PostgreSQL is the transport.

Our ``executions`` table stays the source of truth; a job carries only the
execution id. The scheduler defers jobs after the fire's record commits
(:class:`ProcrastinateExecutor`); workers fetch them (``FOR UPDATE SKIP LOCKED``,
woken by LISTEN/NOTIFY) and claim the run before running it, so a job delivered
twice never runs a fire twice. Cancelling a running run asks procrastinate to
abort its job, which cancels the run's asyncio task on whichever worker has it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import timedelta
from typing import Any

import procrastinate
import structlog
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.clock import Clock
from app.db.repositories.jobs import RUN_TASK, fail_orphaned_jobs, queued_without_job, request_abort
from app.workers.fetching import BatchJobManager

log = structlog.get_logger("taskrunner.workers")

__all__ = ["RUN_QUEUE", "RUN_TASK", "ProcrastinateExecutor", "build_app", "queued_without_job", "request_abort"]

RUN_QUEUE = "runs"
DEFER_BATCH = 1000


def conninfo(database_url: str) -> str:
    """The libpq connection string procrastinate's psycopg connector wants, from our SQLAlchemy URL."""
    url = make_url(database_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def build_app(database_url: str, *, pool_size: int = 4) -> procrastinate.App:
    """A procrastinate app on our database (not opened), fetching and finishing jobs in batches."""
    connector = procrastinate.PsycopgConnector(
        conninfo=conninfo(database_url), min_size=1, max_size=pool_size, kwargs={"application_name": "taskrunner"}
    )
    app = procrastinate.App(connector=connector)
    app.job_manager = BatchJobManager(connector)
    return app


def register_run_task(app: procrastinate.App, run: Callable[[int, Callable[[], bool]], Awaitable[None]]) -> None:
    """Declare the one job type: run an execution by id. ``run`` gets the id and "was it aborted by a user"."""

    async def run_execution(context: procrastinate.JobContext, execution_id: int) -> None:
        def by_user() -> bool:
            return context.abort_reason() == procrastinate.job_context.AbortReason.USER_REQUEST

        await run(int(execution_id), by_user)

    app.task(name=RUN_TASK, queue=RUN_QUEUE, pass_context=True)(run_execution)


# procrastinate's own defer (``procrastinate_defer_jobs_v1``, what ``batch_defer_async`` calls, so its
# triggers and NOTIFYs are the same), with the jobs built in SQL from an array of ids: procrastinate
# builds, logs and JSON-wraps a Python job object per run, most of a burst's CPU on the scheduler
# thread (which shares the GIL with the API). Priority 0, no lock: what ``batch_defer_async`` sends.
DEFER_RUNS = """
SELECT unnest(procrastinate_defer_jobs_v1(ARRAY(
    SELECT ROW(%(queue)s::varchar, %(task)s::varchar, 0, NULL::text, NULL::text,
               jsonb_build_object('execution_id', t.id), NULL::timestamptz)::procrastinate_job_to_defer_v1
      FROM unnest(%(ids)s::bigint[]) WITH ORDINALITY AS t(id, n)
     ORDER BY t.n
))) AS id
"""


async def defer_runs(app: procrastinate.App, execution_ids: Sequence[int]) -> None:
    """Defer one job per execution on an open app, in one statement (a run delivered twice still runs once)."""
    if execution_ids:
        await app.connector.execute_query_all_async(
            query=DEFER_RUNS, queue=RUN_QUEUE, task=RUN_TASK, ids=[int(i) for i in execution_ids]
        )


class ProcrastinateExecutor:
    """The scheduler's side: defer a job per queued execution; re-defer those whose job went missing."""

    exclusive = False
    worker_id: str | None = None

    def __init__(
        self,
        database_url: str,
        sessionmaker: async_sessionmaker[AsyncSession],
        clock: Clock,
        *,
        redefer_after: timedelta = timedelta(seconds=5),
    ) -> None:
        self._app = build_app(database_url)
        self._sessionmaker = sessionmaker
        self._clock = clock
        self._redefer_after = redefer_after
        self._pending: list[int] = []
        self._wake = asyncio.Event()
        self._flusher: asyncio.Task[None] | None = None
        self._flushing = 0
        self.deferred = 0

    async def start(self) -> None:
        await self._app.open_async()
        self._flusher = asyncio.create_task(self._flush_loop(), name="job-deferrer")

    def submit(self, execution_ids: Sequence[int]) -> None:
        self._pending.extend(execution_ids)
        self._wake.set()

    async def recover_queued(self, *, manual_only: bool) -> int:
        async with self._sessionmaker() as session:
            stranded = await queued_without_job(
                session, created_before=self._clock.now() - self._redefer_after, manual_only=manual_only
            )
        if stranded:
            log.info("queue.redefer", count=len(stranded))
            self.submit(stranded)
        return len(stranded)

    def cancel(self, execution_id: int) -> bool:
        return False  # runs are on workers; the cancel service asks procrastinate to abort the job

    def supersede(self, execution_ids: Iterable[int]) -> None:
        # Their records already say ``cancelled``; a worker's late outcome only closes a running record.
        return None

    async def release(self, execution_ids: Sequence[int]) -> None:
        if execution_ids:
            async with self._sessionmaker() as session, session.begin():
                n = await fail_orphaned_jobs(session, execution_ids)
            if n:
                log.info("queue.orphaned_jobs_failed", count=n)

    def busy(self) -> list[asyncio.Task[Any]]:
        return []

    @property
    def backlog(self) -> int:
        return len(self._pending) + self._flushing

    async def stop(self, grace_seconds: float) -> None:
        if self._flusher is not None:
            self._wake.set()
            deadline = asyncio.get_running_loop().time() + grace_seconds
            while self.backlog and asyncio.get_running_loop().time() < deadline:  # noqa: ASYNC110
                await asyncio.sleep(0.01)
            self._flusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._flusher
        await self._app.close_async()

    async def _flush_loop(self) -> None:
        delay = 0.2
        while True:
            await self._wake.wait()
            self._wake.clear()
            await asyncio.sleep(0)  # let this tick's fires join the batch
            while self._pending:
                batch, self._pending = self._pending[:DEFER_BATCH], self._pending[DEFER_BATCH:]
                self._flushing = len(batch)
                try:
                    await defer_runs(self._app, batch)
                    self.deferred += len(batch)
                    delay = 0.2
                except Exception as exc:  # the sweep re-defers whatever is still stranded later
                    log.warning("queue.defer_failed", count=len(batch), error=str(exc).splitlines()[0])
                    self._pending = batch + self._pending
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 5.0)
                finally:
                    self._flushing = 0
