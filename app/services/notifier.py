"""How the scheduler in this process hears of committed changes: a subscriber on the event broker.

Services only :func:`~app.services.unit_of_work.record` events on their session;
the unit of work publishes them after it commits, and :func:`scheduler_subscriber`
turns them into the two calls a scheduler understands. A scheduler in another
process learns the same from the database (see ``app.scheduler.core``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from app.services.events import CancelRequested, Event, RunQueued, Subscriber, TaskChanged, TaskDeleted


class ChangeListener(Protocol):
    def tasks_changed(self, task_ids: set[int]) -> None: ...

    def runs_queued(self) -> None: ...


class CancelListener(ChangeListener, Protocol):
    """A listener that also runs runs here, and so stops them when a cancel is asked for."""

    def runs_cancel_requested(self, execution_ids: set[int]) -> None: ...


@runtime_checkable
class _CancelCapable(Protocol):
    def runs_cancel_requested(self, execution_ids: set[int]) -> None: ...


class NullListener:
    """Used where no scheduler runs in this process; the leader polls instead."""

    def tasks_changed(self, task_ids: set[int]) -> None:
        return None

    def runs_queued(self) -> None:
        return None

    def runs_cancel_requested(self, execution_ids: set[int]) -> None:
        return None


def scheduler_subscriber(listener: ChangeListener) -> Subscriber:
    """A broker subscriber telling ``listener`` which tasks changed and that runs were queued."""

    def deliver(events: Sequence[Event]) -> None:
        changed = {e.task_id for e in events if isinstance(e, TaskChanged | TaskDeleted)}
        if changed:
            listener.tasks_changed(changed)
        if any(isinstance(e, RunQueued) for e in events):
            listener.runs_queued()
        cancelled = {e.execution_id for e in events if isinstance(e, CancelRequested)}
        if cancelled and isinstance(listener, _CancelCapable):
            listener.runs_cancel_requested(cancelled)

    return deliver
