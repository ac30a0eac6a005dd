"""Request-scoped dependencies: the session (the request owns the transaction) and services."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.clock import Clock
from app.config import Settings
from app.llm.base import LLMClient
from app.services.notifier import ChangeListener, publish_changes
from app.services.tasks import TaskDeps, TaskService


@dataclass
class AppState:
    """Everything the app factory builds once, in its lifespan."""

    settings: Settings
    clock: Clock
    sessionmaker: async_sessionmaker[AsyncSession]
    listener: ChangeListener
    llm: LLMClient | None
    scheduler: object | None = None
    worker: object | None = None  # the worker thread of serve, when runs go to workers


def app_state(request: Request) -> AppState:
    state: AppState = request.app.state.taskrunner
    return state


State = Annotated[AppState, Depends(app_state)]


async def session(state: State) -> AsyncIterator[AsyncSession]:
    """A session whose transaction commits when the handler returns without error."""
    async with state.sessionmaker() as s:
        try:
            yield s
            await s.commit()
        except BaseException:
            await s.rollback()
            raise
        publish_changes(s, state.listener)


Session = Annotated[AsyncSession, Depends(session)]


def task_service(state: State, s: Session) -> TaskService:
    return TaskService(s, TaskDeps(clock=state.clock, llm=state.llm, llm_model=state.settings.llm_model))


Tasks = Annotated[TaskService, Depends(task_service)]
