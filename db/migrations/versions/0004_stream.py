"""A job event's live stream URL: the job's WebSocket announces the HLS playlist.

Revision ID: 0004_stream
Revises: 0003_activity
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_stream"
down_revision: str | None = "0003_activity"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("job_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("stream", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("job_events", schema=None) as batch_op:
        batch_op.drop_column("stream")
