"""Live feeds reporting themselves, and the floor reading their reports (``feed_source``)."""

from __future__ import annotations

import os
from dataclasses import asdict, fields

from sqlalchemy import Connection, select

from floorlead.domain.feed_health import FeedReport
from floorlead.store import models as m
from floorlead.store.db import FloorDatabase
from floorlead.store.schema import table, upsert

FEED_SOURCE = table(m.FeedSource)


def report(db: FloorDatabase, feed: FeedReport, records: int = 0) -> None:
    """Write a feed's account of itself (its own small transaction)."""
    values = {**asdict(feed), "pid": os.getpid(), "records": records}
    with db.begin() as conn:
        upsert(conn, FEED_SOURCE, values, ["id"])


def feed_reports(conn: Connection) -> list[FeedReport]:
    columns = [FEED_SOURCE.c[f.name] for f in fields(FeedReport)]
    return [FeedReport(*row) for row in conn.execute(select(*columns))]
