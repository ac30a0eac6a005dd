"""Retention: execution records older than a window are deleted, in small transactions.

Chat conversations follow ``keep_days`` too, counted from their last message.
Records are selected by id and deleted by id ``batch`` at a time, with their
steps and notification deliveries, yielding to the event loop between batches
so a large backlog neither holds a long lock nor starves the scheduler. Queued
and running records are never deleted.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.db.repositories.ops import RetentionRepository

log = structlog.get_logger("taskrunner.retention")

# Kept for ``keep_failed_days`` rather than ``keep_days``: the runs someone may need to investigate.
FAILED_STATUSES = ("failed", "timed_out", "interrupted")


async def prune(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    now: datetime,
    keep_days: int = 90,
    keep_failed_days: int | None = None,
    batch: int = 1000,
) -> int:
    """Delete finished records scheduled more than ``keep_days`` before ``now``; returns how many.

    With ``keep_failed_days``, failed, timed-out and interrupted records use that window instead.
    """
    if keep_days < 1 or (keep_failed_days is not None and keep_failed_days < 1) or batch < 1:
        raise ValueError("keep_days, keep_failed_days and batch must be at least 1")
    before = now - timedelta(days=keep_days)
    failed_before = now - timedelta(days=keep_failed_days) if keep_failed_days is not None else None
    total = 0
    while True:
        async with sessionmaker() as session:
            repo = RetentionRepository(session)
            ids = await repo.expired_ids(
                before=before, failed_statuses=FAILED_STATUSES, failed_before=failed_before, limit=batch
            )
            deleted = await repo.delete_executions(ids)
            await session.commit()
        total += deleted
        if len(ids) < batch:
            break
        await asyncio.sleep(0)  # let runs and requests in between batches
    conversations = await prune_conversations(sessionmaker, before=before, batch=batch)
    if total or conversations:
        log.info(
            "retention.pruned",
            deleted=total,
            conversations=conversations,
            keep_days=keep_days,
            keep_failed_days=keep_failed_days,
        )
    return total


async def prune_conversations(sessionmaker: async_sessionmaker[AsyncSession], *, before: datetime, batch: int) -> int:
    """Delete chat conversations idle since before ``before`` (with their messages); returns how many."""
    total = 0
    while True:
        async with sessionmaker() as session:
            repo = RetentionRepository(session)
            ids = await repo.expired_conversation_ids(before=before, limit=batch)
            total += await repo.delete_conversations(ids)
            await session.commit()
        if len(ids) < batch:
            return total
        await asyncio.sleep(0)
