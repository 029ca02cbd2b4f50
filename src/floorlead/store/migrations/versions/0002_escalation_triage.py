"""Escalation triage: hand-up target, SLA pauses, two-person approvals, last change.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _columns() -> tuple[sa.Column, ...]:  # type: ignore[type-arg]
    """Fresh Column objects each call: a Column belongs to one table once added."""
    return (
        sa.Column("handed_up_to", sa.String(length=100), nullable=False, server_default=""),
        sa.Column("paused_since", sa.DateTime(), nullable=True),
        sa.Column("paused_s", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("pause_reason", sa.String(length=200), nullable=False, server_default=""),
        sa.Column("first_approver", sa.String(length=100), nullable=False, server_default=""),
        sa.Column("first_approved_at", sa.DateTime(), nullable=True),
        sa.Column("decided_by", sa.String(length=100), nullable=False, server_default=""),
        sa.Column("decline_reason", sa.String(length=500), nullable=False, server_default=""),
        sa.Column("updated_by", sa.String(length=100), nullable=False, server_default=""),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
    )


def upgrade() -> None:
    with op.batch_alter_table("escalation", schema=None) as batch_op:
        for column in _columns():
            batch_op.add_column(column)


def downgrade() -> None:
    with op.batch_alter_table("escalation", schema=None) as batch_op:
        for column in reversed(_columns()):
            batch_op.drop_column(column.name)
