"""Task kinds (agent, http, function) and prompt templates; each record keeps the instructions it ran with.

Revision ID: 0010
Revises: 0008
Create Date: 2026-11-30
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from alembic import op

import app.db.types

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PARTIAL_INDEX = "uq_executions_one_active_per_task_slot"
ACTIVE = sa.text("status IN ('queued', 'running')")
TEMPLATE_FK = "fk_tasks_template_id_task_templates"
TEMPLATE_INDEX = "ix_tasks_template_id"
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
# SQLite tables rebuilt in batch mode keep AUTOINCREMENT (ids are never reused; revision 0004).
_KEEP_IDS = {"sqlite_autoincrement": True}


@contextmanager
def _executions() -> Iterator[Any]:
    """Alter ``executions``; on SQLite its copy keeps AUTOINCREMENT and the partial index."""
    if op.get_bind().dialect.name != "sqlite":
        with op.batch_alter_table("executions") as batch:
            yield batch
        return
    op.drop_index(PARTIAL_INDEX, table_name="executions")
    with op.batch_alter_table("executions", recreate="always", table_kwargs=_KEEP_IDS) as batch:
        yield batch
    op.create_index(PARTIAL_INDEX, "executions", ["task_id", "slot"], unique=True, sqlite_where=ACTIVE)


def upgrade() -> None:
    op.create_table(
        "task_templates",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("instructions", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("created_at", app.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_templates")),
        sa.UniqueConstraint("name", name=op.f("uq_task_templates_name")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("tasks", table_kwargs=_KEEP_IDS) as batch:
        batch.add_column(sa.Column("kind", sa.String(length=16), server_default="agent", nullable=False))
        batch.add_column(sa.Column("http", sa.JSON(none_as_null=True), nullable=True))
        batch.add_column(sa.Column("function", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("template_id", BigId, nullable=True))
        batch.add_column(sa.Column("params", sa.JSON(none_as_null=True), nullable=True))
        batch.create_foreign_key(TEMPLATE_FK, "task_templates", ["template_id"], ["id"], ondelete="SET NULL")
        batch.create_index(TEMPLATE_INDEX, ["template_id"], unique=False)
    with _executions() as batch:
        batch.add_column(sa.Column("instructions", sa.Text(), nullable=True))


def downgrade() -> None:
    with _executions() as batch:
        batch.drop_column("instructions")
    with op.batch_alter_table("tasks", table_kwargs=_KEEP_IDS) as batch:
        batch.drop_index(TEMPLATE_INDEX)
        batch.drop_constraint(TEMPLATE_FK, type_="foreignkey")
        batch.drop_column("params")
        batch.drop_column("template_id")
        batch.drop_column("function")
        batch.drop_column("http")
        batch.drop_column("kind")
    op.drop_table("task_templates")
