"""Workers fetch and finish procrastinate jobs in batches (PostgreSQL): same jobs, each run once."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import psycopg
import pytest
from procrastinate import exceptions, jobs
from sqlalchemy import text

from app.workers.fetching import FETCH_JOBS, BatchJobManager
from app.workers.queue import RUN_QUEUE, RUN_TASK, build_app, defer_runs, register_run_task
from app.workers.worker import WorkerProcess
from tests.workers.conftest import FAST, Rig

# (queue, priority, lock, scheduled in the future)
JOBS = [
    ("runs", 0, None, False),
    ("runs", 5, None, False),  # higher priority: first
    ("runs", 0, "L", False),  # first of lock L: eligible
    ("runs", 9, "L", False),  # higher priority within L: eligible first
    ("runs", 0, "M", False),  # lock M already has a job doing: not eligible
    ("runs", 0, None, True),  # not due yet
    ("other", 0, None, False),  # another queue
    ("runs", 0, None, False),
]


@pytest.fixture
def pg(db_url: str) -> Iterator[psycopg.Connection]:
    if not db_url.startswith("postgresql"):
        pytest.skip("procrastinate runs on PostgreSQL only")
    with psycopg.connect(db_url.replace("postgresql+asyncpg", "postgresql")) as conn:
        yield conn


def _seed(conn: psycopg.Connection) -> tuple[int, list[int]]:
    """A procrastinate worker and the jobs of ``JOBS``; (worker id, job ids in ``JOBS`` order)."""
    worker_id = conn.execute("SELECT procrastinate_register_worker_v1()").fetchone()[0]  # type: ignore[index]
    conn.execute(
        "INSERT INTO procrastinate_jobs (queue_name, task_name, args, status, lock, worker_id)"
        " VALUES ('runs', 't', '{}', 'doing', 'M', %s)",
        (worker_id,),
    )
    ids = [
        int(
            conn.execute(
                "INSERT INTO procrastinate_jobs (queue_name, task_name, args, priority, lock, scheduled_at)"
                " VALUES (%s, 't', '{}', %s, %s, CASE WHEN %s THEN now() + interval '1 hour' END) RETURNING id",
                (queue, priority, lock, later),
            ).fetchone()[0]  # type: ignore[index]
        )
        for queue, priority, lock, later in JOBS
    ]
    return int(worker_id), ids


def _procrastinates_own(conn: psycopg.Connection, worker_id: int) -> list[int]:
    taken: list[int] = []
    while True:
        row = conn.execute("SELECT id FROM procrastinate_fetch_job_v2(%s::varchar[], %s)", (["runs"], worker_id))
        job_id = row.fetchone()[0]  # type: ignore[index]
        if job_id is None:
            return taken
        taken.append(int(job_id))


def _batched(conn: psycopg.Connection, worker_id: int, count: int) -> list[int]:
    rows = conn.execute(FETCH_JOBS, {"queues": ["runs"], "worker_id": worker_id, "count": count}).fetchall()
    return [int(r[0]) for r in rows]


def test_the_batched_fetch_takes_the_jobs_procrastinates_own_fetch_takes(pg: psycopg.Connection) -> None:
    with pg.transaction(force_rollback=True):
        worker_id, ids = _seed(pg)
        own = [ids.index(i) for i in _procrastinates_own(pg, worker_id)]
    with pg.transaction(force_rollback=True):
        worker_id, ids = _seed(pg)
        top_two = [ids.index(i) for i in _batched(pg, worker_id, 2)]
        taken = _batched(pg, worker_id, 50)
        rest = [ids.index(i) for i in taken]
        statuses = {r[0] for r in pg.execute("SELECT status FROM procrastinate_jobs WHERE id = ANY(%s)", (taken,))}
    assert own == [3, 1, 0, 7]  # by priority then age; lock L's head only; not M, not later, not other queues
    assert sorted(top_two) == sorted(own[:2])
    assert sorted(top_two + rest) == sorted(own)
    assert statuses == {"doing"}


async def test_two_workers_racing_over_batches_run_each_run_once(queue_rig: Rig) -> None:
    rig = queue_rig
    second = WorkerProcess(  # a second worker beside the rig's, with its own connections
        rig.db_url, lambda _previous: rig.runner, rig.clock, concurrency=5, timing=FAST, install_signal_handlers=False
    )
    second_task = asyncio.create_task(second.run())
    try:
        ids = [await rig.queue(await rig.task(name=f"t{i}")) for i in range(40)]
        rig.submit(ids)
        rig.submit(list(reversed(ids)))  # every run delivered twice: two jobs each
        for execution_id in ids:
            await rig.wait_status(execution_id, "succeeded", within=60)
        await asyncio.sleep(0.3)
    finally:
        second.request_stop()
        await asyncio.wait_for(second_task, 30)
    assert sorted(rig.runner.runs) == sorted(ids)  # nothing ran twice
    async with rig.sessions() as s:
        left = (
            await s.execute(text("SELECT count(*) FROM procrastinate_jobs WHERE status IN ('todo', 'doing')"))
        ).scalar()
    assert left == 0  # every job fetched was finished


async def test_a_batch_of_finishes_with_one_bad_job_finishes_the_others(pg: psycopg.Connection, db_url: str) -> None:
    pg.autocommit = True
    worker_id = pg.execute("SELECT procrastinate_register_worker_v1()").fetchone()[0]  # type: ignore[index]
    ids = [
        pg.execute(
            "INSERT INTO procrastinate_jobs (queue_name, task_name, args, status, worker_id)"
            " VALUES (%s, 't', '{}', 'doing', %s) RETURNING id",
            (RUN_QUEUE, worker_id),
        ).fetchone()[0]  # type: ignore[index]
        for _ in range(3)
    ]
    app = build_app(db_url)
    manager = app.job_manager
    assert isinstance(manager, BatchJobManager)
    async with app.open_async():
        results = await asyncio.gather(
            manager.finish_job_by_id_async(ids[0], jobs.Status.SUCCEEDED, delete_job=True),
            manager.finish_job_by_id_async(10**9, jobs.Status.SUCCEEDED, delete_job=True),  # no such job
            manager.finish_job_by_id_async(ids[1], jobs.Status.FAILED, delete_job=False),
            manager.finish_job_by_id_async(ids[2], jobs.Status.ABORTED, delete_job=False),
            return_exceptions=True,
        )
    assert results[0] is None and results[2] is None and results[3] is None
    assert isinstance(results[1], exceptions.ConnectorException)
    left: dict[int, str] = dict(
        pg.execute("SELECT id, status FROM procrastinate_jobs WHERE id = ANY(%s)", (ids,)).fetchall()
    )
    assert left == {ids[1]: "failed", ids[2]: "aborted"}


async def test_deferring_runs_in_one_statement_makes_the_jobs_procrastinates_defer_makes(
    pg: psycopg.Connection, db_url: str
) -> None:
    pg.autocommit = True
    app = build_app(db_url)
    register_run_task(app, lambda _id, _by_user: asyncio.sleep(0))
    columns = "queue_name, task_name, priority, lock, queueing_lock, scheduled_at, status, attempts, args"
    async with app.open_async():
        await app.configure_task(RUN_TASK, queue=RUN_QUEUE).batch_defer_async({"execution_id": 7})
        (own,) = pg.execute(f"SELECT {columns} FROM procrastinate_jobs").fetchall()
        pg.execute("DELETE FROM procrastinate_jobs")
        pg.execute(f'LISTEN "procrastinate_queue_v1#{RUN_QUEUE}"')
        await defer_runs(app, [7, 3, 12])
        await defer_runs(app, [])
    ours = pg.execute(f"SELECT {columns} FROM procrastinate_jobs ORDER BY id").fetchall()
    assert [r[:-1] for r in ours] == [own[:-1]] * 3
    assert [r[-1] for r in ours] == [own[-1], {"execution_id": 3}, {"execution_id": 12}]
    # Workers are woken as by procrastinate's own defer (its insert trigger): one notification per job.
    assert len(list(pg.notifies(timeout=1, stop_after=3))) == 3
