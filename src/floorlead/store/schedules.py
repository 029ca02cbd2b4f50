"""Today's schedule changed from the floor, one transaction each with an audit row:

- call-outs — an agent absent for today or for hours (sick, an emergency, other): the
  ``absent`` schedule block that overrides the agent's schedule there (coverage, adherence and
  the timesheet follow it), and the call-out that says who and why; undone the same floor day,
  the block goes and the call-out is kept as undone;
- a what-if applied (a meeting cancelled, a break moved): the blocks it replaces.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from floorlead.domain.vocabulary import CALL_OUT_KINDS
from floorlead.domain.when import floor_date, hhmm
from floorlead.errors import ConflictError, FloorleadError
from floorlead.store.schema import AGENT, CALL_OUT, SCHEDULE, audit

if TYPE_CHECKING:
    from floorlead.domain.actor import Actor
    from floorlead.domain.coverage import BlockChange
    from floorlead.store.db import FloorDatabase


@dataclass(frozen=True)
class CallOutRow:
    id: int
    agent_id: str
    start: datetime
    end: datetime
    kind: str
    reason: str
    called_by: str
    called_at: datetime
    undone: bool

    def said(self, tz: str) -> str:
        """``called out sick 13:00–17:00: dentist``"""
        return f"called out {self.kind} {hhmm(self.start, tz)}–{hhmm(self.end, tz)}: {self.reason}"


def call_out(
    db: FloorDatabase,
    agent_id: str,
    start: datetime,
    end: datetime,
    kind: str,
    reason: str,
    by: Actor,
) -> CallOutRow:
    """Mark ``agent_id`` absent over ``[start, end)``; refused with one sentence for an
    unknown agent, a kind or reason missing, an empty span, or hours already called out."""
    if kind not in CALL_OUT_KINDS:
        raise FloorleadError(f"A call-out is {', '.join(CALL_OUT_KINDS)}.")
    if not reason.strip():
        raise FloorleadError("A call-out needs a reason.")
    if end <= start:
        raise FloorleadError("A call-out must end after it starts.")
    with db.begin() as conn:
        if conn.execute(select(AGENT.c.id).where(AGENT.c.id == agent_id)).first() is None:
            raise FloorleadError(f"The floor has no agent {agent_id!r}.")
        overlapping = conn.execute(
            select(CALL_OUT.c.id).where(
                CALL_OUT.c.agent_id == agent_id,
                CALL_OUT.c.undone_at.is_(None),
                CALL_OUT.c.start < end,
                CALL_OUT.c.end > start,
            )
        ).first()
        if overlapping is not None:
            raise ConflictError(
                "Those hours are already called out; undo that call-out first to change it."
            )
        block = conn.execute(
            SCHEDULE.insert().values(agent_id=agent_id, start=start, end=end, activity="absent")
        ).inserted_primary_key
        row = {
            "agent_id": agent_id,
            "start": start,
            "end": end,
            "kind": kind,
            "reason": reason.strip(),
            "schedule_id": block[0] if block else None,
            "called_by": by.who,
            "called_at": by.at,
        }
        key = conn.execute(CALL_OUT.insert().values(**row)).inserted_primary_key
        assert key is not None
        ident = int(key[0])
        audit(conn, by.at, by.who, "agent.call_out", "agent", agent_id, call_out=ident, kind=kind)
    return CallOutRow(ident, agent_id, start, end, kind, reason.strip(), by.who, by.at, False)


def undo_call_out(db: FloorDatabase, call_out_id: int, by: Actor, day_start: str = "00:00") -> None:
    """Take a call-out back on the floor day it was made: its absence goes, the call-out
    stays, marked undone (audited)."""
    with db.begin() as conn:
        row = conn.execute(select(CALL_OUT).where(CALL_OUT.c.id == call_out_id)).first()
        if row is None:
            raise FloorleadError(f"There is no call-out {call_out_id}.")
        if row.undone_at is not None:
            raise ConflictError(f"That call-out was already undone by {row.undone_by}.")
        if floor_date(row.called_at, by.zone, day_start) != floor_date(by.at, by.zone, day_start):
            raise FloorleadError("A call-out can be undone only on the day it was made.")
        _undo(conn, row, by)


def _undo(conn: Any, row: Any, by: Actor) -> None:
    """The absence block goes; the call-out stays, marked undone; one audit row."""
    if row.schedule_id is not None:
        conn.execute(SCHEDULE.delete().where(SCHEDULE.c.id == row.schedule_id))
    conn.execute(
        CALL_OUT.update().where(CALL_OUT.c.id == row.id).values(undone_at=by.at, undone_by=by.who)
    )
    audit(conn, by.at, by.who, "agent.call_out_undone", "agent", row.agent_id, call_out=row.id)


def _row(r: Any, undone: bool = False) -> CallOutRow:
    return CallOutRow(
        r.id, r.agent_id, r.start, r.end, r.kind, r.reason, r.called_by, r.called_at, undone
    )


def call_outs(conn: Any, start: datetime, end: datetime) -> list[CallOutRow]:
    """Call-outs in force over ``[start, end)`` (not undone), by start."""
    rows = conn.execute(
        select(CALL_OUT)
        .where(CALL_OUT.c.start < end, CALL_OUT.c.end > start, CALL_OUT.c.undone_at.is_(None))
        .order_by(CALL_OUT.c.start)
    ).all()
    return [_row(r) for r in rows]


def undo_latest_call_out(
    db: FloorDatabase, agent_id: str, by: Actor, day_start: str = "00:00"
) -> CallOutRow:
    """Undo the agent's newest call-out made today (the key on the Agents screen), in one
    transaction."""
    today = floor_date(by.at, by.zone, day_start)
    with db.begin() as conn:
        rows = conn.execute(
            select(CALL_OUT)
            .where(CALL_OUT.c.agent_id == agent_id, CALL_OUT.c.undone_at.is_(None))
            .order_by(CALL_OUT.c.called_at.desc(), CALL_OUT.c.id.desc())
        ).all()
        mine = [r for r in rows if floor_date(r.called_at, by.zone, day_start) == today]
        if not mine:
            raise FloorleadError("This agent has no call-out made today to undo.")
        _undo(conn, mine[0], by)
    return _row(mine[0], undone=True)


def call_out_span(
    hours: str, now: datetime, tz: str, day_start: str = "00:00"
) -> tuple[datetime, datetime]:
    """``13:00-17:00`` (or ``1pm-5pm``) on today's floor day; empty: from now to the end of
    the floor's day. One sentence when it cannot be read."""
    from floorlead.domain.when import WhenError, at_on_day, day_bounds

    day = floor_date(now, tz, day_start)
    if not hours.strip():
        return now, day_bounds(day, tz, day_start)[1]
    first, sep, second = hours.partition("-")
    if not sep:
        raise FloorleadError(f"{hours!r} is not hours like 13:00-17:00.")
    try:
        start = at_on_day(first.strip(), day, tz)
        end = at_on_day(second.strip(), day, tz, after=start)
    except WhenError as exc:
        raise FloorleadError(str(exc)) from None
    return start, end


def apply_schedule_changes(
    db: FloorDatabase, changes: Sequence[BlockChange], reason: str, by: Actor
) -> int:
    """Replace each change's old block by its new ones; refused whole (one sentence) when a
    block is no longer as the supervisor saw it, or without a reason."""
    if not reason.strip():
        raise FloorleadError("A schedule change needs a reason.")
    if not changes:
        raise FloorleadError("Nothing to change: no block matches.")
    with db.begin() as conn:
        for c in changes:
            gone = conn.execute(
                SCHEDULE.delete().where(
                    SCHEDULE.c.agent_id == c.agent,
                    SCHEDULE.c.start == c.old.start,
                    SCHEDULE.c.end == c.old.end,
                    SCHEDULE.c.activity == c.old.activity,
                )
            ).rowcount
            if not gone:
                raise ConflictError(
                    f"{c.agent}'s {c.old.activity} at {c.old.start:%H:%M} UTC changed meanwhile; "
                    "nothing was written."
                )
            for b in c.new:
                conn.execute(
                    SCHEDULE.insert().values(
                        agent_id=c.agent, start=b.start, end=b.end, activity=b.activity
                    )
                )
        audit(
            conn,
            by.at,
            by.who,
            "schedule.change",
            "schedule",
            ",".join(sorted({c.agent for c in changes})),
            blocks=len(changes),
            reason=reason.strip(),
        )
    return len(changes)
