"""Escalation actions: one transaction and one audit row each, guarded by the row's version.

A supervisor acts on the version they saw. If somebody changed the row since, the action is
refused with one sentence saying who did what and when, and nothing is written (optimistic
concurrency: two floorlead processes on one database never silently overwrite each other).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from floorlead.domain import escalations as rules
from floorlead.domain.actor import Actor
from floorlead.domain.when import hhmm
from floorlead.errors import ConflictError, FloorleadError
from floorlead.store.db import FloorDatabase
from floorlead.store.schema import AUDIT, ESCALATION, audit
from floorlead.store.schema import ESCALATION_NOTE as NOTES


@dataclass(frozen=True)
class Outcome:
    escalation_id: str
    action: str
    version: int
    status: str
    #: the changed fields as they were before, so this session can undo its own action
    before: dict[str, Any] = field(default_factory=dict)


def _last_change(conn: Connection, escalation_id: str, tz: str) -> str:
    row = conn.execute(
        select(AUDIT.c.actor, AUDIT.c.action, AUDIT.c.at)
        .where(AUDIT.c.entity == "escalation", AUDIT.c.entity_id == escalation_id)
        .order_by(AUDIT.c.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return "It was changed by someone else; it is refreshed now."
    verb = rules.VERBS.get(row.action.removeprefix("escalation."), row.action)
    return f"{verb.capitalize()} by {row.actor} at {hhmm(row.at, tz)}; the row is refreshed now."


def act(
    db: FloorDatabase,
    escalation_id: str,
    *,
    action: str,
    expected_version: int | None,
    by: Actor,
    change: Callable[[Any], dict[str, Any]] | None = None,
    change_in: Callable[[Any, Connection], dict[str, Any]] | None = None,
    detail: dict[str, Any] | None = None,
    note: str = "",
) -> Outcome:
    """Check, change and audit one escalation in one transaction. ``expected_version`` None
    acts on whatever the row is now: only for adding a note, which overwrites nothing."""
    with db.begin() as conn:
        row = conn.execute(select(ESCALATION).where(ESCALATION.c.id == escalation_id)).first()
        if row is None:
            raise FloorleadError(f"Escalation {escalation_id} no longer exists.")
        if expected_version is not None and row.version != expected_version:
            raise ConflictError(_last_change(conn, escalation_id, by.zone))
        status = rules.effective_status(row.status, row.snoozed_until, by.at)
        try:
            rules.check(action, status, kind=row.kind, has_amount=row.amount_cents is not None)
            values = change_in(row, conn) if change_in is not None else change(row)  # type: ignore[misc]
        except rules.TransitionError as exc:
            raise FloorleadError(str(exc)) from None
        before = {k: getattr(row, k) for k in values}
        values.update(version=row.version + 1, updated_by=by.who, updated_at=by.at)
        try:
            done = conn.execute(
                update(ESCALATION)
                .where(ESCALATION.c.id == escalation_id, ESCALATION.c.version == row.version)
                .values(**values)
            )
        except IntegrityError as exc:  # the database's own two-person rule said no
            raise FloorleadError(f"Refused by the floor's database: {_reason(exc)}.") from None
        if done.rowcount != 1:  # pragma: no cover - BEGIN IMMEDIATE makes this unreachable
            raise ConflictError(_last_change(conn, escalation_id, by.zone))
        if note.strip():
            conn.execute(
                NOTES.insert().values(
                    escalation_id=escalation_id, at=by.at, author=by.who, text=note.strip()
                )
            )
        audit(
            conn,
            by.at,
            by.who,
            f"escalation.{action}",
            "escalation",
            escalation_id,
            **(detail or {}),
            version=row.version + 1,
            has_note=bool(note.strip()),
        )
        return Outcome(
            escalation_id, action, row.version + 1, values.get("status", row.status), before
        )


def _reason(exc: IntegrityError) -> str:
    """The trigger's own sentence out of a driver's error."""
    text = str(exc.orig).strip().splitlines()[0]
    return text.removeprefix("ERROR:").strip()


def take(db: FloorDatabase, esc: str, version: int, by: Actor) -> Outcome:
    return act(
        db,
        esc,
        action="take",
        expected_version=version,
        by=by,
        change=lambda r: rules.taken(r, by.who, by.at),
        detail={"assignee": by.who},
    )


def assign(db: FloorDatabase, esc: str, version: int, by: Actor, assignee: str) -> Outcome:
    if not assignee.strip():
        raise FloorleadError("Choose someone to assign it to.")
    to = assignee.strip()
    return act(
        db,
        esc,
        action="assign",
        expected_version=version,
        by=by,
        change=lambda r: rules.assigned(r, to, by.at),
        detail={"assignee": to},
    )


def snooze(db: FloorDatabase, esc: str, version: int, by: Actor, until: datetime) -> Outcome:
    if until <= by.at:
        raise FloorleadError("A snooze must end in the future.")
    return act(
        db,
        esc,
        action="snooze",
        expected_version=version,
        by=by,
        change=lambda r: rules.snoozed(until),
        detail={"until": until.isoformat()},
    )


def hand_up(
    db: FloorDatabase, esc: str, version: int, by: Actor, manager: str, note: str
) -> Outcome:
    if not note.strip():
        raise FloorleadError("Say why it goes up: a hand-up needs a note.")
    to = manager.strip()
    return act(
        db,
        esc,
        action="hand_up",
        expected_version=version,
        by=by,
        change=lambda r: rules.handed_up(r, to, by.at),
        detail={"to": to},
        note=note,
    )


def set_priority(
    db: FloorDatabase, esc: str, version: int, by: Actor, priority: str, reason: str
) -> Outcome:
    if priority not in ("P1", "P2", "P3", "P4"):
        raise FloorleadError(f"{priority!r} is not a priority (P1 to P4).")
    if not reason.strip():
        raise FloorleadError("A priority change needs a reason.")
    return act(
        db,
        esc,
        action="priority",
        expected_version=version,
        by=by,
        change=lambda r: {"priority": priority},
        detail={"priority": priority},
        note=f"Priority → {priority}: {reason.strip()}",
    )


def add_note(db: FloorDatabase, esc: str, version: int | None, by: Actor, note: str) -> Outcome:
    if not note.strip():
        raise FloorleadError("A note needs some text.")
    return act(
        db, esc, action="note", expected_version=version, by=by, change=lambda r: {}, note=note
    )


def resolve(
    db: FloorDatabase, esc: str, version: int, by: Actor, code: str, note: str = ""
) -> Outcome:
    if not code:
        raise FloorleadError("Choose a resolution code.")
    return act(
        db,
        esc,
        action="resolve",
        expected_version=version,
        by=by,
        change=lambda r: rules.resolved(r, code, by.at),
        detail={"code": code},
        note=note,
    )


def reopen(db: FloorDatabase, esc: str, version: int, by: Actor, reason: str = "") -> Outcome:
    return act(
        db,
        esc,
        action="reopen",
        expected_version=version,
        by=by,
        change=rules.reopened,
        note=reason,
    )


def approve(
    db: FloorDatabase, esc: str, version: int, by: Actor, threshold_cents: int | None = None
) -> Outcome:
    """Approve the amount asked. The two-person limit is the floor's policy; a client's
    ``threshold_cents`` may only lower it. The approver is the connection's account."""
    from floorlead.store.policy import account, limit_cents

    used: dict[str, Any] = {}

    def change(r: Any, conn: Connection) -> dict[str, Any]:
        floor_limit = limit_cents(conn)
        limit = floor_limit if threshold_cents is None else min(threshold_cents, floor_limit)
        who = account(conn)
        used.update(threshold_cents=limit, account=who)
        outcome = rules.approve(
            amount_cents=r.amount_cents,
            threshold_cents=limit,
            actor=by.who,
            first_approver=r.first_approver,
            account=who,
            first_account=r.first_approver_account,
        )
        return rules.approved(r, outcome, by.who, who, by.at)

    return act(
        db,
        esc,
        action="approve",
        expected_version=version,
        by=by,
        change_in=change,
        detail=used,
    )


def decline(db: FloorDatabase, esc: str, version: int, by: Actor, reason: str) -> Outcome:
    if not reason.strip():
        raise FloorleadError("A decline needs a reason.")
    return act(
        db,
        esc,
        action="decline",
        expected_version=version,
        by=by,
        change=lambda r: rules.declined(r, by.who, reason.strip(), by.at),
        note=f"Declined: {reason.strip()}",
    )


def pause(db: FloorDatabase, esc: str, version: int, by: Actor, reason: str) -> Outcome:
    """Stop the SLA clock (waiting on the customer, on another team)."""
    if not reason.strip():
        raise FloorleadError("Say what it is waiting for: a pause needs a reason.")
    return act(
        db,
        esc,
        action="pause",
        expected_version=version,
        by=by,
        change=lambda r: rules.paused(r, reason.strip(), by.at),
        detail={"reason": reason.strip()},
    )


def resume(db: FloorDatabase, esc: str, version: int, by: Actor) -> Outcome:
    """Restart the SLA clock; the paused time is kept and shown separately."""
    return act(
        db,
        esc,
        action="resume",
        expected_version=version,
        by=by,
        change=lambda r: rules.resumed(r, by.at),
    )


def undo(db: FloorDatabase, last: Outcome, by: Actor) -> Outcome:
    """Put back what ``last`` changed, unless somebody changed the row since (then the version
    check refuses, with who and when). Notes stay: the history is append-only."""
    if not last.before:
        raise FloorleadError("There is nothing to put back for that action.")
    return act(
        db,
        last.escalation_id,
        action="undo",
        expected_version=last.version,
        by=by,
        change=lambda r: dict(last.before),
        detail={"undid": last.action},
    )


@dataclass(frozen=True)
class HistoryLine:
    at: datetime
    actor: str
    what: str


def history_in(conn: Connection, escalation_id: str) -> list[HistoryLine]:
    """Raised, every action and every note, oldest first."""
    audits = conn.execute(
        select(AUDIT)
        .where(AUDIT.c.entity == "escalation", AUDIT.c.entity_id == escalation_id)
        .order_by(AUDIT.c.id)
    ).all()
    notes = conn.execute(
        select(NOTES).where(NOTES.c.escalation_id == escalation_id).order_by(NOTES.c.id)
    ).all()
    lines = []
    for a in audits:
        action = a.action.removeprefix("escalation.")
        detail = json.loads(a.detail or "{}")
        extra = ", ".join(
            f"{k} {v}"
            for k, v in detail.items()
            if k not in ("version", "has_note", "threshold_cents") and v
        )
        lines.append(
            HistoryLine(
                a.at, a.actor, rules.VERBS.get(action, action) + (f" ({extra})" if extra else "")
            )
        )
    lines += [HistoryLine(n.at, n.author, f"note: {n.text}") for n in notes]
    lines.sort(key=lambda h: h.at)
    return lines


def history(db: FloorDatabase, escalation_id: str) -> list[HistoryLine]:
    """:func:`history_in` in a read of its own."""
    with db.connect() as conn:
        return history_in(conn, escalation_id)
