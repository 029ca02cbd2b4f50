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
from sqlalchemy.exc import IntegrityError

from floorlead.config import Settings
from floorlead.domain.actor import Actor
from floorlead.domain.when import hhmm
from floorlead.errors import ConflictError, FloorleadError
from floorlead.store.db import FloorDatabase
from floorlead.store.schema import AGENT, AUDIT, PUNCH, TIMESHEET, audit

#: decision → the statuses it may start from
ALLOWED = {
    "approve": ("pending", "reopened", "rejected", "leave"),
    "reject": ("pending", "reopened"),
    "reopen": ("approved", "rejected"),
}
RESULT = {
    "approve": "approved",
    "reject": "rejected",
    "reopen": "reopened",
    "correct": "corrected",
    "leave": "marked as leave",
}


@dataclass(frozen=True)
class Decision:
    agent_id: str
    shift_date: date
    version: int  # the version the supervisor saw; 0 when no decision existed

    @property
    def key(self) -> tuple[str, date]:
        return (self.agent_id, self.shift_date)


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
    conn: Connection,
    d: Decision,
    action: str,
    actor: str,
    at: datetime,
    tz: str,
    reason: str,
    missing: str | None = None,
) -> None:
    """``missing``: the punches an approval lacks (its hours unknown), from :func:`_unknown`."""
    agent = conn.execute(select(AGENT.c.name).where(AGENT.c.id == d.agent_id)).first()
    if agent is None:
        raise FloorleadError(f"Agent {d.agent_id} is not on this floor.")
    if action == "approve" and missing is not None:
        raise FloorleadError(
            f"{agent.name}'s hours are unknown ({missing}): add the punch in the timesheet's "
            "detail (Enter, then +) before approving."
        )
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
        try:
            with conn.begin_nested():  # on PostgreSQL two first decisions can race to here
                conn.execute(
                    TIMESHEET.insert().values(
                        agent_id=d.agent_id, shift_date=d.shift_date, leave_kind="", **values
                    )
                )
        except IntegrityError:  # the other one committed first: say who and when
            raise _conflict(conn, d.agent_id, d.shift_date, tz) from None
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


def _unknown(
    conn: Connection, settings: Settings, decisions: Sequence[Decision], at: datetime
) -> dict[tuple[str, date], str]:
    """Payroll never carries guessed hours: the timesheets among ``decisions`` whose hours are
    unknown (a missing punch), with the punches missing; each day read once. (The screen also
    waits for a running shift to end.)"""
    from floorlead.store.sheets import day_timesheets

    agents_by_day: dict[date, set[str]] = {}
    for d in decisions:
        agents_by_day.setdefault(d.shift_date, set()).add(d.agent_id)
    out: dict[tuple[str, date], str] = {}
    for day, agents in agents_by_day.items():
        for sheet in day_timesheets(conn, settings, day, at, {}, agents=agents):
            if not sheet.hours_known:
                out[(sheet.agent_id, day)] = "; ".join(
                    e for e in sheet.exceptions if "missing" in e or "without" in e
                )
    return out


def decide(
    db: FloorDatabase,
    d: Decision,
    action: str,
    *,
    by: Actor,
    settings: Settings,
    reason: str = "",
) -> None:
    """Approve, reject (with a reason) or reopen (with a reason) one timesheet."""
    actor, at, tz = by.who, by.at, by.zone
    if action in ("reject", "reopen") and not reason.strip():
        raise FloorleadError(f"To {action} a timesheet, give a reason.")
    with db.begin() as conn:
        missing = _unknown(conn, settings, [d], at) if action == "approve" else {}
        _decide_in(conn, d, action, actor, at, tz, reason, missing.get(d.key))


def approve_many(
    db: FloorDatabase,
    decisions: Sequence[Decision],
    *,
    by: Actor,
    settings: Settings,
) -> tuple[int, list[str]]:
    """Approve all in one transaction; those changed by someone else meanwhile are left as
    they are and named. Returns (approved, problems)."""
    actor, at, tz = by.who, by.at, by.zone
    approved = 0
    problems: list[str] = []
    with db.begin() as conn:
        names = {r.id: r.name for r in conn.execute(select(AGENT.c.id, AGENT.c.name))}
        missing = _unknown(conn, settings, decisions, at)
        for d in decisions:
            try:
                with conn.begin_nested():  # a refused one rolls back alone
                    _decide_in(conn, d, "approve", actor, at, tz, "", missing.get(d.key))
                approved += 1
            except FloorleadError as exc:
                problems.append(f"{names.get(d.agent_id, d.agent_id)}: {exc}")
    return approved, problems


LEAVE_KINDS = ("sick", "vacation", "unpaid")


def _bump(
    conn: Connection, agent_id: str, day: date, expected: int, tz: str, **values: Any
) -> None:
    """Check the version the supervisor saw and move it on; a correction or a leave changes
    the timesheet even when its status stays."""
    row = _current(conn, agent_id, day)
    version = row.version if row is not None else 0
    if version != expected:
        raise _conflict(conn, agent_id, day, tz)
    if row is not None and row.status == "approved":
        raise FloorleadError("An approved timesheet is locked: reopen it (o) first.")
    if row is None:
        fresh: dict[str, Any] = {
            "status": "pending",
            "leave_kind": "",
            "decided_by": "",
            "reason": "",
        }
        fresh.update(values)
        conn.execute(
            TIMESHEET.insert().values(agent_id=agent_id, shift_date=day, version=1, **fresh)
        )
    else:
        conn.execute(
            update(TIMESHEET).where(TIMESHEET.c.id == row.id).values(version=version + 1, **values)
        )


def correct_punch(
    db: FloorDatabase,
    *,
    agent_id: str,
    day: date,
    expected_version: int,
    action: str,
    reason: str,
    by: Actor,
    kind: str = "",
    at: datetime | None = None,
    punch_id: int | None = None,
) -> int:
    """Add, move or void a punch. The original is never changed: the correction is its own
    row (pointing at the original it replaces), and both show in the detail."""
    actor, now, tz = by.who, by.at, by.zone
    if not reason.strip():
        raise FloorleadError("A punch correction needs a reason.")
    with db.begin() as conn:
        _bump(conn, agent_id, day, expected_version, tz)
        common = {
            "agent_id": agent_id,
            "source": "correction",
            "reason": reason.strip(),
            "created_by": actor,
        }
        if action == "add":
            if kind not in ("in", "out", "break_start", "break_end", "meal_start", "meal_end"):
                raise FloorleadError(f"{kind!r} is not a punch kind.")
            if at is None:
                raise FloorleadError("Say when the punch was.")
            values = {**common, "kind": kind, "at": at, "voided": False}
        else:
            original = conn.execute(
                select(PUNCH).where(PUNCH.c.id == punch_id, PUNCH.c.agent_id == agent_id)
            ).first()
            if original is None:
                raise FloorleadError("That punch is not on this timesheet.")
            if (
                conn.execute(select(PUNCH.c.id).where(PUNCH.c.replaces_id == original.id)).first()
                is not None
            ):
                raise FloorleadError(
                    "That punch was already corrected; correct the correction instead."
                )
            if action == "move":
                if at is None:
                    raise FloorleadError("Say when the punch should be.")
                values = {
                    **common,
                    "kind": original.kind,
                    "at": at,
                    "voided": False,
                    "replaces_id": original.id,
                }
            elif action == "void":
                values = {
                    **common,
                    "kind": original.kind,
                    "at": original.at,
                    "voided": True,
                    "replaces_id": original.id,
                }
            else:
                raise FloorleadError(f"{action!r} is not a punch correction.")
        new_id = conn.execute(PUNCH.insert().values(**values)).inserted_primary_key
        assert new_id is not None
        audit(
            conn,
            now,
            actor,
            "timesheet.correct",
            "timesheet",
            f"{agent_id}/{day}",
            correction=action,
            kind=values["kind"],
            punch=int(new_id[0]),
            replaces=values.get("replaces_id"),
        )
        return int(new_id[0])


def mark_leave(
    db: FloorDatabase,
    *,
    agent_id: str,
    day: date,
    expected_version: int,
    leave_kind: str,
    reason: str,
    by: Actor,
) -> None:
    """A scheduled agent who never punched: sick, vacation or unpaid leave, with a reason."""
    actor, now, tz = by.who, by.at, by.zone
    if leave_kind not in LEAVE_KINDS:
        raise FloorleadError(f"Leave is one of {', '.join(LEAVE_KINDS)}.")
    if not reason.strip():
        raise FloorleadError("Leave needs a reason.")
    from datetime import timedelta

    from floorlead.domain.when import day_bounds

    start, end = day_bounds(day, tz)
    with db.begin() as conn:
        punched = conn.execute(
            select(PUNCH.c.id).where(
                PUNCH.c.agent_id == agent_id,
                PUNCH.c.voided.is_(False),
                PUNCH.c.kind == "in",
                PUNCH.c.at >= start,
                PUNCH.c.at < end + timedelta(hours=6),
            )
        ).first()
        if punched is not None:
            raise FloorleadError(
                "This agent punched in that day: correct the punches instead of marking leave."
            )
        _bump(
            conn,
            agent_id,
            day,
            expected_version,
            tz,
            status="leave",
            leave_kind=leave_kind,
            decided_by=actor,
            decided_at=now,
            reason=reason.strip(),
        )
        audit(
            conn, now, actor, "timesheet.leave", "timesheet", f"{agent_id}/{day}", leave=leave_kind
        )
