"""Workers benchmark: runs spread over worker processes on procrastinate (PostgreSQL).

Run: ``.venv/bin/python bench/bench_workers.py [--runs 600] [--tasks 10000] [--skip-burst]
[--concurrency 100] [--stub-delay 1.0]``
(needs the PostgreSQL on 127.0.0.1:5432; it creates and drops scratch databases).

1. Throughput: ``--runs`` queued runs, each three LLM calls (two tool calls, then an
   answer) to the local stub (in its own process; ``--stub-delay`` seconds per call, 1 s
   by default, 0 answers at once), run by the real agent runner. Measured from the first
   run started to the last finished, same run: today's in-process dispatcher (``serve``
   with ``RUN_QUEUE=in-process``), then 1 and 2 ``taskrunner worker`` processes behind
   ``serve --no-worker``, each allowed ``--concurrency`` runs at once (the same for
   both: with LLM calls that take time, runs at once decide throughput).
2. Burst: ``--tasks`` one-time tasks due at one instant T, ``serve --no-worker`` (API +
   scheduler, in this process) plus 2 worker processes with a runner that returns at
   once, while a probe calls ``GET /api/tasks`` every 25 ms: delay from T until each fire
   is recorded and each run started, and API latency. Baselines: the in-process
   dispatcher in ``bench_scheduler.py``'s own burst and plain APScheduler.
3. Queue cost per run: N runs through procrastinate (defer, fetch, claim, finish) and
   through the in-process executor (claim, finish) in this process with an instant
   runner; CPU ms and database round trips per run, and their difference.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import psycopg
from sqlalchemy import Table, create_engine, event, insert, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.clock import SystemClock
from app.db.engine import create_engine as create_async
from app.db.engine import create_sessionmaker, sync_url
from app.db.models import Execution
from app.scheduler.writer import RecordWriter
from app.workers.base import WorkerTiming
from app.workers.in_process import InProcessExecutor
from app.workers.queue import ProcrastinateExecutor
from app.workers.worker import WorkerProcess
from bench.bench_runner import responder
from bench.bench_scheduler import InstantRunner, Server, bulk_tasks, burst_baseline, burst_ours, start_probe
from bench.common import dsn, pct, scratch_postgres, summary, wipe
from tests.support.live_server import free_port
from tests.support.openai_stub import serve_in_process

ROOT = Path(__file__).resolve().parents[1]


def queue_runs(url: str, n: int) -> None:
    """``n`` tasks, each with one queued manual run (what ``POST /api/tasks/{id}/run`` leaves)."""
    bulk_tasks(url, n, due=None, kinds="cron")
    now = datetime.now(UTC)
    engine = create_engine(sync_url(url))
    with engine.begin() as conn:
        ids = [r[0] for r in conn.execute(text("SELECT id FROM tasks ORDER BY id"))]
        conn.execute(
            insert(cast(Table, Execution.__table__)),
            [
                dict(task_id=i, trigger="manual", status="queued", scheduled_for=now, attempt=1, created_at=now)
                for i in ids
            ],
        )
    engine.dispose()


def spawn(args: list[str], url: str, api_base: str, **env: str) -> subprocess.Popen[bytes]:
    full = {
        **os.environ,
        "DATABASE_URL": url,
        "LLM_MODEL": "openai/stub",
        "LLM_API_BASE": api_base,
        "LLM_API_KEY": "sk-test",
        "LOG_LEVEL": "WARNING",
        "LOG_FORMAT": "json",
        "PORT": str(free_port()),
        **env,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "app.cli.main", *args],
        cwd=ROOT,
        env=full,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait_done(url: str, n: int, timeout: float) -> tuple[float, int]:
    """Seconds from the first run started to the last finished, and runs succeeded."""
    deadline = time.time() + timeout
    with psycopg.connect(dsn(url), autocommit=True) as conn:
        while time.time() < deadline:
            done = conn.execute("SELECT count(*) FROM executions WHERE status NOT IN ('queued', 'running')").fetchone()
            if done and done[0] >= n:
                break
            time.sleep(0.3)
        row = conn.execute(
            "SELECT extract(epoch from max(finished_at) - min(started_at)), count(*) FILTER (WHERE status='succeeded')"
            " FROM executions"
        ).fetchone()
    assert row is not None
    return float(row[0] or 0.0), int(row[1])


def throughput(url: str, api_base: str, n: int, workers: int, concurrency: int) -> float:
    """Runs per second: ``workers`` = 0 is today's in-process dispatcher inside serve."""
    wipe(url)
    procs: list[subprocess.Popen[bytes]] = []
    try:
        if workers == 0:
            queue_runs(url, n)
            procs.append(spawn(["serve"], url, api_base, RUN_QUEUE="in-process", MAX_CONCURRENT_RUNS=str(concurrency)))
        else:
            procs.append(spawn(["serve", "--no-worker"], url, api_base))
            procs += [spawn(["worker", "--concurrency", str(concurrency)], url, api_base) for _ in range(workers)]
            with psycopg.connect(dsn(url), autocommit=True) as conn:
                deadline = time.time() + 60
                while time.time() < deadline:
                    alive = conn.execute("SELECT count(*) FROM workers WHERE stopped_at IS NULL").fetchone()
                    if alive and alive[0] >= workers:
                        break
                    time.sleep(0.2)
            queue_runs(url, n)
        seconds, ok = wait_done(url, n, 600)
        if ok != n:
            print(f"  warning: {ok} of {n} runs succeeded")
        return n / seconds
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(60)


# -- the burst ---------------------------------------------------------------------------------


def worker_phase(url: str) -> None:
    """A worker process whose runner returns at once (the burst measures the queue, not the LLM)."""
    from app.logging import configure

    configure("WARNING", "json")
    process = WorkerProcess(url, lambda _prev: InstantRunner(), SystemClock(), concurrency=100)
    asyncio.run(process.run())


def burst_workers(url: str, n: int) -> dict[str, Any]:
    from app.api.app import create_app
    from app.config import Settings

    wipe(url)
    due = (datetime.now(UTC) + timedelta(seconds=20)).replace(microsecond=0)
    bulk_tasks(url, n, due=due, kinds="once")
    workers = [subprocess.Popen([sys.executable, __file__, "--worker-phase", url], cwd=ROOT) for _ in range(2)]
    port = free_port()
    settings = Settings(database_url=url, run_worker=False, log_level="WARNING", log_format="json")
    app = create_app(settings, runner_factory=lambda _previous_runs: InstantRunner())
    try:
        with Server(app, port):
            probe = start_probe(port, due.timestamp() - 2, due.timestamp() + 8)
            deadline = time.time() + 180
            with psycopg.connect(dsn(url), autocommit=True) as conn:
                while time.time() < deadline:
                    row = conn.execute("SELECT count(*) FROM executions WHERE status='succeeded'").fetchone()
                    if row and row[0] == n and time.time() > due.timestamp() + 8:
                        break
                    time.sleep(0.2)
                rows = conn.execute(
                    "SELECT extract(epoch from created_at - scheduled_for) * 1000,"
                    " extract(epoch from started_at - scheduled_for) * 1000, status FROM executions"
                ).fetchall()
            latencies = json.loads(probe.communicate(timeout=60)[0])
    finally:
        for w in workers:
            w.terminate()
        for w in workers:
            w.wait(60)
    statuses: dict[str, int] = {}
    for r in rows:
        statuses[r[2]] = statuses.get(r[2], 0) + 1
    return {
        "recorded_ms": [float(r[0]) for r in rows],
        "started_ms": [float(r[1]) for r in rows if r[1] is not None],
        "api_ms": latencies,
        "statuses": statuses,
    }


# -- queue cost --------------------------------------------------------------------------------


class RoundTrips:
    """Counts statements sent on our SQLAlchemy engine and procrastinate's connector (plus BEGIN/COMMIT)."""

    def __init__(self) -> None:
        self.count = 0

    def sqlalchemy(self, engine: Any) -> None:
        def bump(*_a: Any, **_k: Any) -> None:
            self.count += 1

        event.listen(engine.sync_engine, "before_cursor_execute", bump)
        event.listen(engine.sync_engine, "begin", bump)
        event.listen(engine.sync_engine, "commit", bump)

    def procrastinate(self, connector: Any) -> None:
        for name in ("execute_query_async", "execute_query_one_async", "execute_query_all_async"):
            original = getattr(connector, name)

            async def counted(*a: Any, _original: Any = original, **k: Any) -> Any:
                self.count += 1
                return await _original(*a, **k)

            setattr(connector, name, counted)


@dataclass
class Queued:
    """``n`` queued runs and what records them in this process: sessions, a clock, the record writer."""

    ids: list[int]
    sessions: async_sessionmaker[AsyncSession]
    clock: SystemClock
    writer: RecordWriter
    trips: RoundTrips


@asynccontextmanager
async def queued(url: str, n: int) -> AsyncIterator[Queued]:
    """``n`` queued runs on the emptied database, with a started record writer whose statements are counted."""
    wipe(url)
    queue_runs(url, n)
    engine = create_async(url)
    trips = RoundTrips()
    trips.sqlalchemy(engine)
    sessions = create_sessionmaker(engine)
    clock = SystemClock()
    writer = RecordWriter(sessions, clock)
    writer.start()
    with psycopg.connect(dsn(url)) as conn:
        ids = [r[0] for r in conn.execute("SELECT id FROM executions ORDER BY id")]
    try:
        yield Queued(ids=ids, sessions=sessions, clock=clock, writer=writer, trips=trips)
    finally:
        await writer.close()
        await engine.dispose()


async def cost_in_process(url: str, n: int) -> tuple[float, float]:
    async with queued(url, n) as q:
        executor = InProcessExecutor(
            q.sessions,
            InstantRunner(),
            q.writer,
            q.clock,
            max_concurrent_runs=20,
            timing=WorkerTiming(heartbeat_seconds=3600),
        )
        await executor.start()
        q.trips.count = 0
        cpu = time.process_time()
        executor.submit(q.ids)
        while executor.busy():
            await asyncio.gather(*executor.busy())
        while q.writer.backlog:  # noqa: ASYNC110
            await asyncio.sleep(0.001)
        cpu = time.process_time() - cpu
        count = q.trips.count
        await executor.stop(1)
    return cpu * 1000 / n, count / n


async def cost_queue(url: str, n: int) -> tuple[float, float]:
    from app.workers.fetching import BatchWorker
    from app.workers.queue import RUN_QUEUE, register_run_task
    from app.workers.running import RunProcessor

    async with queued(url, n) as q:
        scheduler_side = ProcrastinateExecutor(url, q.sessions, q.clock)
        q.trips.procrastinate(scheduler_side._app.connector)
        await scheduler_side.start()
        processor = RunProcessor(q.sessions, InstantRunner(), q.writer, q.clock, worker_id="w-bench")
        from app.workers.queue import build_app

        app = build_app(url, pool_size=10)
        q.trips.procrastinate(app.connector)

        async def run_one(execution_id: int, by_user: Any) -> None:
            await processor.process(execution_id, cancelled_by_user=by_user)

        register_run_task(app, run_one)
        async with app.open_async():
            q.trips.count = 0
            cpu = time.process_time()
            scheduler_side.submit(q.ids)
            while scheduler_side.backlog:  # noqa: ASYNC110
                await asyncio.sleep(0.001)
            worker = BatchWorker(
                app,
                queues=[RUN_QUEUE],
                concurrency=20,
                wait=False,
                install_signal_handlers=False,
                delete_jobs="successful",
                listen_notify=False,
            )
            await worker.run()  # type: ignore[no-untyped-call]
            while q.writer.backlog:  # noqa: ASYNC110
                await asyncio.sleep(0.001)
            cpu = time.process_time() - cpu
            count = q.trips.count
        await scheduler_side.stop(1)
    return cpu * 1000 / n, count / n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=600)
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--cost-runs", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=100, help="runs at once, per process (throughput)")
    parser.add_argument("--stub-delay", type=float, default=1.0, help="seconds per LLM call at the stub")
    parser.add_argument("--skip-burst", action="store_true")
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--skip-cost", action="store_true")
    parser.add_argument("--worker-phase", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker_phase:
        worker_phase(args.worker_phase)
        return
    from app.logging import configure

    configure("WARNING", "json")
    with scratch_postgres() as url:
        if not args.skip_cost:
            print(f"== queue cost: {args.cost_runs} runs, instant runner, one process")
            in_cpu, in_trips = asyncio.run(cost_in_process(url, args.cost_runs))
            q_cpu, q_trips = asyncio.run(cost_queue(url, args.cost_runs))
            print(f"in-process executor (claim + finish):            {in_cpu:.2f} ms CPU, {in_trips:.1f} trips/run")
            print(f"procrastinate (defer + fetch + claim + finish):  {q_cpu:.2f} ms CPU, {q_trips:.1f} trips/run")
            print(f"queue cost per run: +{q_cpu - in_cpu:.2f} ms CPU, +{q_trips - in_trips:.1f} round trips")
        if not args.skip_throughput:
            os.environ["BENCH_STUB_DELAY"] = str(args.stub_delay)  # read by the stub's own process
            print(
                f"== throughput: {args.runs} runs x 3 LLM calls, stub {args.stub_delay:g} s per call (own process),"
                f" {args.concurrency} runs at once per process"
            )
            with serve_in_process(responder) as stub:
                base = throughput(url, stub.api_base, args.runs, 0, args.concurrency)
                one = throughput(url, stub.api_base, args.runs, 1, args.concurrency)
                two = throughput(url, stub.api_base, args.runs, 2, args.concurrency)
            print(f"in-process dispatcher (serve):  {base:.1f} runs/s")
            print(f"1 worker process:               {one:.1f} runs/s  ({one / base:.2f}x in-process)")
            print(f"2 worker processes:             {two:.1f} runs/s  ({two / one:.2f}x one worker)")
        if not args.skip_burst:
            print(f"== burst: {args.tasks} tasks due at one instant, serve --no-worker + 2 workers")
            ours = burst_workers(url, args.tasks)
            print(f"workers     fire recorded after T (ms): {summary(ours['recorded_ms'])}")
            print(f"workers     run started after T (ms):   {summary(ours['started_ms'])}")
            print(f"workers     API latency in burst (ms):  {summary(ours['api_ms'])}")
            print(f"workers     outcomes: {ours['statuses']}")
            today = burst_ours(url, args.tasks)
            print(f"in-process  fire recorded after T (ms): {summary(today['recorded_ms'])}")
            print(f"in-process  run started after T (ms):   {summary(today['started_ms'])}")
            print(f"in-process  API latency in burst (ms):  {summary(today['api_ms'])}")
            aps = burst_baseline(url, args.tasks)
            print(f"APScheduler job started after T (ms):   {summary(aps['started_ms'])}")
            print(f"APScheduler API latency in burst (ms):  {summary(aps['api_ms'])}")
            for label, a, b in [
                ("p99 start delay", pct(ours["started_ms"], 99), pct(aps["started_ms"], 99)),
                ("p99 API latency", pct(ours["api_ms"], 99), pct(aps["api_ms"], 99)),
            ]:
                print(f"ratio {label}: workers/APScheduler = {a / b:.3f} ({a:.0f} ms vs {b:.0f} ms)")


if __name__ == "__main__":
    main()
