"""Call-outs: an agent absent for today or for hours (``call_out``), with the ``absent``
schedule block each adds; undone the same day, the row is kept.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "call_out",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("agent_id", sa.String(64), nullable=False),
        sa.Column("start", sa.DateTime(), nullable=False),
        sa.Column("end", sa.DateTime(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("schedule_id", sa.Integer(), nullable=True),
        sa.Column("called_by", sa.String(100), nullable=False),
        sa.Column("called_at", sa.DateTime(), nullable=False),
        sa.Column("undone_at", sa.DateTime(), nullable=True),
        sa.Column("undone_by", sa.String(100), nullable=False, server_default=""),
    )
    op.create_index("ix_call_out_agent_id", "call_out", ["agent_id"])


def downgrade() -> None:
    op.drop_index("ix_call_out_agent_id", "call_out")
    op.drop_table("call_out")
