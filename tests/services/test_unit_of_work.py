"""The unit of work: commit, then publish; a failed commit publishes nothing and is an error to the caller."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.api.app import create_app
from app.api.deps import UoW
from app.clock import SystemClock
from app.config import Settings
from app.db.engine import create_engine as create_async_engine_for
from app.db.engine import create_sessionmaker, sync_url
from app.services.events import Event, EventBroker, RunQueued, TaskChanged, TaskDeleted
from app.services.inputs import TaskCreate
from app.services.notifier import NullListener, scheduler_subscriber
from app.services.tasks import TaskDeps, TaskService
from app.services.unit_of_work import UnitOfWork, pending, record
from tests.support.live_server import serve_in_thread

BODY = {"name": "t", "instructions": "x", "schedule": {"kind": "interval", "every_seconds": 60}}


@pytest.fixture
async def sessions(db_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_async_engine_for(db_url)
    yield create_sessionmaker(engine)
    await engine.dispose()


def stored_task_names(db_url: str) -> list[str]:
    engine = create_engine(sync_url(db_url))
    try:
        with engine.connect() as conn:
            return [r[0] for r in conn.execute(text("SELECT name FROM tasks ORDER BY id"))]
    finally:
        engine.dispose()


async def test_events_are_published_after_the_commit_and_see_stored_data(
    sessions: async_sessionmaker[AsyncSession], db_url: str
) -> None:
    broker = EventBroker()
    seen: list[tuple[Sequence[Event], list[str]]] = []
    broker.subscribe(lambda events: seen.append((events, stored_task_names(db_url))))
    async with UnitOfWork(sessions, broker) as uow:
        service = TaskService(uow.session, TaskDeps(clock=SystemClock()))
        task = await service.create(TaskCreate.model_validate(BODY))
        execution = await service.run_now(task.id)
        assert pending(uow.session) == (
            TaskChanged(task_id=task.id),
            RunQueued(execution_id=execution.id, task_id=task.id),
        )
        assert seen == []
        await uow.commit()
    assert seen == [((TaskChanged(task_id=task.id), RunQueued(execution_id=execution.id, task_id=task.id)), ["t"])]


async def test_an_error_or_a_missing_commit_rolls_back_and_publishes_nothing(
    sessions: async_sessionmaker[AsyncSession], db_url: str
) -> None:
    broker = EventBroker()
    seen: list[Sequence[Event]] = []
    broker.subscribe(seen.append)

    async def failing_handler() -> None:
        async with UnitOfWork(sessions, broker) as uow:
            await TaskService(uow.session, TaskDeps(clock=SystemClock())).create(TaskCreate.model_validate(BODY))
            raise RuntimeError("handler failed")

    with pytest.raises(RuntimeError):
        await failing_handler()
    async with UnitOfWork(sessions, broker) as uow:
        await TaskService(uow.session, TaskDeps(clock=SystemClock())).create(TaskCreate.model_validate(BODY))
    assert seen == []
    assert stored_task_names(db_url) == []


async def test_a_failed_commit_raises_and_publishes_nothing(sessions: async_sessionmaker[AsyncSession]) -> None:
    broker = EventBroker()
    seen: list[Sequence[Event]] = []
    broker.subscribe(seen.append)
    async with UnitOfWork(sessions, broker) as uow:
        # A deferred foreign key is checked at COMMIT, the way a lost write used to fail after a 2xx.
        await uow.session.execute(text("CREATE TEMPORARY TABLE parent (id INTEGER PRIMARY KEY)"))
        await uow.session.execute(
            text(
                "CREATE TEMPORARY TABLE child (id INTEGER PRIMARY KEY,"
                " parent_id INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)"
            )
        )
        await uow.session.execute(text("INSERT INTO child (id, parent_id) VALUES (1, 42)"))
        record(uow.session, TaskChanged(task_id=1))
        with pytest.raises(IntegrityError):
            await uow.commit()
        assert pending(uow.session) == ()
    assert seen == []


def test_a_failing_subscriber_neither_fails_the_publisher_nor_starves_the_others() -> None:
    broker = EventBroker()
    seen: list[Sequence[Event]] = []

    def broken(_events: Sequence[Event]) -> None:
        raise ValueError("subscriber bug")

    broker.subscribe(broken)
    unsubscribe = broker.subscribe(seen.append)
    broker.publish([TaskDeleted(task_id=3)])
    unsubscribe()
    broker.publish([TaskDeleted(task_id=4)])
    assert seen == [(TaskDeleted(task_id=3),)]


def test_the_scheduler_hears_one_batch_per_commit() -> None:
    class Listener:
        def __init__(self) -> None:
            self.changed: list[set[int]] = []
            self.queued = 0

        def tasks_changed(self, task_ids: set[int]) -> None:
            self.changed.append(task_ids)

        def runs_queued(self) -> None:
            self.queued += 1

    listener = Listener()
    deliver = scheduler_subscriber(listener)
    deliver([TaskChanged(task_id=1), TaskDeleted(task_id=2), RunQueued(execution_id=5, task_id=1)])
    deliver([TaskChanged(task_id=7)])
    assert listener.changed == [{1, 2}, {7}]
    assert listener.queued == 1


@pytest.fixture
def probe_table(db_url: str) -> Iterator[None]:
    """A table whose foreign key is checked only at commit (dropped again after the test)."""
    engine = create_engine(sync_url(db_url))
    with engine.begin() as conn:
        conn.execute(
            text(
                "CREATE TABLE commit_probe (id INTEGER PRIMARY KEY,"
                " task_id BIGINT REFERENCES tasks (id) DEFERRABLE INITIALLY DEFERRED)"
            )
        )
    try:
        yield
    finally:
        with engine.begin() as conn:
            conn.execute(text("DROP TABLE commit_probe"))
        engine.dispose()


def test_a_commit_that_fails_is_an_error_response_not_a_2xx(db_url: str, probe_table: None) -> None:
    app = create_app(Settings(database_url=db_url, scheduler_enabled=False), listener=NullListener())

    async def write(uow: UoW) -> dict[str, str]:
        await uow.session.execute(text("INSERT INTO commit_probe (id, task_id) VALUES (1, 424242)"))
        return {"status": "stored"}

    app.add_api_route("/api/probe", write, methods=["POST"])
    with serve_in_thread(app) as base:
        response = httpx.post(f"{base}/api/probe", timeout=10)
    assert response.status_code == 409, response.text
    assert response.json()["error"]["code"] == "conflict"
    engine = create_engine(sync_url(db_url))
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM commit_probe")).scalar_one() == 0
    finally:
        engine.dispose()
