"""ORM models for inbound event hooks: one hook per task, and each delivery with its outcome."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db.models import Base, BigId
from app.db.types import UTCDateTime


class TaskHook(Base):
    """A task's inbound webhook. The secret signs deliveries (HMAC-SHA256) or is sent as a token."""

    __tablename__ = "task_hooks"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    task_id: Mapped[int] = mapped_column(BigId, ForeignKey("tasks.id", ondelete="CASCADE"), unique=True)
    secret: Mapped[str] = mapped_column(String(100))
    # After a rotation the old secret stays valid until ``previous_valid_until``.
    previous_secret: Mapped[str | None] = mapped_column(String(100))
    previous_valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rate_per_minute: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    rotated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class HookDelivery(Base):
    """One request to a hook: accepted (with the run it started) or refused with the reason."""

    __tablename__ = "hook_deliveries"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    hook_id: Mapped[str] = mapped_column(String(40), ForeignKey("task_hooks.id", ondelete="CASCADE"))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted: Mapped[bool]
    reason: Mapped[str | None] = mapped_column(Text)
    # The signature of an accepted signed delivery: the same one again is a replay.
    signature: Mapped[str | None] = mapped_column(String(100))
    execution_id: Mapped[int | None] = mapped_column(BigId)

    __table_args__ = (
        UniqueConstraint("hook_id", "signature"),
        Index("ix_hook_deliveries_hook_id_received_at", "hook_id", "received_at"),
        {"sqlite_autoincrement": True},
    )
