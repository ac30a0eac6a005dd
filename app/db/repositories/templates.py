"""Queries over task templates and the tasks made from them."""

from __future__ import annotations

import builtins
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Task, TaskTemplate


class TemplateRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, template_id: int, *, for_update: bool = False) -> TaskTemplate | None:
        stmt = select(TaskTemplate).where(TaskTemplate.id == template_id)
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def by_name(self, name: str, *, for_update: bool = False) -> TaskTemplate | None:
        stmt = select(TaskTemplate).where(TaskTemplate.name == name)
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def names(self, template_ids: Sequence[int]) -> dict[int, str]:
        """Template id -> name for ``template_ids``."""
        if not template_ids:
            return {}
        rows = await self.session.execute(
            select(TaskTemplate.id, TaskTemplate.name).where(TaskTemplate.id.in_(set(template_ids)))
        )
        return {row.id: row.name for row in rows}

    async def add(self, template: TaskTemplate) -> TaskTemplate:
        self.session.add(template)
        await self.session.flush()
        return template

    async def list(self, *, limit: int, offset: int) -> tuple[Sequence[TaskTemplate], int]:
        total = (await self.session.execute(select(func.count()).select_from(TaskTemplate))).scalar_one()
        stmt = select(TaskTemplate).order_by(TaskTemplate.name, TaskTemplate.id).limit(limit).offset(offset)
        return (await self.session.execute(stmt)).scalars().all(), int(total)

    async def tasks_using(self, template_id: int, *, for_update: bool = False) -> Sequence[Task]:
        """Tasks made from the template, in id order."""
        stmt = select(Task).where(Task.template_id == template_id).order_by(Task.id)
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.execute(stmt)).scalars().all()

    async def usage(self, template_ids: Sequence[int]) -> dict[int, builtins.list[int]]:
        """Template id -> ids of the tasks made from it."""
        if not template_ids:
            return {}
        rows = await self.session.execute(
            select(Task.template_id, Task.id).where(Task.template_id.in_(set(template_ids))).order_by(Task.id)
        )
        out: dict[int, builtins.list[int]] = {}
        for template_id, task_id in rows:
            if template_id is not None:
                out.setdefault(template_id, []).append(task_id)
        return out

    async def delete(self, template: TaskTemplate) -> None:
        await self.session.delete(template)
        await self.session.flush()
