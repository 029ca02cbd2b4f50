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
On SQLite "stored since" is the rowid; on PostgreSQL the ``seq`` column (migration 0010); the
readers' SQL differs only as ``plain.Dialect`` says.
"""

from __future__ import annotations

import bisect
import time
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Connection

from floorlead.config import Settings
from floorlead.domain import metrics as mx
from floorlead.domain.tally import FloorTally
from floorlead.store import plain
from floorlead.store.figures import (
    NO_STAFF,
    Definitions,
    FloorDay,
    QueueFigures,
    agent_row,
    queue_row,
    staffing,
)
from floorlead.store.floor import finish_snapshot
from floorlead.store.ingest import AGENT, AGENT_QUEUE, AGENT_STATE, AUDIT, CHUNK, QUEUE, SCHEDULE
from floorlead.store.read import (
    escalation_list,
    escalation_records,
    recent_notes,
)
from floorlead.store.sqlite import sqlite_text
from floorlead.store.views import EscalationRow, FloorSnapshot, NoteRow, schedule_window

#: Read everything again this often, for the rare changes the deltas cannot see.
REBUILD_S = 60.0


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
        self._sched: dict[str, list[mx.Segment]] = {}
        self._escalations: tuple[list[Any], int] | None = None
        self._audit_mark = 0
        self._stale = False
        self._tally = FloorTally(datetime.min, {}, settings.metrics.short_abandon_s)
        self._d = plain.SQLITE
        self._raw: dict[str, tuple[Any, ...]] = {}  # unfinished contacts' rows as last read
        self._defs: tuple[Any, Definitions] | None = None  # (signature, definitions)
        #: per agent: (count of changes, count up to now, the history a snapshot reads)
        self._history: dict[str, tuple[int, int, list[mx.StateChange]]] = {}
        #: the recent notes as last read: (audit mark, names, day start, rows)
        self._notes: tuple[int, dict[str, str], datetime, list[NoteRow]] | None = None
        #: the escalation list as last shown: (audit mark, names, since, until, rows)
        self._shown: tuple[int, dict[str, str], datetime, Any, list[EscalationRow]] | None = None

    # -- the one entry point ---------------------------------------------------------------

    def snapshot(self, conn: Connection, now: datetime) -> FloorSnapshot:
        self._d = plain.dialect(conn.dialect.name)
        d = FloorDay.at(self.settings, now)
        day_start, day_end = d.day_start, d.day_end
        # one statement says what moved since the last tick (answered from indexes)
        marks = tuple(conn.exec_driver_sql(_MARKS_SQL[self._d.name]).one())
        if day_start != self._day_start or self._stale or self.clock() - self._built_at > REBUILD_S:
            self._rebuild(conn, day_start, day_end, marks)
        else:
            self._update(conn, day_start, day_end, marks)
        if self._tally.moves_back(now):  # a snapshot before the last one: count again
            self._retally(day_start)
        self._tally.seen = now
        # Every change to an escalation writes an audit row: a new newest audit id is the
        # only reason to read them again (their clocks and snoozes move with ``now`` anyway).
        mark = int(marks[3])
        if self._escalations is None or mark != self._audit_mark:
            self._escalations = escalation_records(conn, day_start)
            self._audit_mark = mark
        defs = self._definitions(conn, marks[4:])
        names = defs.names
        tally = self._tally
        calls, handled = tally.calls(now)
        agents = []
        for a in defs.agents:
            history = self._history_of(a.id, now)
            sched = self._sched.get(a.id, _NO_SEGMENTS)
            counted = tally.agent(a.id)
            figures = counted.figures(history, sched, day_start, now, d.grace_s)
            agents.append(
                agent_row(
                    a,
                    defs.skills,
                    history,
                    figures,
                    counted.activity(sched, now),
                    calls.get(a.id),
                    handled.get(a.id, 0),
                )
            )
        staff = staffing(agents)
        queues = []
        length = d.interval_end - d.interval_start
        for q in defs.queues:
            qt = tally.queue(q.id, q.sl_seconds)
            contact_figures = QueueFigures(
                waiting=qt.waiting_now(now),
                interval=qt.window(d.interval_start, d.interval_end, now),
                today=qt.window(day_start, day_end, now),
                recent_offered=qt.recent_offered(now, length),
                trend=qt.trend(now),
            )
            queues.append(queue_row(q, contact_figures, staff.get(q.id, NO_STAFF), d))
        records, open_count = self._escalations
        # every coaching note written or changed writes an audit row too
        notes = self._notes
        if notes is None or notes[:3] != (self._audit_mark, names, day_start):
            rows = recent_notes(conn, names, scores_since=day_start - timedelta(days=31))
            self._notes = notes = (self._audit_mark, names, day_start, rows)
        return finish_snapshot(
            conn,
            d,
            now,
            queues,
            agents,
            self._escalation_rows(records, names, now),
            open_count,
            names,
            notes[3],
        )

    def _history_of(self, agent: str, now: datetime) -> list[mx.StateChange]:
        """The agent's changes up to ``now``, led by the state carried in (kept between
        refreshes: rebuilt only when the agent has a new change or one comes due)."""
        items = self._changes.get(agent, _NO_CHANGES)
        upto = len(items)
        while upto and items[upto - 1][0] > now:
            upto -= 1
        kept = self._history.get(agent)
        if kept is not None and kept[0] == len(items) and kept[1] == upto:
            return kept[2]
        first = self._carried.get(agent)
        history = ([first] if first is not None else []) + [i[2] for i in items[:upto]]
        self._history[agent] = (len(items), upto, history)
        return history

    def _escalation_rows(
        self, records: list[Any], names: dict[str, str], now: datetime
    ) -> list[EscalationRow]:
        """The list changes only with the audit log, a name, or a snooze running out."""
        shown = self._shown
        if shown is not None:
            mark, known, since, until, rows = shown
            if (
                mark == self._audit_mark
                and known == names
                and since <= now
                and (until is None or now < until)
            ):
                return rows
        rows = escalation_list(records, names, now)
        wakes = [r.snoozed_until for r in records if r.snoozed_until and r.snoozed_until > now]
        self._shown = (self._audit_mark, names, now, min(wakes, default=None), rows)
        return rows

    # -- reading ---------------------------------------------------------------------------

    def _select_contacts(self, conn: Connection, where: str, params: tuple[Any, ...]) -> Any:
        """Contact rows as the driver gives them (text instants): most are compared with
        what is already kept and dropped unconverted."""
        return _driver(conn).execute(f"{self._d.contact_sql} WHERE {where}", params)

    def _keep(self, r: Any, day_start: datetime) -> None:
        """Cache the contact if a full read would return it (``read._contacts``, ``now``
        aside): queued today, or yesterday and not yet answered, abandoned or wrapped up."""
        cid = r[1]
        raw = tuple(r)
        if self._raw.get(cid) == raw:  # an open contact read again unchanged: no work
            return
        times = plain.contact_times(raw)
        carried = day_start - timedelta(days=1)
        wanted = times.queued_at >= day_start or (
            times.queued_at >= carried
            and (
                (times.answered_at is None and times.abandoned_at is None)
                or times.wrapped_at is None
            )
        )
        if not wanted:
            self._contacts.pop(cid, None)
            self._open.discard(cid)
            self._raw.pop(cid, None)
            self._tally.drop(cid)
            return
        self._contacts[cid] = (raw[0], times)
        self._tally.put(cid, raw[0], times)
        if _finished(times):
            self._open.discard(cid)
            self._raw.pop(cid, None)
        else:  # only the unfinished are read again each tick: only they need their raw row
            self._open.add(cid)
            self._raw[cid] = raw

    def _definitions(self, conn: Connection, signature: tuple[Any, ...]) -> Definitions:
        """Agents, skills and queues, kept as the same object while nothing in them changed.

        Whether anything did is one statement that SQLite answers by itself: every column of
        the three tables folded into one text a table. The rows are read again only when
        that text moved (an upsert edits rows in place, so neither counts nor rowids tell).
        """
        if self._defs is None or self._defs[0] != signature:
            self._defs = (signature, plain.definitions(_driver(conn)))
        return self._defs[1]

    def _rebuild(
        self, conn: Connection, day_start: datetime, day_end: datetime, marks: tuple[Any, ...]
    ) -> None:
        self.rebuilds += 1
        self._escalations = None
        self._built_at = self.clock()
        self._day_start = day_start
        self._stale = False
        self._contacts, self._open = {}, set()
        self._raw = {}
        # each queue's SL threshold up front: a tally made with another is counted again
        thresholds: dict[str, int] = dict(
            conn.exec_driver_sql("SELECT id, sl_seconds FROM queue").fetchall()
        )
        self._tally = FloorTally(day_start, thresholds, self.settings.metrics.short_abandon_s)
        self._history = {}
        self._last_rowid = int(marks[0])
        # No rowid bound (SQLite would scan the table by rowid instead of seeking the
        # queued_at index); a row added meanwhile is read again next tick and replaced by id.
        p = self._d.param
        where = (
            f"queued_at >= {p} AND (queued_at >= {p} OR "
            "(answered_at IS NULL AND abandoned_at IS NULL) OR wrapped_at IS NULL)"
        )
        params = (self._d.when(day_start - timedelta(days=1)), self._d.when(day_start))
        for r in self._select_contacts(conn, where, params):
            self._keep(r, day_start)
        self._last_state_id = int(marks[1])
        # an "until" before the day began leaves only each agent's carried-in state
        driver = _driver(conn)
        self._carried = plain.carried_states(driver, day_start, self._d)
        self._changes = {}
        # no id bound in SQL (SQLite would scan by id instead of seeking the ``at`` index)
        sql = f"{self._d.state_sql} WHERE at >= {self._d.param}"
        for r in driver.execute(sql, (self._d.when(day_start),)):
            if r[0] <= self._last_state_id:  # newer ones come with the next update
                self._add_change(*r)
        self._load_schedules(conn, day_start, day_end, int(marks[2]))

    def _add_change(self, ident: int, agent: str, text: str, state: str, reason: str) -> None:
        """A row of ``plain.STATE_SQL`` into the agent's changes, kept in (time, id) order."""
        at = datetime.fromisoformat(text)
        item = (at, ident, mx.StateChange(at, state, reason))
        changes = self._changes.setdefault(agent, [])
        if not changes or (item[0], item[1]) >= (changes[-1][0], changes[-1][1]):
            changes.append(item)
        else:
            bisect.insort(changes, item, key=lambda i: (i[0], i[1]))

    def _load_schedules(
        self, conn: Connection, day_start: datetime, day_end: datetime, mark: int
    ) -> None:
        """``mark``: the newest block's id, from the tick's marks."""
        self._schedule_mark = mark
        window = schedule_window(day_start, day_end)
        self._schedules = plain.schedules(_driver(conn), *window, self._d)
        self._sched = {
            agent: mx.scheduled_segments(blocks, day_start, day_end)
            for agent, blocks in self._schedules.items()
        }

    def _retally(self, day_start: datetime) -> None:
        thresholds = dict(self._tally.sl_of)
        self._tally = FloorTally(day_start, thresholds, self.settings.metrics.short_abandon_s)
        for cid, (rowid, times) in self._contacts.items():
            self._tally.put(cid, rowid, times)

    def _update(
        self, conn: Connection, day_start: datetime, day_end: datetime, marks: tuple[Any, ...]
    ) -> None:
        newest, newest_state, schedule_mark = int(marks[0]), int(marks[1]), int(marks[2])
        if newest < self._last_rowid:  # rows were deleted: start again next tick
            self._stale = True
            return
        p = self._d.param
        if newest > self._last_rowid:
            where = f"{self._d.rowid} > {p}"
            for r in self._select_contacts(conn, where, (self._last_rowid,)):
                self._keep(r, day_start)
            self._last_rowid = newest
        still_open = sorted(self._open)  # updated in place: no mark tells, so read them again
        for i in range(0, len(still_open), CHUNK):
            chunk = tuple(still_open[i : i + CHUNK])
            marks_sql = ", ".join([p] * len(chunk))
            for r in self._select_contacts(conn, f"id IN ({marks_sql})", chunk):
                self._keep(r, day_start)
        if newest_state > self._last_state_id:
            start = sqlite_text(day_start)
            rows = _driver(conn).execute(
                f"{self._d.state_sql} WHERE id > {p} ORDER BY id", (self._last_state_id,)
            )
            for r in rows:
                self._last_state_id = r[0]
                if r[2] < start:  # same text form: compares as instants do
                    self._stale = True  # it may change an agent's carried-in state
                else:
                    self._add_change(*r)
        if schedule_mark != self._schedule_mark:  # a new block (one edited in place: REBUILD_S)
            self._load_schedules(conn, day_start, day_end, schedule_mark)


def _driver(conn: Connection) -> Any:
    """The driver's connection under ``conn`` (sqlite3 or psycopg), in the same transaction
    (``store.plain``'s readers take it: no SQLAlchemy row objects on a refresh)."""
    return conn.connection.driver_connection


def _folded(table: Any) -> str:
    """SQL folding every row of ``table`` into one text (unambiguous: quoted values between
    unit separators, rows between record separators)."""
    columns = " || char(31) || ".join(f'quote("{c.name}")' for c in table.columns)
    return f"(SELECT group_concat({columns}, char(30)) FROM {table.name})"


def _pg_folded(table: Any) -> str:
    """:func:`_folded` on PostgreSQL: each row as its record text, in a fixed order."""
    return f"(SELECT string_agg(t::text, chr(30) ORDER BY t::text) FROM {table.name} AS t)"


def _marks_sql(rowid: str, folded: Any) -> str:
    """The newest contact, state change, schedule block and audit row, then the
    definitions folded."""
    return "SELECT " + ", ".join(
        [
            f"(SELECT coalesce(max({rowid}), 0) FROM contact)",
            f"(SELECT coalesce(max(id), 0) FROM {AGENT_STATE.name})",
            f"(SELECT coalesce(max(id), 0) FROM {SCHEDULE.name})",
            f"(SELECT coalesce(max(id), 0) FROM {AUDIT.name})",
            *(folded(t) for t in (AGENT, AGENT_QUEUE, QUEUE)),
        ]
    )


_MARKS_SQL = {
    d.name: _marks_sql(d.rowid, folded)
    for d, folded in ((plain.SQLITE, _folded), (plain.POSTGRES, _pg_folded))
}
_NO_SEGMENTS: list[mx.Segment] = []


_NO_CHANGES: list[tuple[datetime, int, mx.StateChange]] = []
