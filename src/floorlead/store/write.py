"""One function per supervisor action: one transaction, one audit row.

Audit rows never carry the text of a note (notes are personnel records).
"""

from __future__ import annotations

from datetime import date, datetime

from floorlead.errors import FloorleadError
from floorlead.store import models as m
from floorlead.store.db import FloorDatabase
from floorlead.store.ingest import AGENT, _table, audit

COACHING = _table(m.CoachingNote)
NOTE_CATEGORIES = ("coaching", "kudos", "observation", "commitment", "correction")


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
        if conn.execute(AGENT.select().where(AGENT.c.id == agent_id)).first() is None:
            raise FloorleadError(f"Agent {agent_id} is not on this floor.")
        result = conn.execute(
            COACHING.insert().values(
                agent_id=agent_id,
                at=at,
                author=author,
                category=category,
                text=text,
                commitment=commitment.strip(),
                follow_up_on=follow_up_on,
                commitment_status="open" if commitment.strip() else "",
                contact_id=contact_id,
                escalation_id=escalation_id,
                version=1,
            )
        )
        assert result.inserted_primary_key is not None
        note_id = int(result.inserted_primary_key[0])
        audit(
            conn,
            at,
            author,
            "coaching.note_added",
            "coaching_note",
            str(note_id),
            agent=agent_id,
            category=category,
            has_commitment=bool(commitment.strip()),
        )
    return note_id
