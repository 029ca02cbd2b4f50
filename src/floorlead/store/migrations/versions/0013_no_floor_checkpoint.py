"""No persisted floor cache: the floor checkpoint (revision 0009) and its triggers go.

The board is read by one running engine (``store.engine``) on every database; a reading
command never writes to the floor's file, so nothing derived from the floor is kept in it.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05
"""

import importlib.util
from collections.abc import Sequence
from pathlib import Path

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TRIGGERS = (
    ("schedule", "insert"),
    ("schedule", "update"),
    ("schedule", "delete"),
    ("contact", "delete"),
    ("agent_state", "update"),
    ("agent_state", "delete"),
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":  # 0009 made them on SQLite only
        return
    for table, event in _TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS floor_checkpoint_{table}_{event}")
    op.execute("DROP TABLE IF EXISTS floor_checkpoint")


def downgrade() -> None:
    """Revision 0009's table and triggers again, made by 0009 itself (an older floorlead
    fills the table again on its own)."""
    spec = importlib.util.spec_from_file_location(
        "floorlead_migration_0009", Path(__file__).with_name("0009_floor_checkpoint.py")
    )
    assert spec is not None and spec.loader is not None
    made = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(made)
    made.upgrade()
