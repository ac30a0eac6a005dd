"""Run conditions on the procrastinate worker path (PostgreSQL): checked by the worker that claims the run."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.workers.worker import WorkerProcess
from tests.triggers.test_conditions import Site, checker, site  # noqa: F401
from tests.workers.conftest import FAST, Rig


@pytest.fixture
async def worker_rig(db_url: str, sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[Rig]:
    """The procrastinate rig, its worker checking conditions against the loopback site."""
    if not db_url.startswith("postgresql"):
        pytest.skip("procrastinate runs on PostgreSQL only")
    rig = Rig("procrastinate", db_url, sessions)
    rig.writer.start()
    await rig.executor.start()
    rig.worker = WorkerProcess(
        db_url,
        lambda _previous: rig.runner,
        rig.clock,
        concurrency=2,
        stop_grace_seconds=0.5,
        timing=FAST,
        install_signal_handlers=False,
        conditions=checker(),
    )
    rig._worker_task = asyncio.create_task(rig.worker.run())
    try:
        yield rig
    finally:
        with contextlib.suppress(Exception):
            await rig.stop()


async def test_the_worker_skips_unchanged_content_without_running_the_agent(
    worker_rig: Rig,
    site: Site,  # noqa: F811
) -> None:
    rig = worker_rig
    task_id = await rig.task(condition={"url_changed": site.url("/feed")})
    now = datetime.now(UTC)
    first = await rig.queue(task_id, at=now - timedelta(minutes=2))
    rig.submit([first])
    assert (await rig.wait_status(first, "succeeded")).condition_result is not None
    second = await rig.queue(task_id, at=now - timedelta(minutes=1))
    rig.submit([second])
    skipped = await rig.wait_status(second, "skipped")
    assert skipped.reason == f"condition not met: content at {site.url('/feed')} unchanged since run {first}"
    assert rig.worker is not None and skipped.worker_id == rig.worker.worker_id  # the worker checked it
    site.body = b"release 2.0"
    third = await rig.queue(task_id, at=now)
    rig.submit([third])
    ran = await rig.wait_status(third, "succeeded")
    assert ran.condition_result == f"content at {site.url('/feed')} changed since run {second}"
    assert rig.runner.runs == [first, third]
