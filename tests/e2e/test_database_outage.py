"""A database outage under a running service: 503s during it, no fire lost or doubled after it.

The outage is made by cutting a TCP proxy between this one service and the shared
PostgreSQL server: the server keeps serving everyone else. Nothing here stops,
restarts or reconfigures it.
"""

from __future__ import annotations

import itertools
import time
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import psycopg
import pytest
from sqlalchemy.engine import make_url

from tests.support.processes import Instance, wait_for
from tests.support.tcp_proxy import TcpProxy


def scheduled_times(url: str) -> list[datetime]:
    dsn = url.replace("postgresql+asyncpg", "postgresql")
    with psycopg.connect(dsn) as conn:
        return [r[0] for r in conn.execute("SELECT scheduled_for FROM executions ORDER BY scheduled_for")]


def api_status(base: str) -> int:
    try:
        return httpx.get(base + "/api/tasks", timeout=5).status_code
    except httpx.HTTPError:
        return 0


def through(proxy: TcpProxy, url: str) -> str:
    """The same database URL, reached through ``proxy``."""
    return make_url(url).set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)


@pytest.mark.slow
def test_service_survives_a_database_outage(pg_url: str, tmp_path: Path) -> None:
    target = make_url(pg_url)
    with TcpProxy(target.host or "127.0.0.1", target.port or 5432) as proxy:
        instance = Instance(through(proxy, pg_url), tmp_path / "a.log")
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
            proxy.cut()
            try:
                wait_for(lambda: api_status(instance.base) == 503, 15, "503 during the outage")
                body = httpx.get(instance.base + "/api/tasks", timeout=5).json()
                assert body["error"]["code"] == "database_unavailable"
                ready = httpx.get(instance.base + "/readyz", timeout=5)
                assert ready.status_code == 503
                assert ready.json()["error"]["message"] == "database unreachable"
                assert httpx.get(instance.base + "/healthz", timeout=5).status_code == 200
                time.sleep(4)  # fires fall due while the database is unreachable
            finally:
                proxy.restore()
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
