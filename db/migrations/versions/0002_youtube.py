"""Publishing to YouTube: connected channels, publications, and the daily quota spent.

The jobs table needs no change for the new `publish` kind: kinds are stored as VARCHAR(16)
without a constraint.

Revision ID: 0002_youtube
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.base

revision: str = "0002_youtube"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "youtube_channels",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("channel_id", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("tokens", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "connected",
                "needs_reconnect",
                name="channelstatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("created_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name=op.f("fk_youtube_channels_owner_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_youtube_channels")),
        sa.UniqueConstraint(
            "owner_id", "channel_id", name=op.f("uq_youtube_channels_owner_id_channel_id")
        ),
    )
    with op.batch_alter_table("youtube_channels", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_youtube_channels_owner_id"), ["owner_id"], unique=False
        )

    op.create_table(
        "publications",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("job_id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("render_job_id", sa.Uuid(), nullable=False),
        sa.Column("channel_id", sa.Uuid(), nullable=True),
        sa.Column("video_id", sa.String(length=32), nullable=True),
        sa.Column("url", sa.String(length=200), nullable=True),
        sa.Column("playlist_id", sa.String(length=64), nullable=True),
        sa.Column("steps", sa.JSON(), nullable=False),
        sa.Column("upload_session_uri", sa.Text(), nullable=True),
        sa.Column("bytes_acknowledged", sa.BigInteger(), nullable=False),
        sa.Column("created_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["job_id"], ["jobs.id"], name=op.f("fk_publications_job_id_jobs"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["youtube_channels.id"],
            name=op.f("fk_publications_channel_id_youtube_channels"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_publications")),
        sa.UniqueConstraint("job_id", name=op.f("uq_publications_job_id")),
    )
    with op.batch_alter_table("publications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_publications_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_publications_render_job_id"), ["render_job_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_publications_channel_id"), ["channel_id"], unique=False
        )

    op.create_table(
        "youtube_quota",
        sa.Column("project", sa.String(length=200), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("units", sa.Integer(), nullable=False),
        sa.Column("uploads", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("project", "day", name=op.f("pk_youtube_quota")),
    )


def downgrade() -> None:
    op.drop_table("youtube_quota")
    with op.batch_alter_table("publications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_publications_channel_id"))
        batch_op.drop_index(batch_op.f("ix_publications_render_job_id"))
        batch_op.drop_index(batch_op.f("ix_publications_owner_id"))
    op.drop_table("publications")
    with op.batch_alter_table("youtube_channels", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_youtube_channels_owner_id"))
    op.drop_table("youtube_channels")
