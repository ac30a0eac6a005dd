"""Scheduler benchmark: a burst of fires due at one instant, and many stored schedules.

Run: ``.venv/bin/python bench/bench_scheduler.py [--tasks 10000] [--stored 100000]``
(needs the PostgreSQL on 127.0.0.1:5432; it creates and drops a scratch database).

Burst: ``--tasks`` one-time tasks all due at the same instant T, served by the real
app (uvicorn, API + scheduler thread) with a runner that returns at once, while a
separate process calls ``GET /api/tasks`` every 25 ms. Reported: delay from T until
each fire is recorded, until each run started, and API latency during the burst.
Baseline, same run, same database: plain APScheduler 3 (AsyncIOScheduler +
SQLAlchemyJobStore) in the API's event loop, the same number of jobs due at one instant.

Stored: ``--stored`` cron tasks; start-up time of a scheduler leader, its memory,
and CPU spent while idle.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import psutil
import uvicorn
from sqlalchemy import Table, create_engine, insert, text

from app.api.app import create_app
from app.clock import SystemClock
from app.config import Settings
from app.db.engine import create_engine as create_async
from app.db.engine import create_sessionmaker, sync_url
from app.db.models import Task
from app.runner.base import RunOutcome, RunRequest, StepSink
from app.scheduler.core import SchedulerCore
from app.services.notifier import NullListener
from bench.common import rss_mb, scratch_postgres, summary, wipe
from tests.support.live_server import free_port

# Open loop: a request every 25 ms whether or not earlier ones were answered, so a frozen
# server shows up in many samples instead of silently sending fewer requests.
PROBE = r"""
import json, sys, time, httpx
from concurrent.futures import ThreadPoolExecutor
url, start, stop = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
client = httpx.Client(timeout=60, limits=httpx.Limits(max_connections=200))
def one(planned):
    client.get(url).raise_for_status()
    return (time.time() - planned) * 1000
while time.time() < start: time.sleep(0.005)
futures, planned = [], start
with ThreadPoolExecutor(200) as pool:
    while planned < stop:
        time.sleep(max(0.0, planned - time.time()))
        futures.append(pool.submit(one, planned))
        planned += 0.025
    print(json.dumps([f.result() for f in futures]))
"""


class InstantRunner:
    async def run(self, request: RunRequest, *, on_step: StepSink | None = None) -> RunOutcome:
        return RunOutcome(status="succeeded", output="ok")


def bulk_tasks(url: str, n: int, *, due: datetime | None, kinds: str) -> None:
    """Insert ``n`` active tasks directly (what thousands of API calls would leave behind)."""
    engine = create_engine(sync_url(url))
    now = datetime.now(UTC)
    # Stored schedules were created some time ago (a fresh bulk insert would look "just changed").
    created = now - timedelta(hours=1)
    # Daily-or-rarer times, so the idle measurement is not a burst of fires.
    crons = ["0 9 * * 1-5", "45 17 * * 1-5", "30 2 * * *", "0 0 1 * *", "15 6 * * 0,6", "5 4 * * sun"]
    zones = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Tokyo", "Australia/Sydney"]
    rows: list[dict[str, Any]] = []
    for i in range(n):
        row: dict[str, Any] = dict(
            name=f"task {i}",
            instructions="benchmark",
            missed_run_policy="skip",
            tools=[],
            max_steps=5,
            timeout_seconds=60,
            max_retries=0,
            state="active",
            revision=1,
            created_at=created,
            updated_at=created,
            last_fire_at=now,
            timezone=zones[i % len(zones)],
            description=None,
            parse_info=None,
            model=None,
            cron=None,
            run_at=None,
            every_seconds=None,
            interval_anchor=None,
        )
        if kinds == "once":
            row.update(schedule_kind="once", run_at=due, next_run_at=due, timezone="UTC")
        else:
            from app.schedules import compile_schedule
            from app.schedules.spec import CronSpec

            spec = CronSpec(cron=crons[i % len(crons)], timezone=row["timezone"])
            row.update(
                schedule_kind="cron",
                cron=spec.cron,
                next_run_at=compile_schedule(spec, anchor=now).next_fire(now),
            )
        rows.append(row)
    with engine.begin() as conn:
        for i in range(0, n, 5000):
            conn.execute(insert(cast(Table, Task.__table__)), rows[i : i + 5000])
    engine.dispose()


def start_probe(port: int, start: float, stop: float) -> subprocess.Popen[str]:
    url = f"http://127.0.0.1:{port}/api/tasks?limit=1"
    return subprocess.Popen(
        [sys.executable, "-c", PROBE, url, str(start), str(stop)], stdout=subprocess.PIPE, text=True
    )


class Server:
    """uvicorn in a background thread (so the probe and the checks stay outside its loop)."""

    def __init__(self, app: Any, port: int) -> None:
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> Server:
        self.thread.start()
        while not self.server.started:
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(60)


def burst_ours(url: str, n: int) -> dict[str, Any]:
    wipe(url)
    due = (datetime.now(UTC) + timedelta(seconds=12)).replace(microsecond=0)
    bulk_tasks(url, n, due=due, kinds="once")
    port = free_port()
    # Today's one-process path: the leader runs runs in its own loop (bench_workers.py: worker processes).
    settings = Settings(
        database_url=url, max_concurrent_runs=200, log_level="WARNING", log_format="json", run_queue="in-process"
    )
    app = create_app(settings, runner_factory=lambda _previous_runs: InstantRunner())
    with Server(app, port):
        probe = start_probe(port, due.timestamp() - 2, due.timestamp() + 8)
        engine = create_engine(sync_url(url))
        deadline = time.time() + 120
        with engine.connect() as conn:
            while time.time() < deadline:
                done = conn.execute(text("SELECT count(*) FROM executions WHERE status='succeeded'")).scalar()
                if done == n and time.time() > due.timestamp() + 8:
                    break
                time.sleep(0.2)
            rows = conn.execute(
                text(
                    "SELECT extract(epoch from created_at - scheduled_for) * 1000,"
                    " extract(epoch from started_at - scheduled_for) * 1000 FROM executions"
                )
            ).all()
        engine.dispose()
        latencies = json.loads(probe.communicate(timeout=60)[0])
    recorded = [float(r[0]) for r in rows]
    started = [float(r[1]) for r in rows if r[1] is not None]
    return {"recorded_ms": recorded, "started_ms": started, "api_ms": latencies, "n": len(rows)}


FIRED: list[float] = []


async def baseline_job() -> None:
    FIRED.append(time.time())


def burst_baseline(url: str, n: int) -> dict[str, Any]:
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    wipe(url)
    FIRED.clear()
    port = free_port()
    settings = Settings(database_url=url, scheduler_enabled=False, log_level="WARNING", log_format="json")
    app = create_app(settings, listener=NullListener())
    holder: dict[str, Any] = {}
    with Server(app, port) as server:
        loop: asyncio.AbstractEventLoop = server.server.servers[0].get_loop()

        def make() -> None:
            store = SQLAlchemyJobStore(url=sync_url(url))
            scheduler = AsyncIOScheduler(jobstores={"default": store}, event_loop=loop, timezone=UTC)
            scheduler.start(paused=True)
            holder["s"] = scheduler

        loop.call_soon_threadsafe(make)
        while "s" not in holder:
            time.sleep(0.01)
        scheduler = holder["s"]
        t0 = time.perf_counter()
        sample = 200
        far = datetime.now(UTC) + timedelta(days=1)
        for i in range(sample):
            scheduler.add_job(baseline_job, "date", run_date=far, id=f"cal{i}", misfire_grace_time=None)
        per_add = (time.perf_counter() - t0) / sample
        scheduler.remove_all_jobs()
        due = (datetime.now(UTC) + timedelta(seconds=per_add * n * 1.5 + 8)).replace(microsecond=0)
        add_started = time.perf_counter()
        for i in range(n):
            scheduler.add_job(baseline_job, "date", run_date=due, id=str(i), misfire_grace_time=None)
        add_seconds = time.perf_counter() - add_started
        loop.call_soon_threadsafe(scheduler.resume)
        probe = start_probe(port, due.timestamp() - 2, due.timestamp() + 8)
        deadline = time.time() + 300
        while len(FIRED) < n and time.time() < deadline:
            time.sleep(0.2)
        latencies = json.loads(probe.communicate(timeout=120)[0])
        loop.call_soon_threadsafe(scheduler.shutdown, False)
    fired = [(t - due.timestamp()) * 1000 for t in FIRED]
    return {"started_ms": fired, "api_ms": latencies, "n": len(fired), "add_ms": add_seconds * 1000 / n}


async def stored_ours(url: str) -> dict[str, float]:
    engine = create_async(url)
    rss0 = rss_mb()
    core = SchedulerCore(create_sessionmaker(engine), InstantRunner(), SystemClock(), poll_interval=2.0)
    t0 = time.perf_counter()
    await core.start()
    startup = time.perf_counter() - t0
    rss1 = rss_mb()
    await core.drain()
    await asyncio.sleep(2)  # let start-up writes settle before measuring idle
    proc = psutil.Process()
    cpu0 = sum(proc.cpu_times()[:2])
    await asyncio.sleep(10)
    idle_cpu = sum(proc.cpu_times()[:2]) - cpu0
    await core.stop(1)
    await engine.dispose()
    return {
        "startup_s": startup,
        "rss_mb": rss1,
        "rss_growth_mb": rss1 - rss0,
        "idle_cpu_pct": idle_cpu / 10 * 100,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--stored", type=int, default=100_000)
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--stored-phase", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stored_phase:
        from app.logging import configure

        configure("WARNING", "json")
        print(json.dumps(asyncio.run(stored_ours(args.stored_phase))))
        return
    from app.logging import configure

    configure("WARNING", "json")
    with scratch_postgres() as url:
        print(f"== burst: {args.tasks} tasks due at the same instant (PostgreSQL, 2 cores)")
        ours = burst_ours(url, args.tasks)
        print(f"taskrunner  fire recorded after T (ms): {summary(ours['recorded_ms'])}")
        print(f"taskrunner  run started after T (ms):   {summary(ours['started_ms'])}")
        print(f"taskrunner  API latency in burst (ms):  {summary(ours['api_ms'])}")
        if not args.skip_baseline:
            base = burst_baseline(url, args.tasks)
            print(f"APScheduler job started after T (ms):   {summary(base['started_ms'])}")
            print(f"APScheduler API latency in burst (ms):  {summary(base['api_ms'])}")
            print(f"APScheduler add_job with SQLAlchemyJobStore: {base['add_ms']:.2f} ms per job")
            from bench.common import pct

            for label, a, b in [
                ("p99 start delay", pct(ours["started_ms"], 99), pct(base["started_ms"], 99)),
                ("p99 API latency", pct(ours["api_ms"], 99), pct(base["api_ms"], 99)),
            ]:
                print(f"ratio {label}: taskrunner/APScheduler = {a / b:.3f} ({a:.0f} ms vs {b:.0f} ms)")
        print(f"== stored: {args.stored} cron tasks (fresh process)")
        wipe(url)
        bulk_tasks(url, args.stored, due=None, kinds="cron")
        out = subprocess.run(
            [sys.executable, __file__, "--stored-phase", url], capture_output=True, text=True, check=True
        ).stdout
        stored = json.loads(out.strip().splitlines()[-1])
        print(
            f"taskrunner  start-up {stored['startup_s']:.2f} s, RSS {stored['rss_mb']:.0f} MB "
            f"(+{stored['rss_growth_mb']:.0f} MB for the schedules), idle CPU {stored['idle_cpu_pct']:.2f} %"
        )


if __name__ == "__main__":
    main()
