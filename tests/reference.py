"""The board by the definitions, for the tests to hold the running engine to.

``domain.figures.floor_figures`` over the floor day's rows as the one reader reads them: the
plain reading of every definition, with nothing kept between calls. Production code never
computes the board this way (the engine does, from running tallies); the property tests make
sure both agree.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from floorlead.config import Settings
from floorlead.domain.board import FloorRows, FloorSnapshot
from floorlead.domain.figures import FloorDay, floor_figures
from floorlead.store import reader
from floorlead.store.engine import FloorEngine


def reference_snapshot(conn: Any, settings: Settings, now: datetime) -> FloorSnapshot:
    """The whole floor at ``now`` by the definitions (``conn``: a SQLAlchemy connection)."""
    driver, d = reader.driver_of(conn)
    fd = FloorDay.at(settings, now)
    defs = reader.definitions(driver, d, now)
    rows = FloorRows(
        reader.contacts(driver, d, fd.day_start, now),
        reader.state_changes(driver, d, fd.day_start, now),
        reader.schedules(driver, d, *reader.schedule_window(fd.day_start, fd.day_end)),
    )
    queues, agents = floor_figures(fd, defs, rows, now)
    records, open_count = reader.escalation_records(driver, d, fd.day_start)
    names = defs.names
    notes = reader.recent_notes(driver, d, names, scores_since=fd.day_start - timedelta(days=31))
    return fd.snapshot(
        now,
        queues,
        agents,
        escalations=tuple(reader.escalation_list(records, names, now)),
        open_escalation_count=open_count,
        notes=tuple(reader.with_progress(driver, d, notes, agents)),
        agent_names=names,
    )


def floor_now(conn: Any, settings: Settings, now: datetime) -> FloorSnapshot:
    """The floor at ``now`` as the product reads it: a fresh engine's snapshot."""
    return FloorEngine(settings).snapshot(*reader.driver_of(conn), now)
