"""Queries over procrastinate's job table, the transport of runs to workers (PostgreSQL only).

A job carries only ``{"execution_id": ...}``; our ``executions`` table stays the truth.
These statements touch ``procrastinate_jobs`` in the caller's transaction, so a change
to a record and what it means for the record's job commit together (or not at all).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.vocabulary import ON_DEMAND_TRIGGERS

RUN_TASK = "taskrunner.run"


def on_postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


async def queued_without_job(session: AsyncSession, *, created_before: datetime, manual_only: bool) -> list[int]:
    """Queued executions with no job waiting or running for them (recorded, then the process died)."""
    # Runs queued by a request (see ON_DEMAND_TRIGGERS) at once; the leader's own fires once stranded.
    listed = ", ".join(f"'{t}'" for t in ON_DEMAND_TRIGGERS)
    on_demand = f"e.trigger IN ({listed})"
    manual = f"AND {on_demand}" if manual_only else f"AND ({on_demand} OR e.created_at < :before)"
    params: dict[str, Any] = {"task": RUN_TASK}
    if not manual_only:
        params["before"] = created_before
    rows = await session.execute(
        text(
            f"""
            SELECT e.id FROM executions e
            WHERE e.status = 'queued' {manual}
              AND NOT EXISTS (
                SELECT 1 FROM procrastinate_jobs j
                WHERE j.status IN ('todo', 'doing') AND j.task_name = :task
                  AND (j.args ->> 'execution_id')::bigint = e.id)
            ORDER BY e.id LIMIT 10000
            """
        ),
        params,
    )
    return [int(r[0]) for r in rows.all()]


async def fail_orphaned_jobs(session: AsyncSession, execution_ids: Sequence[int]) -> int:
    """Mark jobs of runs lost with their worker ``failed`` (through procrastinate's own function)."""
    result = await session.execute(
        text(
            """
            SELECT procrastinate_finish_job_v1(j.id, 'failed', false) FROM procrastinate_jobs j
            WHERE j.status = 'doing' AND j.task_name = :task
              AND (j.args ->> 'execution_id')::bigint = ANY(:ids)
            """
        ),
        {"task": RUN_TASK, "ids": list(execution_ids)},
    )
    return len(result.all())


async def request_abort(session: AsyncSession, execution_ids: Sequence[int]) -> int:
    """Ask procrastinate to abort the jobs running these executions; returns how many jobs were asked.

    procrastinate's trigger NOTIFYs the workers at commit, and each worker also polls for
    abort requests, so the worker holding a job cancels its asyncio task wherever it runs.
    A no-op on SQLite (no jobs there: runs are in process).
    """
    if not execution_ids or not on_postgres(session):
        return 0
    result = await session.execute(
        text(
            """
            UPDATE procrastinate_jobs SET abort_requested = true
            WHERE status = 'doing' AND task_name = :task AND NOT abort_requested
              AND (args ->> 'execution_id')::bigint = ANY(:ids)
            """
        ),
        {"task": RUN_TASK, "ids": list(execution_ids)},
    )
    return int(getattr(result, "rowcount", 0) or 0)
