"""Facts about a floor's SQLite file that need no SQLAlchemy: where it is, how long to wait
for a lock, which schema revision is current, and how instants are stored as text.

``store.db`` (SQLAlchemy's engine) and ``store.reader`` (the floor read through ``sqlite3``)
both take them from here.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import platformdirs

BUSY_TIMEOUT_MS = 5000

#: The newest migration and every one before it. Kept here so that opening a current database
#: does not import Alembic (a third of a second); tests/test_store.py checks both against the
#: migration scripts, so they cannot drift.
HEAD_REVISION = "0015"
KNOWN_REVISIONS = frozenset(
    {
        "0001",
        "0002",
        "0003",
        "0004",
        "0005",
        "0006",
        "0007",
        "0008",
        "0009",
        "0010",
        "0011",
        "0012",
        "0013",
        "0014",
        "0015",
    }
)


def default_database_path() -> Path:
    return Path(platformdirs.user_data_dir("floorlead")) / "floor.db"


def database_value(db: str | None, configured: str = "") -> str:
    """``--db`` wins, then ``FLOORLEAD_DB``, then the settings file ("" for the default file)."""
    return db or os.environ.get("FLOORLEAD_DB") or configured


def file_of(value: str) -> Path | None:
    """The SQLite file a database value names without a URL scheme (None for a URL)."""
    if not value:
        return default_database_path()
    if "://" in value:
        return None
    return Path(value).expanduser().absolute()


def sqlite_text(value: datetime) -> str:
    """An aware instant as the UTC text SQLite stores (``%Y-%m-%d %H:%M:%S.%f``, always
    microseconds, as SQLAlchemy's SQLite dialect writes DATETIME values).

    ``isoformat`` gives the same text as ``strftime`` several times faster, which matters when
    a feed writes fifty thousand instants a second.
    """
    if value.tzinfo is not UTC:
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column")
        value = value.astimezone(UTC)
    return value.isoformat(" ", "microseconds")[:26]  # drop the "+00:00"
