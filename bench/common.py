"""Helpers shared by the benchmarks: a scratch PostgreSQL database (and wiping it), percentiles, RSS."""

from __future__ import annotations

import os
import statistics
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import psutil
import psycopg

from app.db.migrate import upgrade

ADMIN_DSN = os.environ.get("BENCH_PG_ADMIN_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
PG_HOST = os.environ.get("BENCH_PG_HOST", "127.0.0.1:5432")


@contextmanager
def scratch_postgres() -> Iterator[str]:
    """A migrated, throw-away PostgreSQL database; yields its asyncpg URL."""
    name = f"taskrunner_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = f"postgresql+asyncpg://postgres@{PG_HOST}/{name}"
    try:
        upgrade(url)
        yield url
    finally:
        with psycopg.connect(ADMIN_DSN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def dsn(url: str) -> str:
    """The psycopg DSN of an asyncpg database URL."""
    return url.replace("postgresql+asyncpg", "postgresql")


def wipe(url: str) -> None:
    """Empty the scratch database between phases: our tables, procrastinate's, and APScheduler's job store."""
    with psycopg.connect(dsn(url)) as conn:
        conn.execute(
            "TRUNCATE tasks, executions, execution_steps, workers, procrastinate_jobs, procrastinate_workers,"
            " procrastinate_events RESTART IDENTITY CASCADE"
        )
        conn.execute("DROP TABLE IF EXISTS apscheduler_jobs")


def pct(values: Sequence[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def summary(values: Sequence[float]) -> str:
    if not values:
        return "n=0"
    return f"n={len(values)} median={statistics.median(values):.1f} p99={pct(values, 99):.1f} max={max(values):.1f}"


def rss_mb() -> float:
    return psutil.Process().memory_info().rss / 1e6
