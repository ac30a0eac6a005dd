"""Control use cases beside tasks: concurrency keys, per-model prices, and what a task has spent."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.clock import Clock
from app.controls.periods import period_starts
from app.db.models import ConcurrencyKey, ModelPrice
from app.db.repositories import TaskRepository
from app.db.repositories.controls import ControlRepository
from app.errors import NotFound, ValidationFailed
from app.services.inputs import CONCURRENCY_KEY_PATTERN

_KEY = re.compile(CONCURRENCY_KEY_PATTERN)


@dataclass(frozen=True, kw_only=True)
class KeyView:
    key: str
    max_running: int
    running: int
    queued: int
    tasks: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, kw_only=True)
class PriceView:
    """A model's price per million tokens (US dollars), set for models litellm has no price for."""

    model: str
    input_per_million: float
    output_per_million: float
    updated_at: datetime

    @classmethod
    def of(cls, row: ModelPrice) -> PriceView:
        return cls(
            model=row.model,
            input_per_million=row.input_per_million,
            output_per_million=row.output_per_million,
            updated_at=row.updated_at,
        )


@dataclass(frozen=True, kw_only=True)
class SpendView:
    """A task's known cost so far today and this month (its time zone), beside its budgets."""

    task_id: int
    day_usd: float
    month_usd: float
    max_cost_usd_per_day: float | None
    max_cost_usd_per_month: float | None


class ControlService:
    def __init__(self, session: AsyncSession, clock: Clock) -> None:
        self.repo = ControlRepository(session)
        self.tasks = TaskRepository(session)
        self.clock = clock

    async def spend(self, task_id: int) -> SpendView:
        """What the task's runs cost today and this month on its own clock (one query), or NotFound."""
        task = await self.tasks.get(task_id)
        if task is None:
            raise NotFound("task", task_id)
        day, month = period_starts(self.clock.now(), task.timezone)
        day_usd, month_usd = await self.repo.spent_since(day, month, task_id=task.id)
        return SpendView(
            task_id=task.id,
            day_usd=round(day_usd, 6),
            month_usd=round(month_usd, 6),
            max_cost_usd_per_day=task.max_cost_usd_per_day,
            max_cost_usd_per_month=task.max_cost_usd_per_month,
        )

    async def keys(self) -> list[KeyView]:
        """Every concurrency key with its limit and what runs and waits under it now."""
        return [await self._view(row, running, queued) for row, running, queued in await self.repo.keys()]

    async def key(self, key: str) -> KeyView:
        row = await self.repo.get_key(key)
        if row is None:
            raise NotFound("concurrency key", key)
        running, queued = await self.repo.key_counts(key)
        return await self._view(row, running, queued)

    async def _view(self, row: ConcurrencyKey, running: int, queued: int) -> KeyView:
        return KeyView(
            key=row.key,
            max_running=row.max_running,
            running=running,
            queued=queued,
            tasks=await self.repo.tasks_with_key(row.key),
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    async def put_key(self, key: str, max_running: int) -> KeyView:
        """Create or change a key's limit; it holds from the next claim on, in every worker."""
        if not _KEY.match(key):
            raise ValidationFailed(
                "A concurrency key is 1-100 letters, digits, '_', '.', ':' or '-', starting with a letter or digit.",
                details={"key": key},
            )
        await self.repo.put_key(key, max_running, now=self.clock.now())
        return await self.key(key)

    async def delete_key(self, key: str) -> None:
        """Remove a key's limit (tasks naming it then run without one)."""
        if not await self.repo.delete_key(key):
            raise NotFound("concurrency key", key)

    async def prices(self) -> list[PriceView]:
        return [PriceView.of(row) for row in await self.repo.prices()]

    async def put_price(self, model: str, input_per_million: float, output_per_million: float) -> PriceView:
        """Set a model's price; runs starting after it (within seconds) are costed with it."""
        model = model.strip()
        if not model or len(model) > 200 or "\x00" in model:
            raise ValidationFailed("A model name is 1-200 characters, as litellm spells it (e.g. `ollama/llama3`).")
        row = await self.repo.put_price(model, input_per_million, output_per_million, now=self.clock.now())
        return PriceView.of(row)

    async def delete_price(self, model: str) -> None:
        if not await self.repo.delete_price(model):
            raise NotFound("model price", model)
