"""ORM models for operating the service: API keys and notification delivery attempts.

Keys are stored only as a hash with a short display prefix; a delivery row is
one attempt to tell someone about a finished run, and goes with its execution.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db.models import Base, BigId
from app.db.types import StrEnumText, UTCDateTime
from app.vocabulary import KeyScope


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))  # "trk_" and 4 more characters, for display
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 hex of the whole key
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    scope: Mapped[KeyScope] = mapped_column(
        StrEnumText(KeyScope), default=KeyScope.FULL, server_default=KeyScope.FULL.value
    )

    __table_args__ = ({"sqlite_autoincrement": True},)


class NotificationDelivery(Base):
    __tablename__ = "notification_deliveries"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    execution_id: Mapped[int] = mapped_column(BigId, ForeignKey("executions.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(16))  # webhook | email
    target: Mapped[str] = mapped_column(String(255))  # redacted: a host, or ***@domain
    attempt: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(8))  # ok | failed
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = ({"sqlite_autoincrement": True},)
