"""task tombstones; SQLite ids never reused (AUTOINCREMENT)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 18:00:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

import app.db.types

revision: str = "0004"
down_revision: Union[str, Sequence[str], None] = "0003"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

# Tables whose integer ids SQLite must never hand out twice.
ID_TABLES = ("tasks", "executions", "execution_steps", "chat_messages", "api_keys", "notification_deliveries")
# Recreating a table in batch mode reflects its indexes, but not reliably a partial index's
# WHERE clause: drop this one first and create it again exactly.
PARTIAL_INDEX = "uq_executions_one_active_per_task"
ACTIVE = sa.text("status IN ('queued', 'running')")


def upgrade() -> None:
    op.create_table(
        "task_tombstones",
        sa.Column("task_id", BigId, autoincrement=False, nullable=False),
        sa.Column("deleted_at", app.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("task_id", name=op.f("pk_task_tombstones")),
    )
    with op.batch_alter_table("task_tombstones", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_task_tombstones_deleted_at"), ["deleted_at"], unique=False)
    if op.get_bind().dialect.name == "sqlite":
        _recreate_sqlite_tables(autoincrement=True)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _recreate_sqlite_tables(autoincrement=False)
    with op.batch_alter_table("task_tombstones", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_task_tombstones_deleted_at"))
    op.drop_table("task_tombstones")


def _recreate_sqlite_tables(*, autoincrement: bool) -> None:
    # Foreign keys are off on Alembic's connection, so dropping and renaming a parent
    # table during the copy leaves its children's rows alone.
    op.drop_index(PARTIAL_INDEX, table_name="executions")
    for table in ID_TABLES:
        with op.batch_alter_table(table, recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}):
            pass
    op.create_index(PARTIAL_INDEX, "executions", ["task_id"], unique=True, sqlite_where=ACTIVE)
