"""A floor day's figures up to an instant (``domain.checkpoint``), kept for the next
``snapshot --json``, and what drops one as soon as anything it summed is written: a contact
queued before its ``through``, a state change before its ``states_through``, a schedule block
over the day before that.

The feed's writes (new contacts, their answers and wrap-ups, new state changes: tens of
thousands a minute) say so themselves, once a batch (``store.bulk``); a trigger on those
tables cost a fifth of the feed's throughput, measured. Every other way those rows change —
schedule blocks written, a contact or a state change deleted, a state change edited — is
rare, and a trigger catches it whoever writes.

SQLite only: the checkpoint serves the quick path that reads a floor file through the sqlite3
driver (``store.plain``); a PostgreSQL floor is read the full way.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: (table, event) -> how the written row (NEW or OLD) reaches into a checkpoint
_REACH_CONTACT = (
    "{row}.queued_at >= day_start AND {row}.queued_at < through "
    "AND {row}.id NOT IN (SELECT value FROM json_each(open_ids))"
)
_REACH_STATE = "{row}.at < states_through"
_REACH_SCHEDULE = '{row}.start < states_through AND {row}."end" > day_start'
_TRIGGERS = {
    ("schedule", "insert"): (_REACH_SCHEDULE, ("NEW",)),
    ("schedule", "update"): (_REACH_SCHEDULE, ("NEW", "OLD")),
    ("schedule", "delete"): (_REACH_SCHEDULE, ("OLD",)),
    ("contact", "delete"): (_REACH_CONTACT, ("OLD",)),
    ("agent_state", "update"): (_REACH_STATE, ("NEW", "OLD")),
    ("agent_state", "delete"): (_REACH_STATE, ("OLD",)),
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(
        "CREATE TABLE floor_checkpoint ("
        "day_start DATETIME NOT NULL, day_end DATETIME NOT NULL, "
        "through DATETIME NOT NULL, settled_at DATETIME NOT NULL, "
        "states_through DATETIME NOT NULL, open_ids TEXT NOT NULL, data TEXT NOT NULL, "
        "PRIMARY KEY (day_start, day_end))"
    )
    for (table, event), (reach, rows) in _TRIGGERS.items():
        where = " OR ".join(f"({reach.format(row=row)})" for row in rows)
        op.execute(
            f"CREATE TRIGGER floor_checkpoint_{table}_{event} AFTER {event.upper()} "
            f"ON {table} BEGIN DELETE FROM floor_checkpoint WHERE {where}; END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table, event in _TRIGGERS:
        op.execute(f"DROP TRIGGER floor_checkpoint_{table}_{event}")
    op.execute("DROP TABLE floor_checkpoint")
