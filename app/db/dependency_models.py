"""ORM model of task dependencies: one edge per (dependent task, upstream task) and the end it waits for.

``tasks.after`` keeps the declaration as the caller gave it (what views show); these rows
are its index, written in the same transaction, for the questions asked on every run's
end and on every delete: which tasks wait on this one, and would a new edge close a cycle.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from app.db.models import Base, BigId
from app.db.types import StrEnumText, UTCDateTime
from app.vocabulary import DependencyMode, DependencyOn


class TaskDependency(Base):
    """Task ``task_id`` runs after ``upstream_task_id``'s runs end as ``on_end`` says (ends since ``since`` count)."""

    __tablename__ = "task_dependencies"

    task_id: Mapped[int] = mapped_column(BigId, ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True)
    upstream_task_id: Mapped[int] = mapped_column(BigId, ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True)
    on_end: Mapped[DependencyOn] = mapped_column(StrEnumText(DependencyOn, length=16))
    # The dependent task's mode (the same on each of its edges), so the sweep needs no JSON.
    mode: Mapped[DependencyMode] = mapped_column(StrEnumText(DependencyMode, length=8))
    # When this edge was declared: an upstream end before it never starts the dependent.
    since: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_task_dependencies_upstream_task_id", "upstream_task_id"),)
