"""procrastinate's worker, fetching and finishing jobs in batches.

procrastinate 3.10's worker fetches one job per round trip (``procrastinate_fetch_job_v2``,
one call per free slot, each waiting for the last) and finishes each job with a round
trip of its own. In a burst of thousands of runs that serial fetch, not the runs, sets
the pace. Here, still through procrastinate's own SQL functions:

- :class:`BatchJobManager` fetches ``n`` jobs in one statement: procrastinate's own
  fetch (``procrastinate_fetch_job_v2``) with ``LIMIT n`` for its ``LIMIT 1``, under the
  same ``FOR UPDATE SKIP LOCKED`` (so priorities, locks and scheduled times mean what
  they always did), and finishes the jobs that end while a finish is in flight in one
  statement of ``procrastinate_finish_job_v1`` calls (one by one if that fails, so a
  job finished elsewhere does not hold the others back).
- :class:`BatchWorker` takes every free slot at once and fetches that many jobs.

A fetched job is running in a slot at once, exactly as with procrastinate's own loop:
nothing is held in a buffer, so stopping, aborting and the stalled-worker rules are
unchanged. :class:`BatchWorker` overrides one method of procrastinate's ``Worker``
(its fetch loop) and reuses the rest; ``tests/workers/test_fetching.py`` pins what it
relies on, including that the batched fetch takes the jobs procrastinate's would.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from typing import Any

import structlog
from procrastinate import exceptions, job_context, jobs, manager, utils
from procrastinate.worker import Worker

log = structlog.get_logger("taskrunner.workers")

# procrastinate_fetch_job_v2 (procrastinate 3.10's fetch, schema.sql) with ``LIMIT %(count)s`` for its
# ``LIMIT 1``: the same conditions, order and ``FOR UPDATE SKIP LOCKED``, and the same UPDATE to
# ``doing`` (so its triggers record the same events). Only the first waiting job of a lock is
# eligible (the NOT EXISTS sees the earlier one still ``todo``), so locks keep their meaning in a
# batch. Calling the function itself ``count`` times in one statement is ten times slower: each
# call walks past the rows the calls before it took. tests/workers/test_fetching.py checks that
# both take the same jobs.
FETCH_JOBS = """
WITH candidate AS (
    SELECT jobs.id
      FROM procrastinate_jobs AS jobs
     WHERE NOT EXISTS (
               SELECT 1 FROM procrastinate_jobs AS other_jobs
                WHERE jobs.lock IS NOT NULL
                  AND other_jobs.lock = jobs.lock
                  AND (other_jobs.status = 'doing'
                       OR (other_jobs.status = 'todo'
                           AND (other_jobs.priority > jobs.priority
                                OR (other_jobs.priority = jobs.priority AND other_jobs.id < jobs.id)))))
       AND jobs.status = 'todo'
       AND (%(queues)s::varchar[] IS NULL OR jobs.queue_name = ANY(%(queues)s::varchar[]))
       AND (jobs.scheduled_at IS NULL OR jobs.scheduled_at <= now())
     ORDER BY jobs.priority DESC, jobs.id ASC
     LIMIT %(count)s
       FOR UPDATE OF jobs SKIP LOCKED
)
UPDATE procrastinate_jobs AS j
   SET status = 'doing', worker_id = %(worker_id)s
  FROM candidate
 WHERE j.id = candidate.id
RETURNING j.id, j.status, j.task_name, j.priority, j.lock, j.queueing_lock, j.args, j.scheduled_at,
          j.queue_name, j.attempts, j.worker_id
"""

FINISH_JOBS = """
SELECT procrastinate_finish_job_v1(f.id, f.status::procrastinate_job_status, f.delete_job)
  FROM unnest(%(ids)s::bigint[], %(statuses)s::varchar[], %(deletes)s::boolean[]) AS f(id, status, delete_job)
"""


class BatchJobManager(manager.JobManager):
    """procrastinate's job manager with a batched fetch and finishes grouped while one is in flight."""

    def __init__(self, connector: Any) -> None:
        super().__init__(connector)
        self._finishing: list[tuple[int, str, bool, asyncio.Future[None]]] = []
        self._finisher: asyncio.Task[None] | None = None

    async def fetch_jobs(self, queues: Iterable[str] | None, worker_id: int, count: int) -> list[jobs.Job]:
        """Up to ``count`` jobs, each marked ``doing`` for ``worker_id``, in one round trip."""
        rows = await self.connector.execute_query_all_async(
            query=FETCH_JOBS, queues=list(queues) if queues is not None else None, worker_id=worker_id, count=count
        )
        return [jobs.Job.from_row(row) for row in rows]

    async def finish_job_by_id_async(self, job_id: int, status: jobs.Status, delete_job: bool) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._finishing.append((job_id, status.value, delete_job, future))
        if self._finisher is None or self._finisher.done():
            self._finisher = asyncio.create_task(self._finish_pending(), name="job-finisher")
        await asyncio.shield(future)

    async def _finish_pending(self) -> None:
        await asyncio.sleep(0)  # let the jobs ending in this tick join
        while self._finishing:
            batch, self._finishing = self._finishing, []
            try:
                await self.connector.execute_query_async(
                    query=FINISH_JOBS,
                    ids=[b[0] for b in batch],
                    statuses=[b[1] for b in batch],
                    deletes=[b[2] for b in batch],
                )
            except exceptions.ConnectorException:
                # One job not in doing/todo (finished elsewhere) fails the statement: one by one.
                for job_id, status, delete_job, future in batch:
                    await self._finish_one(job_id, status, delete_job, future)
                continue
            for *_job, future in batch:
                if not future.done():
                    future.set_result(None)

    async def _finish_one(self, job_id: int, status: str, delete_job: bool, future: asyncio.Future[None]) -> None:
        try:
            await super().finish_job_by_id_async(job_id=job_id, status=jobs.Status(status), delete_job=delete_job)
        except Exception as exc:  # handed to the job's own await, as procrastinate's call would raise it
            if not future.done():
                future.set_exception(exc)
            return
        if not future.done():
            future.set_result(None)


class BatchWorker(Worker):
    """procrastinate's worker whose fetch loop fills every free slot with one round trip."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not isinstance(self.app.job_manager, BatchJobManager):
            raise TypeError("BatchWorker needs an app built with a BatchJobManager (app.workers.queue.build_app)")
        self._manager: BatchJobManager = self.app.job_manager

    async def _fetch_and_process_jobs(self) -> None:
        """Fetch jobs for every free slot in one statement and start them, until none is left or asked to stop."""
        while not self._stop_event.is_set():
            first_slot = asyncio.create_task(self._job_semaphore.acquire())
            slots = 0
            fetched: list[jobs.Job] = []
            try:
                await utils.wait_any(first_slot, self._stop_event.wait())
                if first_slot.done() and not first_slot.cancelled():
                    slots = 1
                if self._stop_event.is_set():
                    break
                while not self._job_semaphore.locked():  # take every other free slot (no waiting)
                    await self._job_semaphore.acquire()
                    slots += 1
                assert self.worker_id is not None
                fetched = await self._manager.fetch_jobs(self.queues, self.worker_id, slots)
            finally:
                for _ in range(slots - len(fetched)):
                    self._job_semaphore.release()
                self._new_job_event.clear()
            for job in fetched:
                self._start(job)  # a fetched job is ``doing``: it runs even if a stop came meanwhile
            if len(fetched) < slots:
                break  # the queue is drained: wait for a notification or the next poll

    def _start(self, job: jobs.Job) -> None:
        """Run ``job`` in the slot taken for it (what procrastinate's own loop does with a fetched job)."""
        job_id = job.id
        context = job_context.JobContext(
            app=self.app,
            worker_name=self.worker_name,
            worker_queues=self.queues,
            additional_context=self.additional_context.copy() if self.additional_context else {},
            job=job,
            abort_reason=lambda: self._job_ids_to_abort.get(job_id) if job_id else None,
            start_timestamp=time.time(),
        )
        task = asyncio.create_task(self._process_job(context), name=f"process job {job.task_name}[{job.id}]")
        self._running_jobs[task] = context

        def on_job_complete(done: asyncio.Task[Any]) -> None:
            del self._running_jobs[done]
            self._job_semaphore.release()

        task.add_done_callback(on_job_complete)
