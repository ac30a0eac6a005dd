"""Chaos with real processes: workers killed, stopped, and the leader failing over while they run."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support import database
from tests.support.openai_stub import StubProcess, serve_in_process
from tests.support.processes import wait_for
from tests.workers.processes import Proc, create_and_run, rows, slow_replies, worker_ids

pytestmark = pytest.mark.slow


@pytest.fixture
def pg_url() -> Iterator[str]:
    if "postgresql" not in database.selected_backends():
        pytest.skip("PostgreSQL not selected (TEST_DATABASES)")
    url = database.create_postgres_database()
    database.migrate(url)
    yield url
    database.drop_postgres_database(url)


@pytest.fixture
def stub() -> Iterator[StubProcess]:
    with serve_in_process(slow_replies) as s:
        yield s


def status_of(url: str, execution_id: int) -> tuple[str, str | None, str | None]:
    ((status, reason, worker),) = rows(
        url, "SELECT status, reason, worker_id FROM executions WHERE id = %s", execution_id
    )
    return status, reason, worker


def test_kill_9_of_a_worker_settles_its_runs_and_nothing_runs_twice(
    pg_url: str, stub: StubProcess, tmp_path: Path
) -> None:
    server = Proc(["serve", "--no-worker"], pg_url, tmp_path / "serve.log", stub.api_base)
    doomed = Proc(["worker", "--concurrency", "4"], pg_url, tmp_path / "w1.log", stub.api_base)
    try:
        server.wait_ready()
        wait_for(lambda: len(worker_ids(pg_url)) == 1, 60, "the first worker")
        (doomed_id,) = worker_ids(pg_url)
        _, lost = create_and_run(server.base, "lost", "SLOW")
        _, retried = create_and_run(server.base, "retried", "SLOW", retry_on_interrupt=True, max_retries=1)
        wait_for(lambda: status_of(pg_url, lost)[0] == status_of(pg_url, retried)[0] == "running", 20, "both running")
        survivor = Proc(["worker"], pg_url, tmp_path / "w2.log", stub.api_base, WORKER_STOP_GRACE_SECONDS="1")
        try:
            wait_for(lambda: len(worker_ids(pg_url)) == 2, 60, "the second worker")
            killed_at = time.monotonic()
            doomed.stop(signal.SIGKILL)
            wait_for(lambda: status_of(pg_url, lost)[0] == "interrupted", 60, "the lost run settled")
            assert time.monotonic() - killed_at < 60
            _status, reason, worker = status_of(pg_url, lost)
            assert worker == doomed_id and reason and doomed_id in reason
            # The retried task: a new attempt on the surviving worker, linked to the first.
            wait_for(
                lambda: len(rows(pg_url, "SELECT 1 FROM executions WHERE retry_of = %s", retried)) == 1, 30, "a retry"
            )
            ((retry_id, attempt, trigger),) = rows(
                pg_url, "SELECT id, attempt, trigger FROM executions WHERE retry_of = %s", retried
            )
            assert (attempt, trigger) == (2, "retry")
            assert status_of(pg_url, retried)[0] == "interrupted"
            # Its instructions say SLOW: it outlives the test, but must run on the survivor, once.
            wait_for(lambda: status_of(pg_url, retry_id)[0] == "running", 30, "the retry running")
            assert status_of(pg_url, retry_id)[2] != doomed_id
        finally:
            assert survivor.stop() == 0
    finally:
        server.stop()
        if doomed.proc.poll() is None:
            doomed.stop(signal.SIGKILL)
    left = rows(pg_url, "SELECT id, status FROM executions WHERE status IN ('running', 'queued')")
    assert left == [], left
    per_task = rows(pg_url, "SELECT task_id, count(*) FROM executions GROUP BY task_id ORDER BY task_id")
    assert [n for _t, n in per_task] == [1, 2]  # the lost run once; the retried task: two attempts, no more


def test_sigterm_lets_short_runs_finish_within_the_grace_period_then_interrupts(
    pg_url: str, stub: StubProcess, tmp_path: Path
) -> None:
    server = Proc(["serve", "--no-worker"], pg_url, tmp_path / "serve.log", stub.api_base)
    worker = Proc(["worker"], pg_url, tmp_path / "w.log", stub.api_base, WORKER_STOP_GRACE_SECONDS="4")
    try:
        server.wait_ready()
        wait_for(lambda: len(worker_ids(pg_url)) == 1, 60, "the worker")
        (worker_id,) = worker_ids(pg_url)
        _, short = create_and_run(server.base, "short", "MEDIUM")
        _, long = create_and_run(server.base, "long", "SLOW")
        wait_for(lambda: status_of(pg_url, short)[0] == status_of(pg_url, long)[0] == "running", 20, "both running")
        stopped_at = time.monotonic()
        assert worker.stop(signal.SIGTERM, timeout=30) == 0
        assert time.monotonic() - stopped_at < 4 + 15  # the grace period, then cut off (a loaded machine)
        assert status_of(pg_url, short)[0] == "succeeded"
        status, reason, _ = status_of(pg_url, long)
        assert status == "interrupted" and reason and worker_id in reason
        assert rows(pg_url, "SELECT stopped_at IS NOT NULL FROM workers WHERE id = %s", worker_id) == [(True,)]
    finally:
        server.stop()
        if worker.proc.poll() is None:
            worker.stop(signal.SIGKILL)


def test_leader_failover_leaves_runs_on_workers_alone(pg_url: str, stub: StubProcess, tmp_path: Path) -> None:
    first = Proc(["serve", "--no-worker"], pg_url, tmp_path / "a.log", stub.api_base)
    worker = Proc(["worker"], pg_url, tmp_path / "w.log", stub.api_base)
    second: Proc | None = None
    try:
        first.wait_ready()
        wait_for(lambda: first.role() == "leader", 15, "the first leader")
        second = Proc(["serve", "--no-worker"], pg_url, tmp_path / "b.log", stub.api_base)
        second.wait_ready()
        assert second.role() == "standby"
        wait_for(lambda: len(worker_ids(pg_url)) == 1, 60, "the worker")
        _, run = create_and_run(first.base, "medium", "MEDIUM MEDIUM")
        wait_for(lambda: status_of(pg_url, run)[0] == "running", 20, "the run on the worker")
        first.stop(signal.SIGKILL)
        wait_for(lambda: second is not None and second.role() == "leader", 20, "the standby leading")
        wait_for(lambda: status_of(pg_url, run)[0] != "running", 30, "the run to end")
        assert status_of(pg_url, run)[0] == "succeeded"
        # The new leader sees the live worker and its runs in its overview.
        workers = httpx.get(second.base + "/api/workers", timeout=5).json()
        assert any(w["alive"] and w["kind"] == "worker" for w in workers["items"])
    finally:
        if first.proc.poll() is None:
            first.stop(signal.SIGKILL)
        if second is not None:
            second.stop()
        worker.stop()
