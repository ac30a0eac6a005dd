"""Request dependencies: the unit of work (the request owns the transaction) and services.

The unit of work is a ``scope="function"`` dependency: its exit, which commits,
runs when the handler returns and BEFORE the response is sent. A 2xx therefore
always means "stored", and a commit that fails becomes an error response.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.clock import Clock
from app.config import Settings
from app.llm.base import LLMClient
from app.services.events import EventBroker
from app.services.notifier import ChangeListener
from app.services.tasks import TaskDeps, TaskService
from app.services.unit_of_work import UnitOfWork


@dataclass
class AppState:
    """Everything the app factory builds once, in its lifespan."""

    settings: Settings
    clock: Clock
    sessionmaker: async_sessionmaker[AsyncSession]
    listener: ChangeListener
    broker: EventBroker
    llm: LLMClient | None
    scheduler: object | None = None
    worker: object | None = None  # the worker thread of serve, when runs go to workers

    def unit_of_work(self) -> UnitOfWork:
        """A new unit of work on this app's database and event broker (for writers outside a request)."""
        return UnitOfWork(self.sessionmaker, self.broker)


def app_state(request: Request) -> AppState:
    state: AppState = request.app.state.taskrunner
    return state


State = Annotated[AppState, Depends(app_state)]


async def unit_of_work(state: State) -> AsyncIterator[UnitOfWork]:
    """The request's unit of work: committed (then its events published) when the handler returns."""
    async with state.unit_of_work() as uow:
        yield uow
        await uow.commit()


UoW = Annotated[UnitOfWork, Depends(unit_of_work, scope="function")]


def session(uow: UoW) -> AsyncSession:
    """The unit of work's session, for handlers that only read or hand it to a service."""
    return uow.session


Session = Annotated[AsyncSession, Depends(session)]


def task_service(state: State, s: Session) -> TaskService:
    deps = TaskDeps(
        clock=state.clock,
        llm=state.llm,
        llm_model=state.settings.llm_model,
        spread_seconds=state.settings.spread_round_hours,
        http_allow_hosts=tuple(state.settings.http_allow_host_list),
    )
    return TaskService(s, deps)


Tasks = Annotated[TaskService, Depends(task_service)]
