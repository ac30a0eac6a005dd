"""A committed unit of service work for clients that are not HTTP requests (MCP over stdio or HTTP).

It mirrors the API's request session: commit when the block ends without
error, roll back otherwise, then hand the committed changes to the scheduler.
(When the shared unit of work lands, this becomes a thin use of it.)
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.services.catalog import ServiceDeps, Services
from app.services.notifier import ChangeListener, publish_changes


@asynccontextmanager
async def committed(
    sessions: async_sessionmaker[AsyncSession], deps: ServiceDeps, listener: ChangeListener
) -> AsyncIterator[Services]:
    """Services over a fresh session whose transaction commits when the block succeeds."""
    async with sessions() as session:
        try:
            yield Services(session, deps)
            await session.commit()
        except BaseException:
            await session.rollback()
            raise
        publish_changes(session, listener)
