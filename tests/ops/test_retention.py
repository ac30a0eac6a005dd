"""Retention: old finished records go in batches with their steps and deliveries; active ones stay."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.db.chat_models import ChatConversation, ChatMessage
from app.db.models import Execution, ExecutionStep
from app.db.ops_models import NotificationDelivery
from app.db.repositories import ExecutionRepository
from app.db.repositories.chat import ChatRepository
from app.db.repositories.ops import DeliveryRepository
from app.retention import prune
from tests.ops.conftest import START, add_runs, add_task

NOW = START
DAY = timedelta(days=1)


async def statuses(sessions: async_sessionmaker[AsyncSession]) -> list[tuple[str, int]]:
    """(status, age in days) of every record left, oldest first."""
    async with sessions() as s:
        rows = (await s.execute(select(Execution).order_by(Execution.scheduled_for))).scalars().all()
    return [(r.status, (NOW - r.scheduled_for).days) for r in rows]


async def count(sessions: async_sessionmaker[AsyncSession], model: type) -> int:
    async with sessions() as s:
        return int((await s.execute(select(func.count()).select_from(model))).scalar_one())


async def test_old_records_go_in_batches_with_their_children(
    sessions: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    task_id = await add_task(sessions)
    old = await add_runs(sessions, task_id, [(NOW - (100 + i) * DAY, "succeeded") for i in range(7)])
    await add_runs(sessions, task_id, [(NOW - 10 * DAY, "succeeded"), (NOW - 89 * DAY, "skipped")])
    async with sessions() as s:
        await ExecutionRepository(s).add_steps(
            [
                {
                    "execution_id": old[0],
                    "index": 0,
                    "kind": "llm",
                    "name": "m",
                    "input": {},
                    "output": {},
                    "error": None,
                    "started_at": NOW - 100 * DAY,
                    "latency_ms": 1.0,
                }
            ]
        )
        await DeliveryRepository(s).add_many(
            [
                {
                    "execution_id": old[0],
                    "channel": "webhook",
                    "target": "h",
                    "attempt": 1,
                    "status": "ok",
                    "status_code": 200,
                    "error": None,
                    "created_at": NOW,
                }
            ]
        )
        await s.commit()

    commits = 0
    real = AsyncSession.commit

    async def counting_commit(self: AsyncSession) -> None:
        nonlocal commits
        commits += 1
        await real(self)

    monkeypatch.setattr(AsyncSession, "commit", counting_commit)
    deleted = await prune(sessions, now=NOW, keep_days=90, batch=3)
    monkeypatch.undo()

    assert deleted == 7
    assert commits == 4  # 3 + 3 + 1 rows, one transaction each; then one for (no) conversations
    assert await statuses(sessions) == [("skipped", 89), ("succeeded", 10)]
    assert await count(sessions, ExecutionStep) == 0
    assert await count(sessions, NotificationDelivery) == 0
    assert await prune(sessions, now=NOW, keep_days=90, batch=3) == 0


async def test_failed_records_are_kept_longer(sessions: async_sessionmaker[AsyncSession]) -> None:
    task_id = await add_task(sessions)
    await add_runs(
        sessions,
        task_id,
        [
            (NOW - 400 * DAY, "failed"),
            (NOW - 200 * DAY, "failed"),
            (NOW - 199 * DAY, "timed_out"),
            (NOW - 198 * DAY, "interrupted"),
            (NOW - 197 * DAY, "succeeded"),
            (NOW - 196 * DAY, "missed"),
            (NOW - 31 * DAY, "cancelled"),
            (NOW - 29 * DAY, "succeeded"),
        ],
    )
    assert await prune(sessions, now=NOW, keep_days=30, keep_failed_days=365) == 4
    assert await statuses(sessions) == [
        ("failed", 200),
        ("timed_out", 199),
        ("interrupted", 198),
        ("succeeded", 29),
    ]
    # Without keep_failed_days every status uses keep_days.
    assert await prune(sessions, now=NOW, keep_days=30) == 3
    assert await statuses(sessions) == [("succeeded", 29)]


async def test_queued_and_running_records_are_never_pruned(sessions: async_sessionmaker[AsyncSession]) -> None:
    running_task = await add_task(sessions, "long")
    queued_task = await add_task(sessions, "waiting")
    await add_runs(sessions, running_task, [(NOW - 500 * DAY, "running"), (NOW - 501 * DAY, "succeeded")])
    await add_runs(sessions, queued_task, [(NOW - 500 * DAY, "queued")])
    assert await prune(sessions, now=NOW, keep_days=1, keep_failed_days=1, batch=1) == 1
    assert sorted(s for s, _ in await statuses(sessions)) == ["queued", "running"]


async def test_prune_rejects_nonsense_windows(sessions: async_sessionmaker[AsyncSession]) -> None:
    for options in ({"keep_days": 0}, {"keep_failed_days": 0}, {"batch": 0}):
        with pytest.raises(ValueError):
            await prune(sessions, now=NOW, **options)


async def test_chat_conversations_follow_the_retention_window(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as s:
        for name, idle_days in (("old", 120), ("recent", 5), ("edge", 89)):
            created = NOW - (idle_days + 30) * DAY
            s.add(
                ChatConversation(
                    id=name,
                    title=name,
                    timezone="UTC",
                    turns=1,
                    pending_action=None,
                    created_at=created,
                    updated_at=NOW - idle_days * DAY,
                )
            )
            await s.flush()
            await ChatRepository(s).add_messages(
                [
                    {
                        "conversation_id": name,
                        "index": i,
                        "turn": 1,
                        "role": "user" if i == 0 else "assistant",
                        "content": f"message {i}",
                        "tool_calls": None,
                        "tool_call_id": None,
                        "name": None,
                        "created_at": created,
                    }
                    for i in range(2)
                ]
            )
        await s.commit()

    await prune(sessions, now=NOW, keep_days=90, batch=1)

    async with sessions() as s:
        left = sorted((await s.execute(select(ChatConversation.id))).scalars())
        messages = sorted((await s.execute(select(ChatMessage.conversation_id))).scalars())
    assert left == ["edge", "recent"]
    assert messages == ["edge", "edge", "recent", "recent"]
