"""Runs with inputs: the inputs a run was started with and the caller's idempotency key.

Revision ID: 0007
Revises: 0004_key_scope
Create Date: 2026-11-30
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from alembic import op

import app.db.types

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0004_key_scope"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PARTIAL_INDEX = "uq_executions_one_active_per_task"
ACTIVE = sa.text("status IN ('queued', 'running')")
UNIQUE_KEY = "uq_executions_task_id_idempotency_key"


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
    op.create_index(PARTIAL_INDEX, "executions", ["task_id"], unique=True, sqlite_where=ACTIVE)


def upgrade() -> None:
    with _executions() as batch:
        batch.add_column(sa.Column("inputs", sa.JSON(none_as_null=True), nullable=True))
        batch.add_column(sa.Column("idempotency_key", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("window_start", app.db.types.UTCDateTime(timezone=True), nullable=True))
        batch.create_unique_constraint(UNIQUE_KEY, ["task_id", "idempotency_key"])


def downgrade() -> None:
    with _executions() as batch:
        batch.drop_constraint(UNIQUE_KEY, type_="unique")
        batch.drop_column("window_start")
        batch.drop_column("idempotency_key")
        batch.drop_column("inputs")
