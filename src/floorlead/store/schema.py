"""The floor's schema as the store writes it: the SQLModel tables (``store.models``), their
table handles for SQLAlchemy Core, and the two writes every feature shares (an upsert that
works on SQLite and PostgreSQL alike, and the audit row)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Table
from sqlalchemy.engine import Connection

from floorlead.store import models as m


def table(model: type[Any]) -> Table:
    """The table of a SQLModel class (what SQLAlchemy Core statements are built on)."""
    return model.__table__  # type: ignore[no-any-return]


QUEUE = table(m.Queue)
AGENT = table(m.Agent)
AGENT_QUEUE = table(m.AgentQueue)
AGENT_QUEUE_CHANGE = table(m.AgentQueueChange)
AGENT_STATE = table(m.AgentState)
CONTACT = table(m.Contact)
SCHEDULE = table(m.Schedule)
PUNCH = table(m.Punch)
ESCALATION = table(m.Escalation)
AUDIT = table(m.AuditLog)
APPLIED = table(m.AppliedEvent)
TIMESHEET = table(m.Timesheet)
COACHING = table(m.CoachingNote)
ESCALATION_NOTE = table(m.EscalationNote)
HANDOVER = table(m.HandoverNote)
POLICY = table(m.FloorPolicy)
FORECAST = table(m.ForecastInterval)
CALL_OUT = table(m.CallOut)

#: SQLite allows 999 bound parameters in old builds; stay under it.
CHUNK = 900


def upsert(
    conn: Connection,
    table: Table,
    values: dict[str, Any],
    keys: list[str],
    keep: tuple[str, ...] = (),
) -> None:
    """INSERT, or UPDATE the row with the same ``keys`` (SQLite and PostgreSQL alike).

    Columns named in ``keep`` are written on insert only: an existing row keeps its value.
    """
    stmt: Any
    if conn.dialect.name == "sqlite":
        from sqlalchemy.dialects import sqlite

        stmt = sqlite.insert(table).values(**values)
    else:
        from sqlalchemy.dialects import postgresql

        stmt = postgresql.insert(table).values(**values)
    changes = {k: v for k, v in values.items() if k not in keys and k not in keep}
    if changes:
        conn.execute(stmt.on_conflict_do_update(index_elements=keys, set_=changes))
    else:
        conn.execute(stmt.on_conflict_do_nothing(index_elements=keys))


def audit(
    conn: Connection,
    at: datetime,
    actor: str,
    action: str,
    entity: str,
    entity_id: str,
    **detail: Any,
) -> None:
    """Append one audit row. Never put note text in ``detail``."""
    conn.execute(
        AUDIT.insert().values(
            at=at,
            actor=actor,
            action=action,
            entity=entity,
            entity_id=entity_id,
            detail=json.dumps(detail, default=str, sort_keys=True),
        )
    )
