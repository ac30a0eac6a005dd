"""Services inside a unit of work, for clients that are not HTTP request handlers (MCP calls).

Each block is one :class:`~app.services.unit_of_work.UnitOfWork`: committed
(then its events published) when the block ends without error, rolled back
otherwise.
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
    """Services over a unit of work that commits when the block succeeds."""
    async with UnitOfWork(sessions, broker) as uow:
        yield Services(uow.session, deps)
        await uow.commit()
