"""ORM model for the processes that run runs: one row per worker, with its heartbeat.

A worker (``taskrunner worker`` or the in-process worker of ``serve``) registers at
start, beats every few seconds and marks itself stopped on a clean exit. A worker
whose heartbeat is older than the stale limit is dead: the leader settles its runs.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db.models import Base
from app.db.types import UTCDateTime


class Worker(Base):
    __tablename__ = "workers"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # host-pid-random, also in logs
    kind: Mapped[str] = mapped_column(String(16))  # worker (a process of its own) | in-process
    hostname: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    concurrency: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_heartbeat: Mapped[datetime] = mapped_column(UTCDateTime)
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_workers_last_heartbeat", "last_heartbeat"),)
