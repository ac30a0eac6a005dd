"""workers: worker heartbeats, run ownership, cancel requests, retry attempts; procrastinate's schema

Revision ID: 0005
Revises: 0006
Create Date: 2026-11-30 18:00:00

On PostgreSQL this also applies procrastinate's schema (its tables, types and
functions all start with ``procrastinate_``), as shipped with the pinned version
and copied beside this file, so a later upgrade of the package cannot change what
this revision does. On SQLite there is no procrastinate: runs stay in process.
"""
from pathlib import Path
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

import app.db.types

revision: str = "0005"
down_revision: Union[str, Sequence[str], None] = "0006"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
PROCRASTINATE_SQL = Path(__file__).with_name("sql") / "procrastinate_3.10.0.sql"

DROP_PROCRASTINATE = """
DROP TABLE IF EXISTS procrastinate_events, procrastinate_periodic_defers, procrastinate_jobs,
    procrastinate_workers CASCADE;
DO $$
DECLARE f record;
BEGIN
    FOR f IN SELECT p.oid::regprocedure AS signature FROM pg_proc p
             JOIN pg_namespace n ON n.oid = p.pronamespace
             WHERE n.nspname = current_schema() AND p.proname LIKE 'procrastinate\\_%'
    LOOP
        EXECUTE 'DROP FUNCTION IF EXISTS ' || f.signature || ' CASCADE';
    END LOOP;
END $$;
DROP TYPE IF EXISTS procrastinate_job_to_defer_v1, procrastinate_job_event_type, procrastinate_job_status CASCADE;
"""


# SQLite: a table batch mode copies keeps AUTOINCREMENT (ids never reused; revision 0004).
KEEP_IDS = {"sqlite_autoincrement": True}


def _raw(sql: str) -> None:
    # The raw driver connection: procrastinate's SQL holds '%' and '::' that bind-parameter
    # parsing would misread; without parameters psycopg sends it as it is.
    driver = op.get_bind().connection.driver_connection
    with driver.cursor() as cursor:  # type: ignore[union-attr]
        cursor.execute(sql)


def upgrade() -> None:
    op.create_table(
        "workers",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("hostname", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("concurrency", sa.Integer(), nullable=False),
        sa.Column("started_at", app.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_heartbeat", app.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("stopped_at", app.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workers")),
    )
    op.create_index("ix_workers_last_heartbeat", "workers", ["last_heartbeat"], unique=False)
    with op.batch_alter_table("tasks", schema=None, table_kwargs=KEEP_IDS) as batch_op:
        batch_op.add_column(
            sa.Column("retry_on_interrupt", sa.Boolean(), server_default=sa.text("false"), nullable=False)
        )
    with op.batch_alter_table("executions", schema=None, table_kwargs=KEEP_IDS) as batch_op:
        batch_op.add_column(sa.Column("worker_id", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column("cancel_requested_at", app.db.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("retry_of", BigId, nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_executions_retry_of_executions"), "executions", ["retry_of"], ["id"], ondelete="SET NULL"
        )
        batch_op.create_index("ix_executions_worker_id", ["worker_id"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        _raw(PROCRASTINATE_SQL.read_text())


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _raw(DROP_PROCRASTINATE)
    with op.batch_alter_table("executions", schema=None, table_kwargs=KEEP_IDS) as batch_op:
        batch_op.drop_index("ix_executions_worker_id")
        batch_op.drop_constraint(batch_op.f("fk_executions_retry_of_executions"), type_="foreignkey")
        batch_op.drop_column("retry_of")
        batch_op.drop_column("cancel_requested_at")
        batch_op.drop_column("worker_id")
    with op.batch_alter_table("tasks", schema=None, table_kwargs=KEEP_IDS) as batch_op:
        batch_op.drop_column("retry_on_interrupt")
    op.drop_index("ix_workers_last_heartbeat", table_name="workers")
    op.drop_table("workers")
