"""How services tell the scheduler that tasks or queued runs changed.

Services only mark changes on the session; the owner of the transaction
calls :func:`publish_changes` after it commits, so the scheduler never reads
a change that was rolled back.
"""

from __future__ import annotations

from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession


class ChangeListener(Protocol):
    def tasks_changed(self, task_ids: set[int]) -> None: ...

    def runs_queued(self) -> None: ...

    def runs_cancel_requested(self, execution_ids: set[int]) -> None: ...


class NullListener:
    """Used where no scheduler runs in this process; the leader polls instead."""

    def tasks_changed(self, task_ids: set[int]) -> None:
        return None

    def runs_queued(self) -> None:
        return None

    def runs_cancel_requested(self, execution_ids: set[int]) -> None:
        return None


def mark_task_changed(session: AsyncSession, task_id: int) -> None:
    session.info.setdefault("changed_tasks", set()).add(task_id)


def mark_run_queued(session: AsyncSession) -> None:
    session.info["runs_queued"] = True


def mark_cancel_requested(session: AsyncSession, execution_id: int) -> None:
    session.info.setdefault("cancel_requested", set()).add(execution_id)


def publish_changes(session: AsyncSession, listener: ChangeListener) -> None:
    """Hand the committed changes to the listener and forget them."""
    changed: set[int] = session.info.pop("changed_tasks", set())
    if changed:
        listener.tasks_changed(changed)
    if session.info.pop("runs_queued", False):
        listener.runs_queued()
    cancelled: set[int] = session.info.pop("cancel_requested", set())
    notify_cancel = getattr(listener, "runs_cancel_requested", None)
    if cancelled and notify_cancel is not None:
        notify_cancel(cancelled)
