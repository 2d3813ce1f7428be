"""Idempotency keys are claimed before the work: a claim token and time, no answer yet.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-05 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.base

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("idempotency_keys") as batch:
        batch.add_column(sa.Column("claim", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("claimed_at", db.base.UTCDateTime(timezone=True), nullable=True))
        batch.alter_column("status_code", existing_type=sa.Integer(), nullable=True)
        batch.alter_column("body", existing_type=sa.JSON(), nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM idempotency_keys WHERE status_code IS NULL")  # unfinished claims
    with op.batch_alter_table("idempotency_keys") as batch:
        batch.alter_column("body", existing_type=sa.JSON(), nullable=False)
        batch.alter_column("status_code", existing_type=sa.Integer(), nullable=False)
        batch.drop_column("claimed_at")
        batch.drop_column("claim")
