"""Live feeds reporting themselves, and the floor reading their reports (``feed_source``)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Connection, select

from floorlead.domain.feed_health import FeedReport
from floorlead.store import models as m
from floorlead.store.db import FloorDatabase
from floorlead.store.ingest import upsert

FEED_SOURCE = m.FeedSource.__table__  # type: ignore[attr-defined]


@dataclass
class FeedState:
    """One running feed's own account, written to the floor every few seconds."""

    id: str
    kind: str
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    status: str = "live"
    last_event_at: datetime | None = None
    records: int = 0
    quarantined: int = 0
    quarantine_path: str = ""


def report(db: FloorDatabase, state: FeedState, now: datetime | None = None) -> None:
    """Write the feed's account (its own small transaction)."""
    values = {
        "id": state.id,
        "kind": state.kind,
        "pid": os.getpid(),
        "status": state.status,
        "started_at": state.started_at,
        "beat_at": now or datetime.now(UTC),
        "last_event_at": state.last_event_at,
        "records": state.records,
        "quarantined": state.quarantined,
        "quarantine_path": state.quarantine_path,
    }
    with db.begin() as conn:
        upsert(conn, FEED_SOURCE, values, ["id"])


def feed_reports(conn: Connection) -> list[FeedReport]:
    rows = conn.execute(select(FEED_SOURCE)).all()
    return [
        FeedReport(
            id=r.id,
            kind=r.kind,
            status=r.status,
            started_at=r.started_at,
            beat_at=r.beat_at,
            last_event_at=r.last_event_at,
            quarantined=r.quarantined,
            quarantine_path=r.quarantine_path,
        )
        for r in rows
    ]
