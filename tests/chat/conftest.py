"""Chat tests: the real app on the test database, with the assistant's LLM scripted per test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from typing import Any

import httpx
import pytest
import time_machine

import app.db.chat_models  # noqa: F401  (its tables are wiped between tests)
from app.api.app import create_app
from app.config import Settings
from app.db.engine import create_engine, create_sessionmaker
from app.db.repositories import FireRow, TaskRepository
from app.services.notifier import NullListener
from tests.chat.scripted_llm import StubScript
from tests.scheduler.conftest import START
from tests.support import records

__all__ = ["StubScript", "create_task", "insert_runs", "say", "scheduler_progress"]
from tests.support.openai_stub import OpenAIStub


@pytest.fixture
def frozen() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(START, tick=False) as t:
        yield t


@pytest.fixture
def script() -> Iterator[StubScript]:
    """The model, scripted, reached through litellm and the OpenAI-compatible HTTP stub."""
    with OpenAIStub() as stub:
        yield StubScript(stub)


def llm_for(script: StubScript) -> Any:
    from app.llm.litellm_client import LiteLLMClient

    settings = Settings(llm_model="openai/test", llm_api_base=script.stub.api_base, llm_api_key="sk-test")
    return LiteLLMClient(settings)


@pytest.fixture
async def client(db_url: str, frozen: time_machine.Traveller, script: StubScript) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(database_url=db_url, scheduler_enabled=False, llm_model="openai/test")
    app = create_app(settings, listener=NullListener(), llm=llm_for(script))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            yield c


async def create_task(client: httpx.AsyncClient, name: str, **body: Any) -> dict[str, Any]:
    body.setdefault("instructions", f"do {name}")
    body.setdefault("schedule", {"kind": "cron", "cron": "0 9 * * 1-5", "timezone": "Europe/Berlin"})
    response = await client.post("/api/tasks", json={"name": name, **body})
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def say(client: httpx.AsyncClient, message: str, conversation_id: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"message": message}
    if conversation_id:
        body["conversation_id"] = conversation_id
    response = await client.post("/api/chat", json=body)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def insert_runs(db_url: str, rows: list[tuple[FireRow, dict[str, Any]]]) -> list[int]:
    """Execution records as the scheduler would leave them: a fire, then a run's fields."""
    return await records.insert_runs(db_url, rows, now=START)


async def scheduler_progress(db_url: str, task_id: int, *, last_fire: datetime, next_run: datetime) -> None:
    """Move a task's fire progress as the scheduler does after recording its fires."""
    engine = create_engine(db_url)
    try:
        async with create_sessionmaker(engine)() as session:
            await TaskRepository(session).set_fire_progress(
                [{"task_id": task_id, "next_run_at": next_run, "last_fire_at": last_fire, "state": "active"}]
            )
            await session.commit()
    finally:
        await engine.dispose()
