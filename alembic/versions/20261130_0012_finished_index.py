"""Runs by when they finished: an index for the record-derived metrics by trigger (last 24 hours).

Revision ID: 0012
Revises: 0007
Create Date: 2026-11-30
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_executions_finished_at", "executions", ["finished_at"])


def downgrade() -> None:
    op.drop_index("ix_executions_finished_at", table_name="executions")
