"""A floor day's figures up to an instant (``domain.checkpoint``), kept for the next
``snapshot --json``, and the triggers that drop one as soon as anything it summed is written:
a contact queued before its ``through``, a state change before its ``states_through``, a
schedule block over the day before that. Triggers, so every
writer (feeds, the TUI, another supervisor's process) keeps it true without knowing of it.

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

#: table -> how a written row (NEW or OLD) reaches into a checkpoint
_REACHES = {
    "contact": "{row}.queued_at >= day_start AND {row}.queued_at < through",
    "agent_state": "{row}.at < states_through",
    "schedule": '{row}.start < states_through AND {row}."end" > day_start',
}
_ROWS = {"insert": ("NEW",), "update": ("NEW", "OLD"), "delete": ("OLD",)}


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(
        "CREATE TABLE floor_checkpoint ("
        "day_start DATETIME NOT NULL, day_end DATETIME NOT NULL, "
        "through DATETIME NOT NULL, settled_at DATETIME NOT NULL, "
        "states_through DATETIME NOT NULL, data TEXT NOT NULL, "
        "PRIMARY KEY (day_start, day_end))"
    )
    for table, reach in _REACHES.items():
        for event, rows in _ROWS.items():
            where = " OR ".join(f"({reach.format(row=row)})" for row in rows)
            op.execute(
                f"CREATE TRIGGER floor_checkpoint_{table}_{event} AFTER {event.upper()} "
                f"ON {table} BEGIN DELETE FROM floor_checkpoint WHERE {where}; END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in _REACHES:
        for event in _ROWS:
            op.execute(f"DROP TRIGGER floor_checkpoint_{table}_{event}")
    op.execute("DROP TABLE floor_checkpoint")
