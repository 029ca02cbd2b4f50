"""Progressive correction steps on coaching notes.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("coaching_note", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("correction_step", sa.String(length=16), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("step_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("coaching_note", schema=None) as batch_op:
        batch_op.drop_column("step_on")
        batch_op.drop_column("correction_step")
