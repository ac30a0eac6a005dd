"""The gate's batched claim: runs of unshared tasks claimed together, the rest alone, across two gates."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.clock import SystemClock
from app.db.engine import create_engine, create_sessionmaker
from app.db.models import Execution, Task
from app.db.repositories import ExecutionRepository, FireRow
from app.db.repositories.controls import ClaimTarget, ControlRepository, KeyedClaim
from app.scheduler.gate import Admission, RunGate
from app.services.concurrency import ControlService
from app.services.inputs import TaskCreate
from app.services.tasks import TaskDeps, TaskService

LIMIT = 2


class Gate:
    """A RunGate on an engine of its own (another worker process), counting claim UPDATEs it sends."""

    def __init__(self, db_url: str, worker_id: str) -> None:
        self.engine: AsyncEngine = create_engine(db_url)
        self.sessions = create_sessionmaker(self.engine)
        self.gate = RunGate(self.sessions, SystemClock())
        self.worker_id = worker_id
        self.claim_updates = 0

        def count(_conn: Any, _cursor: Any, statement: str, *_a: Any) -> None:
            if statement.startswith("UPDATE executions SET status"):
                self.claim_updates += 1

        event.listen(self.engine.sync_engine, "before_cursor_execute", count)

    async def admit(self, execution_id: int, task: Task) -> Admission | None:
        return await self.gate.admit(execution_id, task, datetime.now(UTC), "schedule", worker_id=self.worker_id)


@pytest.fixture
async def sessions(db_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(db_url)
    yield create_sessionmaker(engine)
    await engine.dispose()


async def _queued(
    sessions: async_sessionmaker[AsyncSession], n: int, *, key: str | None = None, prefix: str = "t"
) -> list[tuple[int, Task]]:
    """``n`` tasks with one queued run each, the i-th due i seconds after the first; (execution id, task)."""
    now = datetime.now(UTC)
    async with sessions() as s:
        clock = SystemClock()
        if key is not None:
            await ControlService(s, clock).put_key(key, LIMIT)
        service = TaskService(s, TaskDeps(clock=clock))
        task_ids = []
        for i in range(n):
            body = TaskCreate(
                name=f"{prefix}{i}",
                instructions="x",
                schedule={"kind": "cron", "cron": "0 0 1 1 *", "timezone": "UTC"},
                concurrency_key=key,
            )
            task_ids.append((await service.create(body)).id)
        due = [now - timedelta(seconds=60 - i) for i in range(n)]
        rows = [
            FireRow(task_id=t, scheduled_for=d, trigger="schedule", status="queued", due_at=d)
            for t, d in zip(task_ids, due, strict=True)
        ]
        executions = await ExecutionRepository(s).insert_fires(rows, now=now)
        await s.commit()
        tasks = {t.id: t for t in (await s.execute(select(Task).where(Task.id.in_(task_ids)))).scalars()}
    return [(e, tasks[t]) for e, t, _at in executions]


async def _records(sessions: async_sessionmaker[AsyncSession], ids: list[int]) -> dict[int, Execution]:
    async with sessions() as s:
        return {e.id: e for e in (await s.execute(select(Execution).where(Execution.id.in_(ids)))).scalars()}


async def test_two_gates_racing_over_batches_claim_each_run_once_and_keys_stay_in_limit_and_order(
    db_url: str, sessions: async_sessionmaker[AsyncSession]
) -> None:
    free = await _queued(sessions, 40)
    keyed = await _queued(sessions, 8, key="llm", prefix="k")
    runs = free + keyed
    gates = [Gate(db_url, "w-a"), Gate(db_url, "w-b")]
    try:
        # Every run offered to both gates at once (one in fire order, one reversed), twice to the first.
        answers = await asyncio.gather(
            *(gates[0].admit(e, t) for e, t in runs),
            *(gates[0].admit(e, t) for e, t in runs[:10]),
            *(gates[1].admit(e, t) for e, t in reversed(runs)),
        )
    finally:
        for g in gates:
            await g.engine.dispose()
    asked = [e for e, _t in runs] + [e for e, _t in runs[:10]] + [e for e, _t in reversed(runs)]
    admitted = [e for e, a in zip(asked, answers, strict=True) if a is not None]
    records = await _records(sessions, [e for e, _t in runs])
    # Each unshared run claimed exactly once, by the gate whose record says so.
    assert sorted(e for e in admitted if e in dict(free)) == sorted(dict(free))
    assert all(records[e].status == "running" and records[e].worker_id in ("w-a", "w-b") for e, _t in free)
    # The key's runs: at most its limit started, and the earliest fires first.
    started = [e for e, _t in keyed if records[e].status == "running"]
    assert len([e for e in admitted if e in dict(keyed)]) == len(started) <= LIMIT
    assert started == [e for e, _t in keyed][: len(started)] and started
    # The 40 unshared runs went in a handful of UPDATEs, not one each.
    assert sum(g.claim_updates for g in gates) < 20


async def test_a_run_claimed_for_a_waiter_that_was_cancelled_goes_back_to_the_queue(
    db_url: str, sessions: async_sessionmaker[AsyncSession]
) -> None:
    ((execution_id, task),) = await _queued(sessions, 1)
    gate = Gate(db_url, "w-a")
    try:
        waiter = asyncio.create_task(gate.admit(execution_id, task))
        await asyncio.sleep(0)  # the claim is in the batch
        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter
        for _ in range(200):
            await asyncio.sleep(0.01)
            if gate.claim_updates >= 2 and not gate.gate._handing_back:
                break
    finally:
        await gate.engine.dispose()
    record = (await _records(sessions, [execution_id]))[execution_id]
    assert (record.status, record.worker_id, record.started_at) == ("queued", None, None)
    assert gate.claim_updates == 2  # claimed by the batch, then handed back


async def test_a_keyed_claim_read_stale_moves_nothing_and_the_next_in_fire_order_move_together(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    keyed = await _queued(sessions, 4, key="llm", prefix="k")  # limit LIMIT (2), due in this order
    ids = [e for e, _t in keyed]
    now = datetime.now(UTC)
    async with sessions() as s, s.begin():
        repo = ControlRepository(s)
        head = await repo.key_head("llm", now=now)
        assert head is not None and (head.limit, head.running) == (LIMIT, 0)
        assert [t.execution_id for t in head.head] == ids[:LIMIT]  # the next free places, oldest first
        targets = await repo.targets(ids)
        t = [targets[i] for i in ids]

        def claims(*chosen: ClaimTarget) -> list[KeyedClaim]:
            return [KeyedClaim(target=c, delay_ms=5, worker_id="w-a") for c in chosen]

        # Past the earliest run (fire order), or over the limit: the UPDATE itself refuses them all.
        assert await repo.claim_keyed("llm", LIMIT, claims(t[1], t[2]), now=now) == set()
        assert await repo.claim_keyed("llm", LIMIT, claims(t[0], t[1], t[2]), now=now) == set()
        assert await repo.claim_keyed("llm", LIMIT, claims(t[0], t[1]), now=now) == {ids[0], ids[1]}
        assert await repo.claim_keyed("llm", LIMIT, claims(t[2]), now=now) == set()  # full now
        full = await repo.key_head("llm", now=now)
        assert full is not None and (full.running, full.head) == (LIMIT, [])
    records = await _records(sessions, ids)
    assert [records[i].status for i in ids] == ["running", "running", "queued", "queued"]
    assert [records[i].worker_id for i in ids[:2]] == ["w-a", "w-a"]
    assert [records[i].trigger_delay_ms for i in ids[:2]] == [5, 5]
