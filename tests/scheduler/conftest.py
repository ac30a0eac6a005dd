"""A scheduler core in the test's own event loop, driven by a frozen, movable clock."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.clock import SystemClock
from app.db.engine import create_engine, create_sessionmaker
from app.scheduler.core import SchedulerCore
from app.services.events import EventBroker
from app.services.inputs import TaskCreate
from app.services.notifier import scheduler_subscriber
from app.services.tasks import TaskDeps, TaskService
from app.services.unit_of_work import UnitOfWork
from tests.support.runners import ScriptedRunner

START = datetime(2026, 11, 23, 8, 0, 0, tzinfo=UTC)


@pytest.fixture
def traveller() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(START, tick=False) as t:
        yield t


@pytest.fixture
async def sessions(db_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(db_url)
    yield create_sessionmaker(engine)
    await engine.dispose()


@pytest.fixture
def runner() -> ScriptedRunner:
    return ScriptedRunner()


class Harness:
    """Creates tasks through the service layer and moves time for a SchedulerCore."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], runner: ScriptedRunner, traveller: Any) -> None:
        self.sessions = sessions
        self.runner = runner
        self.traveller = traveller
        self.core: SchedulerCore | None = None

    def new_core(self, **kw: Any) -> SchedulerCore:
        kw.setdefault("poll_interval", 3600)
        return SchedulerCore(self.sessions, self.runner, SystemClock(), **kw)

    async def start(self, **kw: Any) -> SchedulerCore:
        self.core = self.new_core(**kw)
        await self.core.start()
        await self.core.drain()
        return self.core

    async def stop(self) -> None:
        if self.core is not None:
            await self.core.stop(grace_seconds=5)
            self.core = None

    def _unit_of_work(self) -> UnitOfWork:
        broker = EventBroker()
        if self.core is not None:
            broker.subscribe(scheduler_subscriber(self.core))
        return UnitOfWork(self.sessions, broker)

    async def create(self, **body: Any) -> int:
        body.setdefault("name", "t")
        body.setdefault("instructions", "do it")
        async with self._unit_of_work() as uow:
            service = TaskService(uow.session, TaskDeps(clock=SystemClock()))
            task = await service.create(TaskCreate.model_validate(body))
            await uow.commit()
        if self.core is not None:
            await self.core.drain()
        return task.id

    async def call(self, fn: Callable[[TaskService], Any], *, drain: bool = True) -> Any:
        async with self._unit_of_work() as uow:
            result = await fn(TaskService(uow.session, TaskDeps(clock=SystemClock())))
            await uow.commit()
        if self.core is not None and drain:
            await self.core.drain()
        return result

    async def move_to(self, when: datetime) -> None:
        """Jump the clock to ``when`` and let the scheduler do what is due."""
        self.traveller.move_to(when)
        assert self.core is not None
        self.core.wakeup()
        await self.core.drain()
        # Due jobs come out in chunks: keep waking until nothing more is due.
        for _ in range(200):
            if not self.core.has_due():
                break
            self.core.wakeup()
            await self.core.drain()

    async def advance(self, **delta: float) -> None:
        await self.move_to(datetime.now(UTC) + timedelta(**delta))


@pytest.fixture
async def harness(
    sessions: async_sessionmaker[AsyncSession], runner: ScriptedRunner, traveller: Any
) -> AsyncIterator[Harness]:
    h = Harness(sessions, runner, traveller)
    yield h
    await h.stop()
