"""controls: overlap policies, concurrency keys, jitter, budgets, failure pauses, SLA

Revision ID: 0006
Revises: 0003
Create Date: 2026-11-30 18:00:00

"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

import app.db.types

revision: str = "0006"
down_revision: Union[str, Sequence[str], None] = "0004_key_scope"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

ACTIVE = sa.text("status IN ('queued', 'running')")
# SQLite tables rebuilt in batch mode keep AUTOINCREMENT (ids are never reused; revision 0004).
_KEEP_IDS = {"sqlite_autoincrement": True}


def upgrade() -> None:
    with op.batch_alter_table("tasks", schema=None, table_kwargs=_KEEP_IDS) as batch_op:
        batch_op.add_column(sa.Column("overlap_policy", sa.String(length=16), server_default="skip", nullable=False))
        batch_op.add_column(sa.Column("concurrency_key", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("jitter_seconds", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("max_cost_usd_per_run", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("max_tokens_per_run", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("max_cost_usd_per_day", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("max_cost_usd_per_month", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("pause_on_budget", sa.Boolean(), server_default=sa.text("false"), nullable=False))
        batch_op.add_column(sa.Column("pause_after_failures", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("pause_note", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("resumed_at", app.db.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("max_delay_seconds", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("max_duration_seconds", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_tasks_concurrency_key"), ["concurrency_key"], unique=False)

    with op.batch_alter_table("executions", schema=None, table_kwargs=_KEEP_IDS) as batch_op:
        batch_op.add_column(sa.Column("due_at", app.db.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("slot", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("sla_breach", sa.Text(), nullable=True))
    op.execute("UPDATE executions SET due_at = scheduled_for, slot = 0")
    with op.batch_alter_table("executions", schema=None, table_kwargs=_KEEP_IDS) as batch_op:
        batch_op.drop_index("uq_executions_one_active_per_task", postgresql_where=ACTIVE, sqlite_where=ACTIVE)
        batch_op.create_index(
            "uq_executions_one_active_per_task_slot",
            ["task_id", "slot"],
            unique=True,
            postgresql_where=ACTIVE,
            sqlite_where=ACTIVE,
        )

    op.create_table(
        "concurrency_keys",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("max_running", sa.Integer(), nullable=False),
        sa.Column("created_at", app.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_concurrency_keys")),
    )
    op.create_table(
        "model_prices",
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("input_per_million", sa.Float(), nullable=False),
        sa.Column("output_per_million", sa.Float(), nullable=False),
        sa.Column("updated_at", app.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("model", name=op.f("pk_model_prices")),
    )


def downgrade() -> None:
    op.drop_table("model_prices")
    op.drop_table("concurrency_keys")
    # Parallel (allow) and buffered runs cannot survive the one-active-run rule: close them.
    op.execute(
        "UPDATE executions SET status = 'cancelled', reason = 'downgrade: one active run per task' "
        "WHERE status IN ('queued', 'running') AND (slot IS NULL OR slot <> 0)"
    )
    with op.batch_alter_table("executions", schema=None, table_kwargs=_KEEP_IDS) as batch_op:
        batch_op.drop_index("uq_executions_one_active_per_task_slot", postgresql_where=ACTIVE, sqlite_where=ACTIVE)
        batch_op.create_index(
            "uq_executions_one_active_per_task",
            ["task_id"],
            unique=True,
            postgresql_where=ACTIVE,
            sqlite_where=ACTIVE,
        )
        batch_op.drop_column("sla_breach")
        batch_op.drop_column("slot")
        batch_op.drop_column("due_at")
    with op.batch_alter_table("tasks", schema=None, table_kwargs=_KEEP_IDS) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tasks_concurrency_key"))
        for column in (
            "max_duration_seconds",
            "max_delay_seconds",
            "resumed_at",
            "pause_note",
            "pause_after_failures",
            "pause_on_budget",
            "max_cost_usd_per_month",
            "max_cost_usd_per_day",
            "max_tokens_per_run",
            "max_cost_usd_per_run",
            "jitter_seconds",
            "concurrency_key",
            "overlap_policy",
        ):
            batch_op.drop_column(column)
