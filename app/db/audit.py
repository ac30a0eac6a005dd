"""Audit events for task changes made on behalf of a caller: who, which task, what changed.

A SQLAlchemy session hook, so every door (REST, chat, MCP, import) is covered
without each use case remembering to log. Changes are collected at flush and
logged only after the transaction commits (a rolled-back change never appears).
Only sessions serving a request are audited: the request context binds
``request_id`` and ``actor`` (an API key's prefix, never the secret) into
structlog's context, and those land on the event line. Scheduler bookkeeping
(next run, last fire, revision) is not a change anyone made, so it is left out.

Events: ``audit.task_created``, ``audit.task_updated`` (``changes``: field ->
[old, new]), ``audit.task_paused``, ``audit.task_resumed``, ``audit.task_deleted``.
Free text that may hold secrets (instructions, notify targets, an http task's
request, template params) is reported as changed, without its value.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import structlog
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from app.db.models import Task

log = structlog.get_logger("taskrunner.audit")

_BOOKKEEPING = frozenset(
    {"next_run_at", "last_fire_at", "revision", "updated_at", "created_at", "interval_anchor", "resumed_at"}
)
_REDACTED = frozenset({"instructions", "description", "notify", "parse_info", "http", "params"})
_KEY = "audit_events"
_installed = {"done": False}


def install() -> None:
    """Register the hooks on every ORM session (idempotent)."""
    if _installed["done"]:
        return
    event.listen(Session, "after_flush", _collect)
    event.listen(Session, "after_commit", _emit)
    event.listen(Session, "after_rollback", _forget)
    _installed["done"] = True


def _audited() -> bool:
    return "request_id" in structlog.contextvars.get_contextvars()


def _collect(session: Session, _context: Any) -> None:
    if not _audited():
        return
    events: list[tuple[str, dict[str, Any]]] = session.info.setdefault(_KEY, [])
    for obj in session.new:
        if isinstance(obj, Task):
            events.append(("audit.task_created", {"task_id": obj.id, "name": obj.name, "state": obj.state}))
    for obj in session.deleted:
        if isinstance(obj, Task):
            events.append(("audit.task_deleted", {"task_id": obj.id, "name": obj.name}))
    for obj in session.dirty:
        if isinstance(obj, Task) and obj not in session.deleted:
            events.extend(_changes(obj))


def _changes(task: Task) -> list[tuple[str, dict[str, Any]]]:
    changes: dict[str, Any] = {}
    state_change: tuple[Any, Any] | None = None
    for attr in inspect(task).attrs:
        if attr.key in _BOOKKEEPING:
            continue
        history = attr.history
        if not history.has_changes():
            continue
        old = history.deleted[0] if history.deleted else None
        new = history.added[0] if history.added else None
        if old == new:
            continue
        if attr.key == "state":
            state_change = (old, new)
        changes[attr.key] = "changed" if attr.key in _REDACTED else [_plain(old), _plain(new)]
    out: list[tuple[str, dict[str, Any]]] = []
    if state_change == ("active", "paused"):
        out.append(("audit.task_paused", {"task_id": task.id, "name": task.name}))
        changes.pop("state")
    elif state_change == ("paused", "active"):
        out.append(("audit.task_resumed", {"task_id": task.id, "name": task.name}))
        changes.pop("state")
    if changes:
        out.append(("audit.task_updated", {"task_id": task.id, "name": task.name, "changes": changes}))
    return out


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _emit(session: Session) -> None:
    for name, fields in session.info.pop(_KEY, []):
        log.info(name, **fields)


def _forget(session: Session) -> None:
    session.info.pop(_KEY, None)
