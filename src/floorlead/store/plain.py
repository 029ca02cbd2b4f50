"""The board read through the database driver alone: ``floorlead snapshot --json`` and the
live floor's readers.

A process that prints one snapshot would spend most of its life importing SQLAlchemy and
converting rows through it. These readers ask the same questions as ``store.read``'s (the
same SQL, hence the same rows in the same order) and convert instants with
``datetime.fromisoformat``; ``store.figures`` computes the same board from them, and a test
holds :func:`board_snapshot` equal to ``floor_snapshot``. The quick snapshot is SQLite only,
and only on a database at the newest schema revision: for anything else :class:`NotPlain`
sends the caller the full way, which has the migrations and the error messages. The live
floor's readers also run on PostgreSQL through psycopg (:class:`Dialect`).
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import quote

from floorlead.config import Settings
from floorlead.domain import checkpoint as ck
from floorlead.domain import metrics as mx
from floorlead.domain.membership import skills_at
from floorlead.store import checkpoints
from floorlead.store.figures import Definitions, FloorDay, floor_figures
from floorlead.store.sqlite import (
    BUSY_TIMEOUT_MS,
    HEAD_REVISION,
    database_value,
    file_of,
    sqlite_text,
)
from floorlead.store.views import FloorRows, FloorSnapshot, schedule_window


class NotPlain(Exception):
    """The quick path does not apply here (no such file, an older schema, a driver error)."""


def connect(path: Path, write: bool = False) -> sqlite3.Connection:
    """The floor's file opened read-only (or read-write, to keep a checkpoint after the
    reading: ``write``), inside one read transaction (a consistent day)."""
    if not path.is_file():
        raise NotPlain(f"{path} is not a file")
    try:
        conn = sqlite3.connect(
            f"file:{quote(str(path))}?mode={'rw' if write else 'ro'}",
            uri=True,
            timeout=BUSY_TIMEOUT_MS / 1000,
            isolation_level=None,
        )
    except sqlite3.Error as exc:
        raise NotPlain(str(exc)) from None
    try:
        conn.execute("BEGIN")
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        if row is None or row[0] != HEAD_REVISION:
            raise NotPlain("the schema is not at the newest revision")
    except (sqlite3.Error, NotPlain) as exc:
        conn.close()
        raise NotPlain(str(exc)) from None
    return conn


class AgentDef(NamedTuple):
    id: str
    name: str
    team: str


class QueueDef(NamedTuple):
    id: str
    name: str
    channel: str
    sl_percent: int
    sl_seconds: int


#: The same rows in the same order as ``floor.definitions`` reads them.
DEFINITIONS_SQL = (
    "SELECT id, name, team FROM agent WHERE active ORDER BY name",
    "SELECT agent_id, queue_id FROM agent_queue",
    "SELECT id, name, channel, sl_percent, sl_seconds FROM queue ORDER BY name",
)


#: Membership changes after an instant, newest first (``domain.membership.skills_at``).
LATER_MEMBERSHIP_SQL = (
    "SELECT agent_id, queue_id, member FROM agent_queue_change WHERE at > {p} "
    "ORDER BY at DESC, id DESC"
)


def definitions(conn: Any, at: datetime | None = None, d: Dialect | None = None) -> Definitions:
    """Active agents (by name), the queues each can take (at ``at``, when memberships changed
    since), the queues (by name); plain tuples, because a refresh reads them thousands of
    times."""
    agents, memberships, queues = (conn.execute(sql).fetchall() for sql in DEFINITIONS_SQL)
    skills: dict[str, list[str]] = defaultdict(list)
    for agent_id, queue_id in memberships:
        skills[agent_id].append(queue_id)
    if at is not None:
        d = d or SQLITE
        sql = LATER_MEMBERSHIP_SQL.format(p=d.param)
        later = conn.execute(sql, (d.when(at),)).fetchall()
        if later:
            skills = defaultdict(list, skills_at(skills, later))
    return Definitions([AgentDef(*r) for r in agents], skills, [QueueDef(*r) for r in queues])


def utc(column: str) -> str:
    """A stored instant selected as ISO text with its offset: ``datetime.fromisoformat``
    then gives an aware instant at once (``replace(tzinfo=UTC)`` costs ten times the parse)."""
    return f"{column} || '+00:00'"


def _pg_utc(column: str) -> str:
    """:func:`utc` on PostgreSQL: the same text from a ``timestamptz``."""
    return f"to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00:00'"


@dataclass(frozen=True)
class Dialect:
    """What the readers' SQL differs in between SQLite (through ``sqlite3``) and PostgreSQL
    (through psycopg: the live floor on a server floor). Rows come back the same."""

    name: str
    param: str  # the driver's placeholder
    rowid: str  # a contact's place in the order contacts were stored (migration 0010)
    utc: Callable[[str], str]
    when: Callable[[datetime], Any]  # an instant as a parameter
    schedule_hint: str

    @cached_property
    def contact_sql(self) -> str:
        """A contact's columns as the metrics read them, led by its place in storing order."""
        times = ("queued_at", "answered_at", "abandoned_at", "ended_at", "wrapped_at")
        columns = (self.rowid, "id", "queue_id", "agent_id", *map(self.utc, times), "hold_s")
        return f"SELECT {', '.join(columns)} FROM contact"

    @cached_property
    def state_sql(self) -> str:
        """A state change with its id; the instant with its offset."""
        return f"SELECT id, agent_id, {self.utc('at')}, state, reason FROM agent_state"


SQLITE = Dialect("sqlite", "?", "rowid", utc, sqlite_text, "INDEXED BY ix_schedule_end ")
POSTGRES = Dialect("postgresql", "%s", "seq", _pg_utc, lambda t: t, "")


def dialect(name: str) -> Dialect:
    """The readers' dialect of a SQLAlchemy dialect name."""
    return POSTGRES if name == "postgresql" else SQLITE


CONTACT_SQL = SQLITE.contact_sql


def contact_times(raw: tuple[Any, ...]) -> mx.ContactTimes:
    """A row of ``Dialect.contact_sql`` as ``read.contact_times`` gives it."""
    _rowid, cid, queue_id, agent_id, queued, answered, abandoned, ended, wrapped, hold = raw
    parse = datetime.fromisoformat
    return mx.ContactTimes(
        queue_id,
        parse(queued),
        None if answered is None else parse(answered),
        None if abandoned is None else parse(abandoned),
        None if ended is None else parse(ended),
        None if wrapped is None else parse(wrapped),
        agent_id,
        hold,
        cid,
    )


def contacts(
    conn: sqlite3.Connection,
    day_start: datetime,
    now: datetime,
    since: datetime | None = None,
    also: frozenset[str] = frozenset(),
) -> list[mx.ContactTimes]:
    """As ``read._contacts``: queued today up to ``now``, or yesterday and not finished.
    With ``since`` (a checkpoint's ``through``, at or before every window the snapshot
    counts), today's from then on only and those named in ``also`` (the checkpoint's open
    ones), and of yesterday's abandoned contacts only those still waiting then (the others
    can count in no window nor wait after it)."""
    carried = sqlite_text(day_start - timedelta(days=1))
    if since is None:
        rows = conn.execute(
            f"{CONTACT_SQL} WHERE queued_at <= ? AND (queued_at >= ? OR queued_at >= ? AND "
            "answered_at IS NULL AND abandoned_at IS NULL OR queued_at >= ? AND "
            "wrapped_at IS NULL)",
            (sqlite_text(now), sqlite_text(day_start), carried, carried),
        )
    else:
        rows = conn.execute(
            f"{CONTACT_SQL} WHERE queued_at <= ? AND (queued_at >= ? OR queued_at >= ? AND "
            "queued_at < ? AND (answered_at IS NULL AND abandoned_at IS NULL OR "
            "wrapped_at IS NULL AND (abandoned_at IS NULL OR abandoned_at > ?)) OR "
            "id IN (SELECT value FROM json_each(?)))",
            (
                sqlite_text(now),
                sqlite_text(since),
                carried,
                sqlite_text(day_start),
                sqlite_text(since),
                json.dumps(sorted(also)),
            ),
        )
    return [contact_times(r) for r in rows]


STATE_SQL = SQLITE.state_sql


def carried_states(
    conn: Any, day_start: datetime, d: Dialect = SQLITE
) -> dict[str, mx.StateChange]:
    """Each agent's last state change before the day began (one index seek per agent)."""
    rows = conn.execute(
        f"{d.state_sql} WHERE id IN (SELECT (SELECT s.id FROM agent_state AS s "
        f"WHERE s.agent_id = agent.id AND s.at < {d.param} ORDER BY s.at DESC, s.id DESC "
        "LIMIT 1) FROM agent)",
        (d.when(day_start),),
    )
    parse = datetime.fromisoformat
    return {
        agent: mx.StateChange(parse(at), state, reason) for _i, agent, at, state, reason in rows
    }


def state_changes(
    conn: sqlite3.Connection, day_start: datetime, now: datetime, carried: bool = True
) -> dict[str, list[mx.StateChange]]:
    """As ``read._state_changes``: each agent's changes since the day began, led by the
    state they carried in (unless not ``carried``: a checkpoint holds it)."""
    out: dict[str, list[mx.StateChange]] = defaultdict(list)
    if carried:
        for agent, first in carried_states(conn, day_start).items():
            out[agent].append(first)
    rows = conn.execute(
        f"{STATE_SQL} WHERE at >= ? AND at <= ? ORDER BY at, id",
        (sqlite_text(day_start), sqlite_text(now)),
    )
    parse, change = datetime.fromisoformat, mx.StateChange
    for _i, agent_id, at, state, reason in rows:
        out[agent_id].append(change(parse(at), state, reason))
    return out


def schedules(
    conn: Any, start: datetime, end: datetime, d: Dialect = SQLITE
) -> dict[str, list[mx.ScheduleBlock]]:
    """As ``read._schedules``: the blocks that overlap ``[start, end)``, by start. Found by
    their end (SQLite, without statistics, would take the start index and read all history)."""
    out: dict[str, list[mx.ScheduleBlock]] = defaultdict(list)
    finish = d.utc('"end"')
    rows = conn.execute(
        f"SELECT agent_id, {d.utc('start')}, {finish}, activity FROM schedule "
        f'{d.schedule_hint}WHERE "end" > {d.param} AND start < {d.param} ORDER BY start, id',
        (d.when(start), d.when(end)),
    )
    for agent_id, begin, finish, activity in rows:
        out[agent_id].append(
            mx.ScheduleBlock(
                datetime.fromisoformat(begin), datetime.fromisoformat(finish), activity
            )
        )
    return out


def board_snapshot(
    conn: sqlite3.Connection, settings: Settings, now: datetime, keep: bool = False
) -> FloorSnapshot:
    """The queue board and the agents at ``now``, as ``floor_snapshot`` gives them: what
    ``snapshot --json`` prints and the TUI shows before its database has opened. Escalations
    and notes are not read (``complete`` is False).

    The day before the floor's checkpoint (``store.checkpoints``) is taken from it when it
    serves; only what came after is read. With ``keep``, the checkpoint is then moved on (or
    made) and saved, if that can be done at once: ``conn`` must be a read-write connection
    whose read transaction is still open."""
    d = FloorDay.at(settings, now)
    defs = definitions(conn, now)
    earliest = d.earliest(now)
    kept = mark = checkpoints.load(conn, d.day_start, d.day_end)
    if mark is not None and not mark.serves(
        d.day_start,
        d.day_end,
        d.short_abandon_s,
        now,
        earliest,
        [a.id for a in defs.agents],
        {q.id: q.sl_seconds for q in defs.queues},
    ):
        mark = None
    blocks = schedules(conn, *schedule_window(d.day_start, d.day_end))
    if mark is None:
        rows = FloorRows(
            contacts(conn, d.day_start, now), state_changes(conn, d.day_start, now), blocks
        )
    else:
        rows = FloorRows(
            contacts(conn, d.day_start, now, since=mark.through, also=mark.open),
            state_changes(conn, mark.states_through, now, carried=False),
            blocks,
        )
    queues, agents = floor_figures(d, defs, rows, now, mark)
    lag = STATES_LAG + timedelta(seconds=settings.feeds.reorder_window_s)
    if keep and _due(kept, mark, d, now, lag):
        _keep(conn, d, defs, rows, mark, now, earliest, now - lag)
    return d.snapshot(now, queues, agents, agent_names=defs.names, complete=False)


#: How far the clock must have moved past a checkpoint's states before it is moved on and
#: saved again (each save is a write to the floor's file).
KEEP_STEP = timedelta(minutes=5)
#: How far behind the clock a saved checkpoint's states stop, beyond the feeds' reorder window
#: (``[feeds] reorder_window_s``: a feed holds events that long to put them in order): a state
#: change delivered later than that would drop the checkpoint.
STATES_LAG = timedelta(minutes=2)


def _due(
    kept: ck.Checkpoint | None,
    used: ck.Checkpoint | None,
    d: FloorDay,
    now: datetime,
    lag: timedelta,
) -> bool:
    """Whether to save a checkpoint after this snapshot: not for a snapshot behind the one
    kept (``--at`` earlier in the day), nor within ``KEEP_STEP`` of the one used."""
    if kept is not None and used is None and kept.states_through > now - lag:
        return False
    start = d.day_start if used is None else used.states_through
    return now - lag > start + KEEP_STEP


def _keep(
    conn: sqlite3.Connection,
    d: FloorDay,
    defs: Definitions,
    rows: FloorRows,
    mark: ck.Checkpoint | None,
    now: datetime,
    earliest: datetime,
    states_until: datetime,
) -> None:
    """Move the checkpoint on to what ``rows`` allow at ``now`` (its states to
    ``states_until``) and save it (best effort)."""
    changes = rows.changes
    if mark is None:  # the day's rows lead with the state each agent carried in
        carried = {}
        for a in defs.agents:
            history = changes.get(a.id, [])
            carried[a.id] = history[0] if history and history[0].at < d.day_start else None
        changes = {
            agent: history[1:] if carried.get(agent) is not None else history
            for agent, history in changes.items()
        }
        mark = ck.start_of_day(
            d.day_start,
            d.day_end,
            d.short_abandon_s,
            carried,
            {q.id: q.sl_seconds for q in defs.queues},
        )
    schedule = {
        agent: mx.scheduled_segments(blocks, d.day_start, d.day_end)
        for agent, blocks in rows.schedules.items()
    }
    moved = ck.advance(mark, rows.contacts, changes, schedule, now, earliest, states_until)
    checkpoints.save(conn, moved)


def board_of(db: str | None, settings: Settings, now: datetime) -> FloorSnapshot | None:
    """:func:`board_at` of the floor ``--db``, ``FLOORLEAD_DB`` or the settings name, or None
    for a server URL."""
    path = file_of(database_value(db, settings.database_url))
    return None if path is None else board_at(path, settings, now)


def board_at(path: Path, settings: Settings, now: datetime) -> FloorSnapshot | None:
    """:func:`board_snapshot` of the file at ``path`` (keeping the floor's checkpoint where
    the file can be written), or None where the quick path does not apply (the full path then
    opens the database and says what, if anything, is wrong)."""
    try:
        try:
            conn, keep = connect(path, write=True), True
        except NotPlain:  # perhaps a file (or folder) this user may only read
            conn, keep = connect(path), False
        try:
            return board_snapshot(conn, settings, now, keep=keep)
        finally:
            conn.close()
    except (NotPlain, sqlite3.Error):
        return None
