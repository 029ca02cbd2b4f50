"""Timesheet decisions: approve, reject, reopen, and approve many at once.

Each decision and its audit row are written in one transaction, checked against the version
the supervisor saw; a bulk approval is one transaction for all of them, so stopping the
process half-way (even kill -9) leaves every timesheet approved with its audit row or still
pending, never in between.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from floorlead.domain.when import hhmm
from floorlead.errors import FloorleadError
from floorlead.store import models as m
from floorlead.store.db import FloorDatabase
from floorlead.store.ingest import AGENT, AUDIT, _table, audit
from floorlead.store.triage import ConflictError

TIMESHEET = _table(m.Timesheet)

#: decision → the statuses it may start from
ALLOWED = {
    "approve": ("pending", "reopened", "rejected"),
    "reject": ("pending", "reopened"),
    "reopen": ("approved", "rejected"),
}
RESULT = {"approve": "approved", "reject": "rejected", "reopen": "reopened"}


@dataclass(frozen=True)
class Decision:
    agent_id: str
    shift_date: date
    version: int  # the version the supervisor saw; 0 when no decision existed


def _current(conn: Connection, agent_id: str, day: date) -> Any:
    return conn.execute(
        select(TIMESHEET).where(TIMESHEET.c.agent_id == agent_id, TIMESHEET.c.shift_date == day)
    ).first()


def _conflict(conn: Connection, agent_id: str, day: date, tz: str) -> ConflictError:
    row = conn.execute(
        select(AUDIT.c.actor, AUDIT.c.action, AUDIT.c.at)
        .where(AUDIT.c.entity == "timesheet", AUDIT.c.entity_id == f"{agent_id}/{day}")
        .order_by(AUDIT.c.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return ConflictError("Someone else changed this timesheet; it is refreshed now.")
    verb = RESULT.get(row.action.removeprefix("timesheet."), row.action)
    return ConflictError(
        f"{verb.capitalize()} by {row.actor} at {hhmm(row.at, tz)}; the row is refreshed now."
    )


def _decide_in(
    conn: Connection, d: Decision, action: str, actor: str, at: datetime, tz: str, reason: str
) -> None:
    if conn.execute(select(AGENT.c.id).where(AGENT.c.id == d.agent_id)).first() is None:
        raise FloorleadError(f"Agent {d.agent_id} is not on this floor.")
    row = _current(conn, d.agent_id, d.shift_date)
    version = row.version if row is not None else 0
    if version != d.version:
        raise _conflict(conn, d.agent_id, d.shift_date, tz)
    status = row.status if row is not None else "pending"
    if status not in ALLOWED[action]:
        raise FloorleadError(f"A timesheet that is {status} cannot be {RESULT[action]}.")
    values = {
        "status": RESULT[action],
        "decided_by": actor,
        "decided_at": at,
        "reason": reason.strip(),
        "version": version + 1,
    }
    if row is None:
        conn.execute(
            TIMESHEET.insert().values(
                agent_id=d.agent_id, shift_date=d.shift_date, leave_kind="", **values
            )
        )
    else:
        done = conn.execute(
            update(TIMESHEET)
            .where(TIMESHEET.c.id == row.id, TIMESHEET.c.version == version)
            .values(**values)
        )
        if done.rowcount != 1:  # pragma: no cover - BEGIN IMMEDIATE makes this unreachable
            raise _conflict(conn, d.agent_id, d.shift_date, tz)
    audit(
        conn,
        at,
        actor,
        f"timesheet.{action}",
        "timesheet",
        f"{d.agent_id}/{d.shift_date}",
        status=RESULT[action],
        version=version + 1,
        has_reason=bool(reason.strip()),
    )


def decide(
    db: FloorDatabase,
    d: Decision,
    action: str,
    *,
    actor: str,
    at: datetime,
    tz: str,
    reason: str = "",
) -> None:
    """Approve, reject (with a reason) or reopen (with a reason) one timesheet."""
    if action in ("reject", "reopen") and not reason.strip():
        raise FloorleadError(f"To {action} a timesheet, give a reason.")
    with db.begin() as conn:
        _decide_in(conn, d, action, actor, at, tz, reason)


def approve_many(
    db: FloorDatabase, decisions: Sequence[Decision], *, actor: str, at: datetime, tz: str
) -> tuple[int, list[str]]:
    """Approve all in one transaction; those changed by someone else meanwhile are left as
    they are and named. Returns (approved, problems)."""
    approved = 0
    problems: list[str] = []
    with db.begin() as conn:
        for d in decisions:
            try:
                with conn.begin_nested():  # a refused one rolls back alone
                    _decide_in(conn, d, "approve", actor, at, tz, "")
                approved += 1
            except FloorleadError as exc:
                problems.append(f"{d.agent_id}: {exc}")
    return approved, problems
