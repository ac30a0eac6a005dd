"""The unit of work: one session and one transaction, committed before anyone is told it is done.

Every write path (API handlers, chat turns, and any client to come) runs inside
one :class:`UnitOfWork`::

    async with UnitOfWork(sessionmaker, broker) as uow:
        task = await TaskService(uow.session, deps).create(data)
        await uow.commit()          # stored; events published; now answer
    return TaskOut.of(task, ...)

Services never commit: they flush, and :func:`record` the events their change
implies on the session. :meth:`UnitOfWork.commit` commits and then publishes
those events to the :class:`~app.services.events.EventBroker`. A commit that
fails raises (nothing is published), so the caller answers with an error rather
than an acknowledgement of a write that was lost. Leaving the block without
committing rolls back and drops the recorded events; leaving it by an
exception does the same and re-raises.

In the API the unit of work is a dependency whose exit runs before the response
is sent (``app.api.deps``), so handlers need not call ``commit`` themselves.
"""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.services.events import Event, EventBroker

_PENDING = "taskrunner.pending_events"


def record(session: AsyncSession, event: Event) -> None:
    """Note ``event`` on the session; it is published only if this transaction commits."""
    session.info.setdefault(_PENDING, []).append(event)


def pending(session: AsyncSession) -> tuple[Event, ...]:
    """The events recorded on ``session`` and not yet published (for tests and diagnostics)."""
    return tuple(session.info.get(_PENDING, ()))


class UnitOfWork:
    """Owns one session's transaction: commit, then publish; or roll back and forget."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], broker: EventBroker) -> None:
        self._sessionmaker = sessionmaker
        self._broker = broker
        self._session: AsyncSession | None = None

    @property
    def session(self) -> AsyncSession:
        """The session of this unit of work (only inside ``async with``)."""
        if self._session is None:
            raise RuntimeError("UnitOfWork.session is only available inside `async with`")
        return self._session

    async def __aenter__(self) -> UnitOfWork:
        self._session = self._sessionmaker()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session = self.session
        try:
            if exc is None and session.in_transaction():
                # Work left uncommitted by a caller that forgot: it was never acknowledged
                # as stored by this unit of work, so it is not stored.
                await session.rollback()
            elif exc is not None:
                await session.rollback()
        finally:
            session.info.pop(_PENDING, None)
            await session.close()
            self._session = None

    async def commit(self) -> None:
        """Commit the transaction, then publish the events recorded in it.

        Raises whatever the database raised if the commit fails; then nothing is
        published and the session is rolled back, ready for the caller to report it.
        """
        session = self.session
        try:
            await session.commit()
        except BaseException:
            session.info.pop(_PENDING, None)
            await session.rollback()
            raise
        events: list[Event] = session.info.pop(_PENDING, [])
        self._broker.publish(events)

    async def rollback(self) -> None:
        """Undo everything since the last commit and drop its events."""
        self.session.info.pop(_PENDING, None)
        await self.session.rollback()
