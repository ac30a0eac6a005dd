"""The database's own answer to "are you there?"."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession


async def ping(session: AsyncSession) -> None:
    """Run a trivial query; raises the driver's error when the database does not answer."""
    await session.execute(text("SELECT 1"))
