"""Imported forecasts (``floorlead forecast import``): per queue and interval, the contacts and
AHT expected, replacing the forecast made from the floor's history for those intervals.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "forecast_interval",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("queue_id", sa.String(64), nullable=False),
        sa.Column("start", sa.DateTime(), nullable=False),
        sa.Column("contacts", sa.Float(), nullable=False),
        sa.Column("aht_s", sa.Float(), nullable=False),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.Column("imported_by", sa.String(100), nullable=False, server_default=""),
        sa.UniqueConstraint("queue_id", "start", name="uq_forecast_interval"),
    )
    op.create_index("ix_forecast_interval_start", "forecast_interval", ["start"])


def downgrade() -> None:
    op.drop_index("ix_forecast_interval_start", "forecast_interval")
    op.drop_table("forecast_interval")
