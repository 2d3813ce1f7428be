"""The CRM outbox and the grants applied from Salesforce.

Revision ID: 0006_crm
Revises: 0005_auth
Create Date: 2026-12-05 17:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.base

revision: str = "0006_crm"
down_revision: str | None = "0005_auth"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATES = sa.Enum("pending", "done", "dead", name="outboxstate", native_enum=False, length=16)


def upgrade() -> None:
    op.create_table(
        "crm_outbox",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("record_id", sa.String(length=64), nullable=False),
        sa.Column("state", STATES, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("due_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("done_at", db.base.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crm_outbox")),
    )
    with op.batch_alter_table("crm_outbox", schema=None) as batch_op:
        batch_op.create_index("ix_crm_outbox_state_due", ["state", "due_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_crm_outbox_record_id"), ["record_id"], unique=False)
    op.create_table(
        "crm_grants",
        sa.Column("salesforce_id", sa.String(length=18), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("ledger_entry_id", sa.BigInteger(), nullable=False),
        sa.Column("written_back", sa.Boolean(), nullable=False),
        sa.Column("created_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("salesforce_id", name=op.f("pk_crm_grants")),
    )
    with op.batch_alter_table("crm_grants", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_crm_grants_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_table("crm_grants")
    op.drop_table("crm_outbox")
