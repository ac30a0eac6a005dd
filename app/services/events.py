"""What happened, after it is stored: typed events and the in-process broker that fans them out.

Events are frozen, keyword-only values naming ids only (readers load what they
need), so a handler never holds an ORM object from another session. Only a
:class:`~app.services.unit_of_work.UnitOfWork` publishes, and only after its
transaction committed: a subscriber never hears of a change that was rolled back.

Subscribers run synchronously inside :meth:`EventBroker.publish`, on the
publisher's thread and loop; they must be quick and hand real work off (the
scheduler, for one, re-posts to its own thread). A failing subscriber is logged
and never fails the publisher, whose write is already stored.

Other instances learn of changes through the database, not through this broker
(see ``docs/architecture.md``: the leader polls ``tasks.updated_at`` and the
``task_tombstones`` table).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import structlog

log = structlog.get_logger("taskrunner.events")


@dataclass(frozen=True, kw_only=True, slots=True)
class TaskChanged:
    """A task was created or changed (fields, schedule or state)."""

    task_id: int


@dataclass(frozen=True, kw_only=True, slots=True)
class TaskDeleted:
    """A task and its records were deleted."""

    task_id: int


@dataclass(frozen=True, kw_only=True, slots=True)
class RunQueued:
    """A run was queued outside the scheduler's own fires (run now, a retry)."""

    execution_id: int
    task_id: int


@dataclass(frozen=True, kw_only=True, slots=True)
class RunFinished:
    """A run reached a final status (``succeeded``, ``failed``, ``timed_out``, ...)."""

    execution_id: int
    task_id: int
    status: str


@dataclass(frozen=True, kw_only=True, slots=True)
class CancelRequested:
    """A cancel was asked for a running run (the process running it stops it)."""

    execution_id: int


Event = TaskChanged | TaskDeleted | RunQueued | RunFinished | CancelRequested
Subscriber = Callable[[Sequence[Event]], None]
"""Receives the events of one committed transaction, in the order they were recorded."""


class EventBroker:
    """Fans committed events out to subscribers in this process. Thread-safe."""

    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []
        self._lock = threading.Lock()

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        """Add ``subscriber``; returns the function that removes it again."""
        with self._lock:
            self._subscribers.append(subscriber)

        def unsubscribe() -> None:
            with self._lock:
                if subscriber in self._subscribers:
                    self._subscribers.remove(subscriber)

        return unsubscribe

    def publish(self, events: Sequence[Event]) -> None:
        """Hand ``events`` to every subscriber; a subscriber's error is logged, not raised."""
        if not events:
            return
        with self._lock:
            subscribers = list(self._subscribers)
        batch = tuple(events)
        for subscriber in subscribers:
            try:
                subscriber(batch)
            except Exception:  # the write is stored; one bad subscriber must not hide it from the rest
                log.exception("events.subscriber_failed", subscriber=getattr(subscriber, "__qualname__", "?"))
