"""One function per supervisor action: one transaction, one audit row.

Audit rows never carry the text of a note (notes are personnel records).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy.engine import Connection

from floorlead.errors import FloorleadError
from floorlead.store.db import FloorDatabase
from floorlead.store.schema import AGENT, COACHING, audit

NOTE_CATEGORIES = ("coaching", "kudos", "observation", "commitment", "correction")


def _insert_note(
    conn: Connection,
    *,
    agent_id: str,
    at: datetime,
    author: str,
    category: str,
    text: str,
    action: str,
    detail: dict[str, Any],
    **extra: Any,
) -> int:
    """Insert one coaching_note row and its audit row (which never holds the text)."""
    if conn.execute(AGENT.select().where(AGENT.c.id == agent_id)).first() is None:
        raise FloorleadError(f"Agent {agent_id} is not on this floor.")
    values: dict[str, Any] = {
        "commitment": "",
        "commitment_status": "",
        "correction_step": "",
        "version": 1,
    }
    values.update(extra)
    result = conn.execute(
        COACHING.insert().values(
            agent_id=agent_id, at=at, author=author, category=category, text=text, **values
        )
    )
    assert result.inserted_primary_key is not None
    note_id = int(result.inserted_primary_key[0])
    audit(conn, at, author, action, "coaching_note", str(note_id), agent=agent_id, **detail)
    return note_id


def add_coaching_note(
    db: FloorDatabase,
    *,
    agent_id: str,
    text: str,
    author: str,
    at: datetime,
    category: str = "coaching",
    commitment: str = "",
    follow_up_on: date | None = None,
    contact_id: str | None = None,
    escalation_id: str | None = None,
) -> int:
    """Save a coaching note; returns its id."""
    text = text.strip()
    if not text:
        raise FloorleadError("A note needs some text.")
    if category not in NOTE_CATEGORIES:
        raise FloorleadError(f"{category!r} is not a note category.")
    with db.begin() as conn:
        return _insert_note(
            conn,
            agent_id=agent_id,
            at=at,
            author=author,
            category=category,
            text=text,
            action="coaching.note_added",
            detail={"category": category, "has_commitment": bool(commitment.strip())},
            commitment=commitment.strip(),
            follow_up_on=follow_up_on,
            commitment_status="open" if commitment.strip() else "",
            contact_id=contact_id,
            escalation_id=escalation_id,
        )


def follow_up(
    db: FloorDatabase,
    *,
    note_id: int,
    expected_version: int,
    actor: str,
    at: datetime,
    outcome: str,
    note: str = "",
    new_date: date | None = None,
) -> None:
    """A commitment's follow-up: ``kept``, ``missed`` (with a note) or ``moved`` to a new date.
    Version-checked like every shared row; the audit row never holds the note's text."""
    from sqlalchemy import select, update

    if outcome not in ("kept", "missed", "moved"):
        raise FloorleadError(f"{outcome!r} is not a follow-up outcome.")
    if outcome == "missed" and not note.strip():
        raise FloorleadError("Say what happened: a missed commitment needs a note.")
    if outcome == "moved" and new_date is None:
        raise FloorleadError("Give the new follow-up date.")
    with db.begin() as conn:
        row = conn.execute(select(COACHING).where(COACHING.c.id == note_id)).first()
        if row is None or not row.commitment:
            raise FloorleadError("That note has no commitment to follow up.")
        if row.version != expected_version:
            raise FloorleadError(
                "Someone changed this commitment since you looked; it is refreshed now."
            )
        if row.commitment_status != "open":
            raise FloorleadError(f"This commitment is already {row.commitment_status}.")
        values: dict[str, object] = {"version": row.version + 1}
        if outcome == "moved":
            values["follow_up_on"] = new_date
        else:
            values["commitment_status"] = outcome
        conn.execute(
            update(COACHING)
            .where(COACHING.c.id == note_id, COACHING.c.version == expected_version)
            .values(**values)
        )
        if note.strip():
            conn.execute(
                COACHING.insert().values(
                    agent_id=row.agent_id,
                    at=at,
                    author=actor,
                    category="commitment",
                    text=f"Follow-up ({outcome}): {note.strip()}",
                    commitment="",
                    commitment_status="",
                    version=1,
                )
            )
        audit(
            conn,
            at,
            actor,
            f"coaching.follow_up_{outcome}",
            "coaching_note",
            str(note_id),
            agent=row.agent_id,
            new_date=str(new_date) if new_date else None,
        )


CORRECTION_STEPS = {
    "verbal": "Verbal warning",
    "written": "Written warning",
    "final": "Final warning",
}


def record_correction_step(
    db: FloorDatabase, *, agent_id: str, step: str, on: date, reason: str, actor: str, at: datetime
) -> int:
    """Record a progressive-correction step. Only recorded, never automated."""
    if step not in CORRECTION_STEPS:
        raise FloorleadError(f"A correction step is one of {', '.join(CORRECTION_STEPS)}.")
    if not reason.strip():
        raise FloorleadError("A correction step needs a reason.")
    with db.begin() as conn:
        return _insert_note(
            conn,
            agent_id=agent_id,
            at=at,
            author=actor,
            category="correction",
            text=f"{CORRECTION_STEPS[step]} ({on.isoformat()}): {reason.strip()}",
            action="coaching.correction_step",
            detail={"step": step, "on": on.isoformat()},
            correction_step=step,
            step_on=on,
        )


def add_observation(
    db: FloorDatabase,
    *,
    agent_id: str,
    marks: dict[str, str],
    criteria: tuple[tuple[str, int, bool], ...],
    note: str,
    actor: str,
    at: datetime,
    contact_id: str | None = None,
) -> float | None:
    """Grade one interaction on the scorecard; returns the score in percent."""
    import json

    from floorlead.domain.scorecard import Criterion, score

    result = score([Criterion(n, w, c) for n, w, c in criteria], marks)
    shown = "—" if result.percent is None else f"{result.percent:.0f} %"
    failed = f"; failed {', '.join(result.failed_critical)}" if result.failed_critical else ""
    with db.begin() as conn:
        _insert_note(
            conn,
            agent_id=agent_id,
            at=at,
            author=actor,
            category="observation",
            text=f"Observation: {shown}{failed}" + (f" — {note.strip()}" if note.strip() else ""),
            action="coaching.observation",
            detail={"score": result.percent},
            score_pct=result.percent,
            marks=json.dumps(marks, sort_keys=True),
            contact_id=contact_id,
        )
    return result.percent
