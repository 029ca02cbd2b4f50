"""The two-person rule by account, enforced by the database; the floor's policy in the floor.

``escalation`` records the accounts that approved (``first_approver_account``,
``approver_account``); ``floor_policy`` holds the two-person limit. A trigger refuses an
approval that would release money above the limit in one step, or that comes from the account
that gave the first approval, whatever client writes it. On PostgreSQL the trigger also takes
the accounts from the session's role (``current_user``), so no client can name someone else.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: in cents; the limit a floor starts with until `floorlead policy set` changes it
DEFAULT_LIMIT_CENTS = 1_000_000

SAME = "the same account cannot give both approvals"
ABOVE = "an approval above the two-person limit needs a second, different account"

SQLITE_TRIGGER = f"""
CREATE TRIGGER escalation_two_person BEFORE UPDATE OF status ON escalation
WHEN NEW.status = 'approved' AND OLD.status != 'approved'
BEGIN
    SELECT RAISE(ABORT, '{SAME}')
    WHERE OLD.status = 'awaiting_second'
      AND NEW.approver_account = OLD.first_approver_account;
    SELECT RAISE(ABORT, '{ABOVE}')
    WHERE OLD.status != 'awaiting_second'
      AND COALESCE(NEW.amount_cents, 0) > COALESCE(
          (SELECT CAST(value AS INTEGER) FROM floor_policy
           WHERE key = 'approval_second_above_cents'), {DEFAULT_LIMIT_CENTS});
END
"""

POSTGRES_FUNCTION = f"""
CREATE OR REPLACE FUNCTION escalation_two_person() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    limit_cents BIGINT;
BEGIN
    IF NEW.status = OLD.status OR NEW.status NOT IN ('approved', 'awaiting_second') THEN
        RETURN NEW;
    END IF;
    IF NEW.status = 'awaiting_second' THEN
        NEW.first_approver_account := current_user;
        RETURN NEW;
    END IF;
    NEW.approver_account := current_user;
    IF OLD.status = 'awaiting_second' THEN
        IF NEW.approver_account = OLD.first_approver_account THEN
            RAISE EXCEPTION '{SAME}' USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NEW;
    END IF;
    SELECT CAST(value AS BIGINT) INTO limit_cents FROM floor_policy
        WHERE key = 'approval_second_above_cents';
    IF COALESCE(NEW.amount_cents, 0) > COALESCE(limit_cents, {DEFAULT_LIMIT_CENTS}) THEN
        RAISE EXCEPTION '{ABOVE}' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END $$
"""


def upgrade() -> None:
    op.add_column(
        "escalation",
        sa.Column("first_approver_account", sa.String(100), nullable=False, server_default=""),
    )
    op.add_column(
        "escalation",
        sa.Column("approver_account", sa.String(100), nullable=False, server_default=""),
    )
    op.create_table(
        "floor_policy",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.String(200), nullable=False),
        sa.Column("changed_by", sa.String(100), nullable=False, server_default=""),
        sa.Column("changed_at", sa.DateTime(), nullable=True),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRES_FUNCTION)
        op.execute(
            "CREATE TRIGGER escalation_two_person BEFORE UPDATE ON escalation "
            "FOR EACH ROW EXECUTE FUNCTION escalation_two_person()"
        )
    else:
        op.execute(SQLITE_TRIGGER)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER escalation_two_person ON escalation")
        op.execute("DROP FUNCTION escalation_two_person()")
    else:
        op.execute("DROP TRIGGER escalation_two_person")
    op.drop_table("floor_policy")
    op.drop_column("escalation", "approver_account")
    op.drop_column("escalation", "first_approver_account")
