"""Conditions: a task's run condition, and what each run's check found.

Revision ID: 0009
Revises: 0012
Create Date: 2026-11-30
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PARTIAL_INDEX = "uq_executions_one_active_per_task_slot"
ACTIVE = sa.text("status IN ('queued', 'running')")
CHECKS_INDEX = "ix_executions_condition_checks"
CHECKED = sa.text("condition_hash IS NOT NULL")


@contextmanager
def _altered(table: str) -> Iterator[Any]:
    """Alter ``table``; on SQLite its copy keeps AUTOINCREMENT (and, for executions, the partial index)."""
    if op.get_bind().dialect.name != "sqlite":
        with op.batch_alter_table(table) as batch:
            yield batch
        return
    if table == "executions":
        op.drop_index(PARTIAL_INDEX, table_name="executions")
    with op.batch_alter_table(table, recreate="always", table_kwargs={"sqlite_autoincrement": True}) as batch:
        yield batch
    if table == "executions":
        op.create_index(PARTIAL_INDEX, "executions", ["task_id", "slot"], unique=True, sqlite_where=ACTIVE)


def upgrade() -> None:
    with _altered("tasks") as batch:
        batch.add_column(sa.Column("condition", sa.JSON(none_as_null=True), nullable=True))
    with _altered("executions") as batch:
        batch.add_column(sa.Column("condition_result", sa.Text(), nullable=True))
        batch.add_column(sa.Column("condition_hash", sa.String(length=64), nullable=True))
    op.create_index(
        CHECKS_INDEX, "executions", ["task_id", "started_at"], postgresql_where=CHECKED, sqlite_where=CHECKED
    )


def downgrade() -> None:
    op.drop_index(CHECKS_INDEX, table_name="executions")
    with _altered("executions") as batch:
        batch.drop_column("condition_hash")
        batch.drop_column("condition_result")
    with _altered("tasks") as batch:
        batch.drop_column("condition")
