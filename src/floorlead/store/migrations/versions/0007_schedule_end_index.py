"""An index on the end of schedule blocks: a day's blocks are those ending after it begins
and starting before it ends; with only the start indexed, SQLite read every block since the
floor's first day to find them.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_schedule_end", "schedule", ["end"])


def downgrade() -> None:
    op.drop_index("ix_schedule_end", table_name="schedule")
