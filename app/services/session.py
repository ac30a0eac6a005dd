"""A committed unit of service work for clients that are not HTTP requests (MCP over stdio or HTTP).

A thin use of :class:`~app.services.unit_of_work.UnitOfWork`: the services run over
its session, it commits when the block ends without error (then publishes the
block's events), and rolls back otherwise.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.services.catalog import ServiceDeps, Services
from app.services.events import EventBroker
from app.services.unit_of_work import UnitOfWork


@asynccontextmanager
async def committed(
    sessions: async_sessionmaker[AsyncSession], deps: ServiceDeps, broker: EventBroker
) -> AsyncIterator[Services]:
    """Services over a fresh unit of work whose transaction commits when the block succeeds."""
    async with UnitOfWork(sessions, broker) as uow:
        yield Services(uow.session, deps)
        await uow.commit()
