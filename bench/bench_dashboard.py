"""Dashboard benchmark: the runs list over 100,000 records on PostgreSQL.

Run: ``.venv/bin/python bench/bench_dashboard.py [--records 100000] [--requests 200]``
(needs the PostgreSQL on 127.0.0.1:5432; it creates and drops a scratch database).

``--records`` execution rows over 100 tasks and 100 days (mixed statuses and
triggers, a few manual), then ``GET /ui/runs`` through the whole app in process
(auth, query, template) for: the default first page, a page deep in the list by
cursor, and filters by task, status and trigger. Baseline, same run: the JSON
list ``GET /api/executions?limit=50`` (offset paging with a total count), first
page and the same depth by offset. Target: the default page under 200 ms p99.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import httpx
import psycopg

from app.api.app import create_app
from app.config import Settings
from app.services.notifier import NullListener
from bench.common import pct, scratch_postgres

STATUSES = ["succeeded"] * 85 + ["failed"] * 5 + ["skipped"] * 4 + ["missed"] * 3 + ["timed_out"] * 2 + ["interrupted"]
NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def seed(url: str, records: int, tasks: int = 100) -> None:
    dsn = url.replace("postgresql+asyncpg", "postgresql")
    rnd = random.Random(7)
    with psycopg.connect(dsn) as conn:
        with conn.cursor().copy(
            "COPY tasks (id, name, instructions, schedule_kind, cron, timezone, missed_run_policy, tools, max_steps,"
            " timeout_seconds, max_retries, state, revision, created_at, updated_at) FROM STDIN"
        ) as copy:
            for i in range(1, tasks + 1):
                zone = ("Europe/Berlin", "America/New_York", "UTC", "Asia/Tokyo")[i % 4]
                copy.write_row(
                    (
                        i,
                        f"task {i}",
                        "Report.",
                        "cron",
                        f"{i % 60} * * * *",
                        zone,
                        "skip",
                        "[]",
                        20,
                        300,
                        3,
                        "active",
                        1,
                        NOW - timedelta(days=200),
                        NOW,
                    )
                )
        span = 100 * 86400
        with conn.cursor().copy(
            "COPY executions (task_id, trigger, status, reason, scheduled_for, started_at, finished_at, duration_ms,"
            " trigger_delay_ms, prompt_tokens, completion_tokens, cost_usd, attempt, created_at) FROM STDIN"
        ) as copy:
            for n in range(records):
                task_id = n % tasks + 1
                at = NOW - timedelta(seconds=span * n / records + task_id)
                status = rnd.choice(STATUSES)
                trigger = "manual" if n % 997 == 0 else "schedule"
                ran = status not in ("skipped", "missed")
                copy.write_row(
                    (
                        task_id,
                        trigger,
                        status,
                        None if ran else "the previous run was still going",
                        at,
                        at + timedelta(seconds=1) if ran else None,
                        at + timedelta(seconds=9),
                        8000 if ran else None,
                        1000 if ran else None,
                        900 if ran else None,
                        120 if ran else None,
                        0.0004 if ran else None,
                        1,
                        at,
                    )
                )
        conn.execute("ANALYZE")
        conn.commit()


async def measure(client: httpx.AsyncClient, cases: dict[str, str], n: int) -> dict[str, list[float]]:
    """``n`` timings per case, taken round-robin so that machine noise hits every case alike."""
    for path in cases.values():
        for _ in range(5):  # warm up caches and the connection pool
            assert (await client.get(path)).status_code == 200, path
    out: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(n):
        for name, path in cases.items():
            t0 = time.perf_counter()
            response = await client.get(path)
            out[name].append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200, (path, response.status_code)
    return out


async def main(records: int, requests: int) -> None:
    with scratch_postgres() as url:
        t0 = time.perf_counter()
        seed(url, records)
        print(f"seeded {records:,} records in {time.perf_counter() - t0:.1f} s")
        app = create_app(Settings(database_url=url, scheduler_enabled=False), listener=NullListener())
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as c:
                # Walk to the middle of the list by cursor, as "Older →" does.
                depth = records // 2
                page = (await c.get("/ui/runs")).text
                before = re.search(r"before=([^\"&]+)", page)
                assert before
                deep_at = (await c.get("/api/executions", params={"limit": 1, "offset": depth})).json()["items"][0]
                cursor = f"{deep_at['scheduled_for']}~{deep_at['id']}".replace("+", "%2B")
                cases = {
                    "ui first page (default)": "/ui/runs",
                    f"ui page at depth {depth:,} (cursor)": f"/ui/runs?before={cursor}",
                    "ui filter task": "/ui/runs?task_id=42",
                    "ui filter status=failed": "/ui/runs?status=failed",
                    "ui filter trigger=manual (rare)": "/ui/runs?trigger=manual",
                    "ui filter last 24 h": "/ui/runs?since=2026-11-22T08:00",
                    "baseline api first page": "/api/executions?limit=50",
                    f"baseline api depth {depth:,} (offset)": f"/api/executions?limit=50&offset={depth}",
                }
                results = await measure(c, cases, requests)
        base = statistics.median(results["baseline api first page"])
        print(f"{'case':42} {'median ms':>10} {'p99 ms':>8} {'x api':>7}")
        for name, values in results.items():
            median = statistics.median(values)
            print(f"{name:42} {median:10.1f} {pct(values, 99):8.1f} {median / base:7.2f}")
        p99 = pct(results["ui first page (default)"], 99)
        print(f"default page p99 {p99:.1f} ms: {'OK' if p99 < 200 else 'OVER'} the 200 ms target")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    asyncio.run(main(args.records, args.requests))
