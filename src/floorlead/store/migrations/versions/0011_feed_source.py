"""Live feeds report themselves (``feed_source``): the header's feed health. Queue
memberships keep their history (``agent_queue_change``): a snapshot of an earlier instant
staffs who was a member then.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "feed_source",
        sa.Column("id", sa.String(300), primary_key=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("status", sa.String(16), nullable=False, server_default="live"),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("beat_at", sa.DateTime(), nullable=False),
        sa.Column("last_event_at", sa.DateTime(), nullable=True),
        sa.Column("records", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("quarantined", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("quarantine_path", sa.String(1000), nullable=False, server_default=""),
    )

    op.create_table(
        "agent_queue_change",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("agent_id", sa.String(64), nullable=False),
        sa.Column("queue_id", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("member", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_agent_queue_change_at", "agent_queue_change", ["at"])


def downgrade() -> None:
    op.drop_index("ix_agent_queue_change_at", "agent_queue_change")
    op.drop_table("agent_queue_change")
    op.drop_table("feed_source")
