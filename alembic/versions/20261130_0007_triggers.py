"""Triggers: run inputs and idempotency keys, backfill periods, inbound event hooks and their deliveries.

Revision ID: 0007
Revises: 0005
Create Date: 2026-11-30
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from alembic import op

import app.db.types

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PARTIAL_INDEX = "uq_executions_one_active_per_task_slot"
ACTIVE = sa.text("status IN ('queued', 'running')")
UNIQUE_KEY = "uq_executions_task_id_idempotency_key"
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


@contextmanager
def _executions() -> Iterator[Any]:
    """Alter ``executions``; on SQLite its copy keeps AUTOINCREMENT and the partial index."""
    if op.get_bind().dialect.name != "sqlite":
        with op.batch_alter_table("executions") as batch:
            yield batch
        return
    op.drop_index(PARTIAL_INDEX, table_name="executions")
    with op.batch_alter_table("executions", recreate="always", table_kwargs={"sqlite_autoincrement": True}) as batch:
        yield batch
    op.create_index(PARTIAL_INDEX, "executions", ["task_id", "slot"], unique=True, sqlite_where=ACTIVE)


def upgrade() -> None:
    op.create_table(
        "task_hooks",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("task_id", BigId, nullable=False),
        sa.Column("secret", sa.String(length=100), nullable=False),
        sa.Column("previous_secret", sa.String(length=100), nullable=True),
        sa.Column("previous_valid_until", app.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("rate_per_minute", sa.Integer(), nullable=False),
        sa.Column("created_at", app.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("rotated_at", app.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], name=op.f("fk_task_hooks_task_id_tasks"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_hooks")),
        sa.UniqueConstraint("task_id", name=op.f("uq_task_hooks_task_id")),
    )
    op.create_table(
        "hook_deliveries",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("hook_id", sa.String(length=40), nullable=False),
        sa.Column("received_at", app.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("accepted", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("signature", sa.String(length=100), nullable=True),
        sa.Column("execution_id", BigId, nullable=True),
        sa.ForeignKeyConstraint(
            ["hook_id"], ["task_hooks.id"], name=op.f("fk_hook_deliveries_hook_id_task_hooks"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hook_deliveries")),
        sa.UniqueConstraint("hook_id", "signature", name=op.f("uq_hook_deliveries_hook_id_signature")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_hook_deliveries_hook_id_received_at", "hook_deliveries", ["hook_id", "received_at"], unique=False
    )
    with _executions() as batch:
        batch.add_column(sa.Column("inputs", sa.JSON(none_as_null=True), nullable=True))
        batch.add_column(sa.Column("idempotency_key", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("window_start", app.db.types.UTCDateTime(timezone=True), nullable=True))
        batch.create_unique_constraint(UNIQUE_KEY, ["task_id", "idempotency_key"])


def downgrade() -> None:
    op.drop_index("ix_hook_deliveries_hook_id_received_at", table_name="hook_deliveries")
    op.drop_table("hook_deliveries")
    op.drop_table("task_hooks")
    with _executions() as batch:
        batch.drop_constraint(UNIQUE_KEY, type_="unique")
        batch.drop_column("window_start")
        batch.drop_column("idempotency_key")
        batch.drop_column("inputs")
