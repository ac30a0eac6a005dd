"""Queries over tasks."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Integer, Table, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Task, TaskTombstone
from app.db.types import UTCDateTime


@dataclass(frozen=True, kw_only=True)
class TaskFilter:
    state: str | None = None
    q: str | None = None  # case-insensitive substring of name or instructions
    schedule_kind: str | None = None


class TaskRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, task_id: int, *, for_update: bool = False, key_share: bool = False) -> Task | None:
        """The task, optionally locked: ``for_update`` against changes, ``key_share`` against deletion."""
        stmt = select(Task).where(Task.id == task_id)
        if for_update:
            stmt = stmt.with_for_update()
        elif key_share:
            stmt = stmt.with_for_update(key_share=True)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def add(self, task: Task) -> Task:
        self.session.add(task)
        await self.session.flush()
        return task

    async def all(self, *, states: Sequence[str] | None = None) -> Sequence[Task]:
        """Every task (in ``states`` if given), oldest first."""
        stmt = select(Task).order_by(Task.id)
        if states is not None:
            stmt = stmt.where(Task.state.in_(states))
        return (await self.session.execute(stmt)).scalars().all()

    async def by_names(self, names: Sequence[str]) -> Sequence[Task]:
        """Tasks whose name is one of ``names`` (names are not unique: several may match one)."""
        if not names:
            return []
        return (await self.session.execute(select(Task).where(Task.name.in_(names)).order_by(Task.id))).scalars().all()

    async def delete(self, task: Task, *, now: datetime) -> None:
        """Delete the task (its records go with it) and leave a tombstone for other processes."""
        task_id = task.id
        await self.session.delete(task)
        await self.session.flush()
        # An id deleted before ids stopped being reused (SQLite, before migration 0004) may have one.
        await self.session.execute(delete(TaskTombstone).where(TaskTombstone.task_id == task_id))
        await self.session.execute(insert(TaskTombstone).values(task_id=task_id, deleted_at=now))

    async def deleted_since(self, since: datetime) -> Sequence[int]:
        """Ids of tasks deleted at or after ``since``."""
        stmt = select(TaskTombstone.task_id).where(TaskTombstone.deleted_at >= since)
        return [int(r[0]) for r in (await self.session.execute(stmt)).all()]

    async def prune_tombstones(self, before: datetime) -> int:
        """Forget deletions older than ``before`` (every leader has long since polled them)."""
        result = await self.session.execute(delete(TaskTombstone).where(TaskTombstone.deleted_at < before))
        return int(getattr(result, "rowcount", 0) or 0)

    async def list(self, flt: TaskFilter, *, limit: int, offset: int) -> tuple[Sequence[Task], int]:
        conditions: list[Any] = []
        if flt.state:
            conditions.append(Task.state == flt.state)
        if flt.schedule_kind:
            conditions.append(Task.schedule_kind == flt.schedule_kind)
        if flt.q:
            pattern = f"%{flt.q.lower()}%"
            conditions.append(or_(func.lower(Task.name).like(pattern), func.lower(Task.instructions).like(pattern)))
        total = (await self.session.execute(select(func.count()).select_from(Task).where(*conditions))).scalar_one()
        rows = (
            await self.session.execute(select(Task).where(*conditions).order_by(Task.id).limit(limit).offset(offset))
        ).scalars()
        return list(rows), int(total)

    async def timezones(self, task_ids: Iterable[int]) -> dict[int, str]:
        """The timezone of each of these tasks that exists."""
        ids = sorted(set(task_ids))
        if not ids:
            return {}
        rows = await self.session.execute(select(Task.id, Task.timezone).where(Task.id.in_(ids)))
        return {int(r[0]): str(r[1]) for r in rows.all()}

    async def names(self, task_ids: Iterable[int]) -> dict[int, str]:
        """The name of each of these tasks that exists."""
        ids = sorted(set(task_ids))
        if not ids:
            return {}
        rows = await self.session.execute(select(Task.id, Task.name).where(Task.id.in_(ids)))
        return {int(r[0]): str(r[1]) for r in rows.all()}

    async def active(self, *, after_id: int = 0, limit: int = 5000) -> Sequence[Task]:
        """Active tasks in id order, a page at a time (start-up loading)."""
        stmt = select(Task).where(Task.state == "active", Task.id > after_id).order_by(Task.id).limit(limit)
        return list((await self.session.execute(stmt)).scalars())

    async def changed_since(self, since: datetime) -> Sequence[tuple[int, int, str]]:
        """(id, revision, state) of tasks changed at or after ``since``."""
        stmt = select(Task.id, Task.revision, Task.state).where(Task.updated_at >= since)
        return [(r[0], r[1], r[2]) for r in (await self.session.execute(stmt)).all()]

    async def set_fire_progress(self, rows: Sequence[dict[str, Any]]) -> None:
        """Bulk update of ``next_run_at``, ``last_fire_at`` and ``state`` after fires.

        Each row: ``task_id``, ``next_run_at``, ``last_fire_at``, ``state``, ``revision``. Only
        a task still active and at that revision moves, so a change racing a fire wins.
        """
        if not rows:
            return
        table = cast(Table, Task.__table__)
        stmt = (
            update(table)
            .where(
                table.c.id == bindparam("b_id"),
                table.c.state == "active",
                table.c.revision == func.coalesce(bindparam("b_rev", type_=Integer()), table.c.revision),
            )
            .values(
                next_run_at=bindparam("b_next", type_=UTCDateTime()),
                last_fire_at=bindparam("b_last", type_=UTCDateTime()),
                state=bindparam("b_state"),
            )
        )
        params = [
            {
                "b_id": r["task_id"],
                "b_next": r["next_run_at"],
                "b_last": r["last_fire_at"],
                "b_state": r["state"],
                "b_rev": r.get("revision"),
            }
            for r in rows
        ]
        await self.session.execute(stmt, params)
