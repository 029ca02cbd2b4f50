"""Contacts numbered in the order they were stored, on PostgreSQL: the live floor asks for
"contacts stored since the last refresh" (SQLite answers that with its rowid; PostgreSQL
rows have none). A ``BIGSERIAL`` column: every insert takes the next number from its own
sequence, whoever writes, without a trigger.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE contact ADD COLUMN seq BIGSERIAL NOT NULL")
    op.execute("CREATE INDEX ix_contact_seq ON contact (seq)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX ix_contact_seq")
    op.execute("ALTER TABLE contact DROP COLUMN seq")
