"""A real PostgreSQL restart under a running service: 503s during it, no fire lost after it."""

from __future__ import annotations

import itertools
import shutil
import subprocess
import time
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import psycopg
import pytest

from tests.e2e.test_leadership import Instance, wait_for

PG_VERSION = next(iter(sorted(p.name for p in Path("/etc/postgresql").glob("*"))), None)


def pg(action: str) -> None:
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", str(PG_VERSION), "main", action, "-m", "fast"]
        if action == "stop"
        else ["pg_ctlcluster", "--skip-systemctl-redirect", str(PG_VERSION), "main", action],
        check=True,
        capture_output=True,
    )


def scheduled_times(url: str) -> list[datetime]:
    dsn = url.replace("postgresql+asyncpg", "postgresql")
    with psycopg.connect(dsn) as conn:
        return [r[0] for r in conn.execute("SELECT scheduled_for FROM executions ORDER BY scheduled_for")]


def api_status(base: str) -> int:
    try:
        return httpx.get(base + "/api/tasks", timeout=5).status_code
    except httpx.HTTPError:
        return 0


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("pg_ctlcluster") is None or PG_VERSION is None, reason="needs a local cluster")
def test_service_survives_a_postgres_restart(pg_url: str, tmp_path: Path) -> None:
    instance = Instance(pg_url, tmp_path / "a.log")
    instance.wait_ready()
    try:
        wait_for(lambda: instance.role() == "leader", 15, "leadership")
        created = httpx.post(
            instance.base + "/api/tasks",
            json={"name": "tick", "instructions": "x", "schedule": {"kind": "interval", "every_seconds": 2}},
            timeout=10,
        )
        assert created.status_code == 201, created.text
        wait_for(lambda: len(scheduled_times(pg_url)) >= 2, 20, "fires before the outage")
        pg("stop")
        try:
            wait_for(lambda: api_status(instance.base) == 503, 15, "503 during the outage")
            body = httpx.get(instance.base + "/api/tasks", timeout=5).json()
            assert body["error"]["code"] == "database_unavailable"
            assert httpx.get(instance.base + "/readyz", timeout=5).status_code == 503
            assert httpx.get(instance.base + "/healthz", timeout=5).status_code == 200
            time.sleep(4)  # fires fall due while the database is down
        finally:
            pg("start")
        wait_for(lambda: api_status(instance.base) == 200, 30, "the API to recover")
        outage_end = datetime.now().astimezone()
        wait_for(
            lambda: scheduled_times(pg_url)[-1] > outage_end + timedelta(seconds=2),
            40,
            "fires after the outage",
        )
    finally:
        instance.stop()
    times = scheduled_times(pg_url)
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert all(g == timedelta(seconds=2) for g in gaps), f"a fire was lost or doubled: {gaps}"
