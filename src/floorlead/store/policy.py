"""Who is acting, and the floor's policy: what a supervisor cannot simply type.

The account behind an approval is the database role of the session on PostgreSQL (each
supervisor logs in as their own role) and the operating-system account of the process on
SQLite — never an environment variable or a setting. The two-person limit lives in the
floor's database (``floor_policy``), changed only by ``floorlead policy set`` with an audit
row; a user's settings may only lower it for their own screens, never raise it.
"""

from __future__ import annotations

import os
from datetime import datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import select, text
from sqlalchemy.engine import Connection

from floorlead.errors import FloorleadError
from floorlead.store.db import FloorDatabase
from floorlead.store.schema import POLICY, audit, upsert

LIMIT_KEY = "approval_second_above_cents"
#: the limit a floor starts with (the migration's trigger uses the same)
DEFAULT_LIMIT_CENTS = 1_000_000


def os_account() -> str:
    """The operating-system account this process runs as (not ``$USER``, which anyone sets)."""
    try:
        import pwd
    except ImportError:  # pragma: no cover - Windows: the login session's user
        return os.getlogin()
    return pwd.getpwuid(os.geteuid()).pw_name


def account(conn: Connection) -> str:
    """The account acting on this connection."""
    if conn.dialect.name == "postgresql":
        return str(conn.execute(text("SELECT current_user")).scalar_one())
    return os_account()


def limit_cents(conn: Connection) -> int:
    """Amounts above this need two approvals from two different accounts."""
    value = conn.execute(select(POLICY.c.value).where(POLICY.c.key == LIMIT_KEY)).scalar()
    return DEFAULT_LIMIT_CENTS if value is None else int(value)


def parse_amount(value: str) -> int:
    """``25000`` or ``25,000.50`` to cents; one sentence otherwise."""
    try:
        amount = Decimal(value.replace(",", "").strip())
    except InvalidOperation:
        raise FloorleadError(f"{value!r} is not an amount (e.g. 10000 or 2500.50).") from None
    if not amount.is_finite() or amount < 0:
        raise FloorleadError(f"{value!r} is not an amount of zero or more.")
    return int((amount * 100).to_integral_value())


def set_limit(db: FloorDatabase, cents: int, *, actor: str, at: datetime, reason: str) -> int:
    """Change the two-person limit; one transaction with its audit row. Returns the old one."""
    if not reason.strip():
        raise FloorleadError("Changing the two-person limit needs a reason (--reason).")
    with db.begin() as conn:
        old = limit_cents(conn)
        who = account(conn)
        upsert(
            conn,
            POLICY,
            {"key": LIMIT_KEY, "value": str(cents), "changed_by": who, "changed_at": at},
            ["key"],
        )
        audit(
            conn,
            at,
            actor,
            "policy.set",
            "policy",
            LIMIT_KEY,
            account=who,
            old=old,
            new=cents,
            reason=reason.strip(),
        )
    return old
