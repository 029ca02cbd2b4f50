"""The floor's rows kept in memory between refreshes, so a tick reads only what changed.

``floor_snapshot`` reads the whole day (contacts, state changes, schedules) every time; on a
floor of 500 agents that is most of a refresh. :class:`LiveFloor` reads the day once, then on
each tick only new contacts (rowid past the last seen), contacts not finished yet (waiting, on
a call or in wrap-up: the only ones a live feed changes), new state changes (id past the last
seen) and the schedules only when the newest block's id moved. The snapshot is then the
same computation over the same rows, so it equals ``floor_snapshot`` (a property test holds
it to that).

Changes the deltas cannot see: a vendor record rewriting a contact that had already finished,
a state change stamped before the day began, a schedule block edited in place, a row deleted.
They are picked up by a full re-read every ``REBUILD_S`` seconds and whenever the day turns.
SQLite only (it relies on rowids); on PostgreSQL every tick is a full read.
"""

from __future__ import annotations

import bisect
import time
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Integer, column, func, select, text
from sqlalchemy.engine import Connection

from floorlead.config import Settings
from floorlead.domain import metrics as mx
from floorlead.domain import when
from floorlead.store.bulk import RECORD_COLUMNS
from floorlead.store.ingest import AGENT_STATE, AUDIT, CHUNK, CONTACT, SCHEDULE
from floorlead.store.read import (
    FloorRows,
    FloorSnapshot,
    _schedules,
    _state_changes,
    contact_times,
    escalation_records,
    floor_snapshot,
    schedule_window,
)
from floorlead.store.types import sqlite_text

#: Read everything again this often, for the rare changes the deltas cannot see.
REBUILD_S = 60.0
#: A contact's columns as a vendor record writes them, less its update time, led by the rowid.
_CONTACT_COLS = ("rowid", *RECORD_COLUMNS[:-1])


def _finished(c: mx.ContactTimes) -> bool:
    return c.wrapped_at is not None or c.abandoned_at is not None


class LiveFloor:
    """One per refresh worker; ``snapshot`` is called from that worker's thread only."""

    def __init__(self, settings: Settings, clock: Any = time.monotonic) -> None:
        self.settings = settings
        self.clock = clock
        self.rebuilds = 0
        self._day_start: datetime | None = None
        self._built_at = 0.0
        # contact id -> (rowid, times); every contact queued since the day before began
        self._contacts: dict[str, tuple[int, mx.ContactTimes]] = {}
        self._open: set[str] = set()  # ids of cached contacts not finished yet
        self._last_rowid = 0
        self._carried: dict[str, mx.StateChange] = {}
        self._changes: dict[str, list[tuple[datetime, int, mx.StateChange]]] = {}
        self._last_state_id = 0
        self._schedules: dict[str, list[mx.ScheduleBlock]] = {}
        self._schedule_mark = 0
        self._escalations: tuple[list[Any], int] | None = None
        self._audit_mark = 0
        self._stale = False

    # -- the one entry point ---------------------------------------------------------------

    def snapshot(self, conn: Connection, now: datetime) -> FloorSnapshot:
        if conn.dialect.name != "sqlite":
            return floor_snapshot(conn, self.settings, now)
        f = self.settings.floor
        day_start, day_end = when.today_bounds(now, f.timezone, f.day_start)
        if day_start != self._day_start or self._stale or self.clock() - self._built_at > REBUILD_S:
            self._rebuild(conn, day_start, day_end)
        else:
            self._update(conn, day_start, day_end)
        # Every change to an escalation writes an audit row: a new newest audit id is the
        # only reason to read them again (their clocks and snoozes move with ``now`` anyway).
        mark = int(conn.execute(select(func.coalesce(func.max(AUDIT.c.id), 0))).scalar_one())
        if self._escalations is None or mark != self._audit_mark:
            self._escalations = escalation_records(conn, day_start)
            self._audit_mark = mark
        return floor_snapshot(conn, self.settings, now, self._rows(day_start, now))

    # -- reading ---------------------------------------------------------------------------

    def _select_contacts(self, conn: Connection, where: str, params: dict[str, Any]) -> Any:
        cols = ", ".join(_CONTACT_COLS)
        stmt = text(f"SELECT {cols} FROM contact WHERE {where}").columns(
            column("rowid", Integer), *(CONTACT.c[c] for c in _CONTACT_COLS[1:])
        )
        return conn.execute(stmt, params)

    def _keep(self, r: Any, day_start: datetime) -> None:
        """Cache the contact if a full read would return it (``read._contacts``, ``now``
        aside): queued today, or yesterday and not yet answered, abandoned or wrapped up."""
        times = contact_times(r)
        carried = day_start - timedelta(days=1)
        wanted = times.queued_at >= day_start or (
            times.queued_at >= carried
            and (
                (times.answered_at is None and times.abandoned_at is None)
                or times.wrapped_at is None
            )
        )
        if not wanted:
            self._contacts.pop(r.id, None)
            self._open.discard(r.id)
            return
        self._contacts[r.id] = (r.rowid, times)
        if _finished(times):
            self._open.discard(r.id)
        else:
            self._open.add(r.id)

    def _rebuild(self, conn: Connection, day_start: datetime, day_end: datetime) -> None:
        self.rebuilds += 1
        self._escalations = None
        self._built_at = self.clock()
        self._day_start = day_start
        self._stale = False
        self._contacts, self._open = {}, set()
        self._last_rowid = _newest_contact(conn)
        # No rowid bound (SQLite would scan the table by rowid instead of seeking the
        # queued_at index); a row added meanwhile is read again next tick and replaced by id.
        where = (
            "queued_at >= :since AND (queued_at >= :today OR "
            "(answered_at IS NULL AND abandoned_at IS NULL) OR wrapped_at IS NULL)"
        )
        params = {
            "today": sqlite_text(day_start),
            "since": sqlite_text(day_start - timedelta(days=1)),
        }
        for r in self._select_contacts(conn, where, params):
            self._keep(r, day_start)
        self._last_state_id = conn.execute(
            select(func.coalesce(func.max(AGENT_STATE.c.id), 0))
        ).scalar_one()
        # an "until" before the day began leaves only each agent's carried-in state
        carried_in = _state_changes(conn, day_start, day_start - timedelta(microseconds=1))
        self._carried = {agent: changes[0] for agent, changes in carried_in.items() if changes}
        self._changes = {}
        for r in conn.execute(
            select(AGENT_STATE.c.id, AGENT_STATE.c.agent_id, AGENT_STATE.c.at,
                   AGENT_STATE.c.state, AGENT_STATE.c.reason)
            .where(AGENT_STATE.c.at >= day_start)  # an id bound here would make SQLite scan
        ):  # fmt: skip
            if r.id <= self._last_state_id:  # newer ones come with the next update
                self._add_change(r)
        self._load_schedules(conn, day_start, day_end)

    def _add_change(self, r: Any) -> None:
        item = (r.at, r.id, mx.StateChange(r.at, r.state, r.reason))
        changes = self._changes.setdefault(r.agent_id, [])
        if not changes or (item[0], item[1]) >= (changes[-1][0], changes[-1][1]):
            changes.append(item)
        else:
            bisect.insort(changes, item, key=lambda i: (i[0], i[1]))

    @staticmethod
    def _schedule_signature(conn: Connection) -> int:
        """The newest block's id: one index seek. (A block edited in place keeps its id; the
        periodic re-read picks that up.)"""
        return int(conn.execute(select(func.coalesce(func.max(SCHEDULE.c.id), 0))).scalar_one())

    def _load_schedules(self, conn: Connection, day_start: datetime, day_end: datetime) -> None:
        self._schedule_mark = self._schedule_signature(conn)
        self._schedules = _schedules(conn, *schedule_window(day_start, day_end))

    def _update(self, conn: Connection, day_start: datetime, day_end: datetime) -> None:
        newest = _newest_contact(conn)
        if newest < self._last_rowid:  # rows were deleted: start again next tick
            self._stale = True
            return
        for r in self._select_contacts(conn, "rowid > :last", {"last": self._last_rowid}):
            self._keep(r, day_start)
        self._last_rowid = newest
        still_open = sorted(self._open)
        for i in range(0, len(still_open), CHUNK):
            chunk = still_open[i : i + CHUNK]
            marks = ", ".join(f":c{k}" for k in range(len(chunk)))
            params = {f"c{k}": cid for k, cid in enumerate(chunk)}
            for r in self._select_contacts(conn, f"id IN ({marks})", params):
                self._keep(r, day_start)
        for r in conn.execute(
            select(AGENT_STATE.c.id, AGENT_STATE.c.agent_id, AGENT_STATE.c.at,
                   AGENT_STATE.c.state, AGENT_STATE.c.reason)
            .where(AGENT_STATE.c.id > self._last_state_id)
            .order_by(AGENT_STATE.c.id)
        ):  # fmt: skip
            self._last_state_id = r.id
            if r.at < day_start:
                self._stale = True  # it may change an agent's carried-in state
            else:
                self._add_change(r)
        if self._schedule_signature(conn) != self._schedule_mark:
            self._load_schedules(conn, day_start, day_end)

    # -- the rows as floor_snapshot reads them ---------------------------------------------

    def _rows(self, day_start: datetime, now: datetime) -> FloorRows:
        carried = day_start - timedelta(days=1)
        picked = [
            (c.queued_at, rowid, c)
            for rowid, c in self._contacts.values()
            if c.queued_at <= now
            and (
                c.queued_at >= day_start
                or (c.queued_at >= carried and c.answered_at is None and c.abandoned_at is None)
                or (c.queued_at >= carried and c.wrapped_at is None)
            )
        ]
        picked.sort(key=lambda p: (p[0], p[1]))
        changes: dict[str, list[mx.StateChange]] = defaultdict(list)
        for agent, first in self._carried.items():
            changes[agent].append(first)
        for agent, items in self._changes.items():
            for at, _id, change in items:
                if at > now:
                    break
                changes[agent].append(change)
        return FloorRows([p[2] for p in picked], changes, self._schedules, self._escalations)


def _newest_contact(conn: Connection) -> int:
    return int(conn.exec_driver_sql("SELECT coalesce(max(rowid), 0) FROM contact").scalar_one())
