"""The one running engine of the floor: the board behind the TUI's refresh and ``snapshot``.

The engine keeps the floor day's rows in memory between reads. It reads the day once, then on
each tick one statement says what moved (:data:`MARKS`: the newest contact, state change,
schedule block, audit row, punch and feed report, and the definitions folded into text), and it
reads only that: new contacts (stored after the last seen), contacts not finished yet (waiting,
on a call or in wrap-up: the only ones a live feed changes in place), new state changes, the
schedules when a block was added. Running tallies (``domain.tally``) turn the rows into the
board; property tests hold them to the definitions (``domain.figures``). What moved is the
floor's one change token, the same on SQLite and PostgreSQL: :meth:`FloorEngine.refresh`
returns nothing when nothing did.

Changes the marks cannot see — a vendor record rewriting a finished contact, a state change
stamped before the day began, a schedule block edited in place, a row deleted — are picked up
by a full re-read every ``REBUILD_S`` seconds and whenever the day turns. Everything is read
through ``store.reader`` on the driver's own connection; nothing here imports SQLAlchemy.
"""

from __future__ import annotations

import bisect
import sqlite3
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from floorlead.config import Settings
from floorlead.domain import metrics as mx
from floorlead.domain.board import AgentRow, EscalationRow, FloorSnapshot, NoteRow, QueueRow
from floorlead.domain.figures import (
    NO_STAFF,
    Definitions,
    FloorDay,
    QueueFigures,
    agent_row,
    queue_row,
    staffing,
)
from floorlead.domain.tally import FloorTally
from floorlead.store import reader
from floorlead.store.reader import Dialect
from floorlead.store.sqlite import sqlite_text

#: Read everything again this often, for the rare changes the marks cannot see.
REBUILD_S = 60.0
#: Contact ids a statement, under SQLite's oldest limit of 999 parameters.
CHUNK = 900


def _finished(c: mx.ContactTimes) -> bool:
    return c.wrapped_at is not None or c.abandoned_at is not None


class FloorEngine:
    """The floor as it runs: one per process that shows it (the TUI's refresh worker,
    ``snapshot --watch``), called from one thread at a time.

    ``conn`` is always the driver's connection (``sqlite3`` or psycopg) inside the caller's
    read transaction, ``d`` its :class:`~floorlead.store.reader.Dialect`."""

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
        self._escalations: tuple[list[reader.EscalationRecord], int] | None = None
        self._audit_mark = 0
        self._stale = False
        self._tally = FloorTally(datetime.min, {}, settings.metrics.short_abandon_s)
        self._d = reader.SQLITE
        self._raw: dict[str, tuple[Any, ...]] = {}  # unfinished contacts' rows as last read
        self._defs: tuple[Any, Definitions] | None = None  # (signature, definitions)
        self._defs_now = Definitions([], {}, [])  # as they stood at the last read's instant
        self._day: FloorDay  # the floor day of the last read's instant
        #: per agent: (count of changes, count up to now, the history a snapshot reads)
        self._history: dict[str, tuple[int, int, list[mx.StateChange]]] = {}
        #: the recent notes as last read: (audit mark, names, day start, rows)
        self._notes: tuple[int, dict[str, str], datetime, list[NoteRow]] | None = None
        #: the escalation list as last shown: (audit mark, names, since, until, rows)
        self._shown: tuple[int, dict[str, str], datetime, Any, list[EscalationRow]] | None = None
        #: the marks of the last read, and whether anything moved since the last snapshot
        self._marks: tuple[Any, ...] | None = None
        self._moved = True

    # -- the entry points ------------------------------------------------------------------

    def refresh(
        self, conn: Any, d: Dialect, now: datetime, force: bool = False, complete: bool = True
    ) -> FloorSnapshot | None:
        """The floor at ``now`` — whole, or the board alone unless ``complete`` — or None when
        nothing was written since the last one and ``force`` is not set (the floor's change
        token: a caller need not show the same figures again)."""
        self._read(conn, d, now)
        if not (self._moved or force):
            return None
        if not complete:
            return self.board(conn, d, now, reread=False)
        return self.snapshot(conn, d, now, reread=False)

    def snapshot(self, conn: Any, d: Dialect, now: datetime, reread: bool = True) -> FloorSnapshot:
        """The whole floor at ``now``: queues, agents, escalations, notes."""
        if reread:
            self._read(conn, d, now)
        self._moved = False
        queues, agents, fd, defs = self._board(now)
        names = defs.names
        mark = self._audit_mark
        if self._escalations is None:  # read again only when the audit log moved
            self._escalations = reader.escalation_records(conn, d, fd.day_start)
        records, open_count = self._escalations
        # every coaching note written or changed writes an audit row too
        notes = self._notes
        if notes is None or notes[:3] != (mark, names, fd.day_start):
            since = fd.day_start - timedelta(days=31)
            rows = reader.recent_notes(conn, d, names, scores_since=since)
            self._notes = notes = (mark, names, fd.day_start, rows)
        return fd.snapshot(
            now,
            queues,
            agents,
            escalations=tuple(self._escalation_rows(records, names, now)),
            open_escalation_count=open_count,
            notes=tuple(reader.with_progress(conn, d, notes[3], agents)),
            agent_names=names,
        )

    def board(self, conn: Any, d: Dialect, now: datetime, reread: bool = True) -> FloorSnapshot:
        """The queues and agents at ``now`` alone (``snapshot`` prints them; ``complete`` is
        False: escalations and notes are not read)."""
        if reread:
            self._read(conn, d, now)
        self._moved = False
        queues, agents, fd, defs = self._board(now)
        return fd.snapshot(now, queues, agents, agent_names=defs.names, complete=False)

    # -- the board from the tallies --------------------------------------------------------

    def _board(self, now: datetime) -> tuple[list[QueueRow], list[AgentRow], FloorDay, Definitions]:
        """The rows at ``now``, the instant of the last :meth:`_read`."""
        fd = self._day
        defs = self._defs_now
        tally = self._tally
        calls, handled = tally.calls(now)
        agents = []
        for a in defs.agents:
            history = self._history_of(a.id, now)
            sched = self._sched.get(a.id, _NO_SEGMENTS)
            counted = tally.agent(a.id)
            figures = counted.figures(history, sched, fd.day_start, now, fd.grace_s)
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
        length = fd.interval_end - fd.interval_start
        for q in defs.queues:
            qt = tally.queue(q.id, q.sl_seconds)
            contact_figures = QueueFigures(
                waiting=qt.waiting_now(now),
                interval=qt.window(fd.interval_start, fd.interval_end, now),
                today=qt.window(fd.day_start, fd.day_end, now),
                recent_offered=qt.recent_offered(now, length),
                trend=qt.trend(now),
            )
            queues.append(queue_row(q, contact_figures, staff.get(q.id, NO_STAFF), fd))
        return queues, agents, fd, defs

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
        self, records: list[reader.EscalationRecord], names: dict[str, str], now: datetime
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
        rows = reader.escalation_list(records, names, now)
        wakes = [r.snoozed_until for r in records if r.snoozed_until and r.snoozed_until > now]
        self._shown = (self._audit_mark, names, now, min(wakes, default=None), rows)
        return rows

    # -- reading ---------------------------------------------------------------------------

    def _read(self, conn: Any, d: Dialect, now: datetime) -> None:
        """Bring the kept rows up to what is stored (only what moved), as of ``now``."""
        self._d = d
        self._day = fd = FloorDay.at(self.settings, now)
        # one statement says what moved since the last read (answered from indexes)
        marks = tuple(conn.execute(_MARKS_SQL[d.name]).fetchone())
        if marks != self._marks:
            self._moved = True
        if (
            fd.day_start != self._day_start
            or self._stale
            or self.clock() - self._built_at > REBUILD_S
        ):
            self._rebuild(conn, fd.day_start, fd.day_end, marks)
            self._moved = True
        else:
            self._update(conn, fd.day_start, fd.day_end, marks)
        if self._tally.moves_back(now):  # a snapshot before the last one: count again
            self._retally(fd.day_start)
        self._tally.seen = now
        # every change to an escalation writes an audit row: the only reason to read them
        # again (their clocks and snoozes move with ``now`` anyway)
        audit = int(marks[3])
        if audit != self._audit_mark:
            self._escalations = None
            self._audit_mark = audit
        if self._defs is None or self._defs[0] != marks[_DEFINITIONS_AT:]:
            # agents, skills and queues, kept as the same object while nothing in them changed
            # (an upsert edits rows in place, so neither counts nor ids tell: their text does)
            self._defs = (marks[_DEFINITIONS_AT:], reader.definitions(conn, d))
        # memberships changed after ``now`` undone (a snapshot of an earlier instant)
        self._defs_now = reader.as_at(conn, d, self._defs[1], now)
        self._marks = marks

    def _select_contacts(self, conn: Any, where: str, params: tuple[Any, ...]) -> Any:
        """Contact rows as the driver gives them (text instants): most are compared with
        what is already kept and dropped unconverted."""
        return conn.execute(f"{self._d.contact_sql} WHERE {where}", params)

    def _keep(self, r: Any, day_start: datetime) -> None:
        """Keep the contact if the day counts it (``reader.DAY_CONTACTS``, ``now`` aside)."""
        cid = r[1]
        raw = tuple(r)
        if self._raw.get(cid) == raw:  # an open contact read again unchanged: no work
            return
        self._moved = True
        times = reader.contact_times(raw)
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

    def _rebuild(
        self, conn: Any, day_start: datetime, day_end: datetime, marks: tuple[Any, ...]
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
            conn.execute("SELECT id, sl_seconds FROM queue").fetchall()
        )
        self._tally = FloorTally(day_start, thresholds, self.settings.metrics.short_abandon_s)
        self._history = {}
        self._last_rowid = int(marks[0])
        # No rowid bound (SQLite would scan the table by rowid instead of seeking the
        # queued_at index); a row added meanwhile is read again next tick and replaced by id.
        where, params = reader.day_contacts_where(self._d, day_start)
        for r in self._select_contacts(conn, where, params):
            self._keep(r, day_start)
        self._last_state_id = int(marks[1])
        # an "until" before the day began leaves only each agent's carried-in state
        self._carried = reader.carried_states(conn, self._d, day_start)
        self._changes = {}
        # no id bound in SQL (SQLite would scan by id instead of seeking the ``at`` index)
        sql = f"{self._d.state_sql} WHERE at >= {self._d.param}"
        for r in conn.execute(sql, (self._d.when(day_start),)):
            if r[0] <= self._last_state_id:  # newer ones come with the next update
                self._add_change(*r)
        self._load_schedules(conn, day_start, day_end, int(marks[2]))

    def _add_change(self, ident: int, agent: str, text: str, state: str, reason: str) -> None:
        """A row of ``Dialect.state_sql`` into the agent's changes, kept in (time, id) order."""
        at = datetime.fromisoformat(text)
        item = (at, ident, mx.StateChange(at, state, reason))
        changes = self._changes.setdefault(agent, [])
        if not changes or (item[0], item[1]) >= (changes[-1][0], changes[-1][1]):
            changes.append(item)
        else:
            bisect.insort(changes, item, key=lambda i: (i[0], i[1]))

    def _load_schedules(self, conn: Any, day_start: datetime, day_end: datetime, mark: int) -> None:
        """``mark``: the newest block's id, from the tick's marks."""
        self._schedule_mark = mark
        window = reader.schedule_window(day_start, day_end)
        self._schedules = reader.schedules(conn, self._d, *window)
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
        self, conn: Any, day_start: datetime, day_end: datetime, marks: tuple[Any, ...]
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
            where = f"id IN ({self._d.placeholders(len(chunk))})"
            for r in self._select_contacts(conn, where, chunk):
                self._keep(r, day_start)
        if newest_state > self._last_state_id:
            start = sqlite_text(day_start)
            rows = conn.execute(
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


def file_board(engine: FloorEngine, path: Path, now: datetime) -> FloorSnapshot | None:
    """``engine``'s board of the floor file at ``path`` read through ``sqlite3`` alone, or None
    where the file is not ready to be read so (the caller opens it through ``store.db``, which
    migrates it or says what is wrong)."""
    try:
        conn = reader.open_file(path)
    except reader.NotReady:
        return None
    try:
        return engine.board(conn, reader.SQLITE, now)
    except sqlite3.Error:
        return None
    finally:
        conn.close()


def _folded(table: str, columns: tuple[str, ...]) -> str:
    """SQL folding every row of ``table`` into one text (unambiguous: quoted values between
    unit separators, rows between record separators)."""
    joined = " || char(31) || ".join(f'quote("{c}")' for c in columns)
    return f"(SELECT group_concat({joined}, char(30)) FROM {table})"


def _pg_folded(table: str, columns: tuple[str, ...]) -> str:
    """:func:`_folded` on PostgreSQL: each row as its record text, in a fixed order."""
    del columns
    return f"(SELECT string_agg(t::text, chr(30) ORDER BY t::text) FROM {table} AS t)"


#: The tables whose every row the definitions are read from, and their columns.
_DEFINITIONS = (
    ("agent", ("id", "name", "team", "active")),
    ("agent_queue", ("agent_id", "queue_id")),
    ("queue", ("id", "name", "channel", "sl_percent", "sl_seconds")),
)


def _marks_sql(d: Dialect, folded: Any) -> str:
    """The newest contact, state change, schedule block, audit row, punch and feed report,
    then the definitions folded: what moved since the last read."""
    return "SELECT " + ", ".join(
        [
            f"(SELECT coalesce(max({d.rowid}), 0) FROM contact)",
            "(SELECT coalesce(max(id), 0) FROM agent_state)",
            "(SELECT coalesce(max(id), 0) FROM schedule)",
            "(SELECT coalesce(max(id), 0) FROM audit_log)",
            "(SELECT coalesce(max(id), 0) FROM punch)",
            f"(SELECT max({d.utc('beat_at')}) FROM feed_source)",
            *(folded(t, columns) for t, columns in _DEFINITIONS),
        ]
    )


_DEFINITIONS_AT = 6
_MARKS_SQL = {
    d.name: _marks_sql(d, folded)
    for d, folded in ((reader.SQLITE, _folded), (reader.POSTGRES, _pg_folded))
}
_NO_SEGMENTS: list[mx.Segment] = []
_NO_CHANGES: list[tuple[datetime, int, mx.StateChange]] = []
