"""Dependencies: a task runs after others (``tasks.after``, ``task_dependencies``), runs name their upstream run.

Revision ID: 0008
Revises: 0009
Create Date: 2026-11-30
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from alembic import op

import app.db.types

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PARTIAL_INDEX = "uq_executions_one_active_per_task_slot"
ACTIVE = sa.text("status IN ('queued', 'running')")
UNIQUE_UPSTREAM = "uq_executions_task_id_upstream_execution_id"
UPSTREAM_FK = "fk_executions_upstream_execution_id_executions"
FINISHED_INDEX = "ix_executions_task_id_finished_at"
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
    with op.batch_alter_table("tasks", table_kwargs=_KEEP_IDS) as batch:
        batch.add_column(sa.Column("after", sa.JSON(none_as_null=True), nullable=True))
    op.create_table(
        "task_dependencies",
        sa.Column("task_id", BigId, nullable=False),
        sa.Column("upstream_task_id", BigId, nullable=False),
        sa.Column("on_end", sa.String(length=16), nullable=False),
        sa.Column("mode", sa.String(length=8), nullable=False),
        sa.Column("since", app.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], name=op.f("fk_task_dependencies_task_id_tasks"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["upstream_task_id"],
            ["tasks.id"],
            name=op.f("fk_task_dependencies_upstream_task_id_tasks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("task_id", "upstream_task_id", name=op.f("pk_task_dependencies")),
    )
    op.create_index(
        "ix_task_dependencies_upstream_task_id", "task_dependencies", ["upstream_task_id"], unique=False
    )
    with _executions() as batch:
        batch.add_column(sa.Column("upstream_execution_id", BigId, nullable=True))
        batch.create_foreign_key(UPSTREAM_FK, "executions", ["upstream_execution_id"], ["id"], ondelete="SET NULL")
        batch.create_unique_constraint(UNIQUE_UPSTREAM, ["task_id", "upstream_execution_id"])
        batch.create_index(FINISHED_INDEX, ["task_id", "finished_at"], unique=False)


def downgrade() -> None:
    with _executions() as batch:
        batch.drop_index(FINISHED_INDEX)
        batch.drop_constraint(UNIQUE_UPSTREAM, type_="unique")
        batch.drop_constraint(UPSTREAM_FK, type_="foreignkey")
        batch.drop_column("upstream_execution_id")
    op.drop_index("ix_task_dependencies_upstream_task_id", table_name="task_dependencies")
    op.drop_table("task_dependencies")
    with op.batch_alter_table("tasks", table_kwargs=_KEEP_IDS) as batch:
        batch.drop_column("after")
    # Runs queued by a dependency are plain on-demand runs to the revisions before this one.
    op.execute("UPDATE executions SET \"trigger\" = 'manual' WHERE \"trigger\" = 'dependency'")
