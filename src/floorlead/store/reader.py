"""The one reader of floor rows, for SQLite and PostgreSQL alike.

Everything that shows the floor — the running engine behind the TUI and ``snapshot``, the
handover, the weekly report, timesheets, the agent's day — reads its rows here, through the
database driver's own connection (``sqlite3`` or psycopg): the same SQL, the same rows in the
same order, converted once into the domain's values (``datetime.fromisoformat`` of UTC text,
ten times cheaper than a driver's converters). Where the two databases' SQL differs,
:class:`Dialect` says how. No SQLAlchemy, no SQLModel: a process that only reads the floor
(``floorlead snapshot``) never imports them.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import quote

from floorlead.domain import metrics as mx
from floorlead.domain.board import (
    AgentDay,
    AgentRow,
    ContactLine,
    EscalationRow,
    NoteRow,
)
from floorlead.domain.commitments import evaluate, parse_target
from floorlead.domain.escalations import CLOSED_STATUSES, effective_status
from floorlead.domain.figures import Definitions
from floorlead.domain.membership import skills_at
from floorlead.store.sqlite import BUSY_TIMEOUT_MS, HEAD_REVISION, sqlite_text


class NotReady(Exception):
    """The file cannot be read as it is (no such file, an older schema, a driver error): the
    caller opens it through ``store.db``, which migrates or says what is wrong."""


def open_file(path: Path) -> sqlite3.Connection:
    """A floor's SQLite file opened read-only (nothing this connection does can write),
    inside one read transaction: a consistent floor."""
    if not path.is_file():
        raise NotReady(f"{path} is not a file")
    try:
        conn = sqlite3.connect(
            f"file:{quote(str(path))}?mode=ro",
            uri=True,
            timeout=BUSY_TIMEOUT_MS / 1000,
            isolation_level=None,
            check_same_thread=False,
        )
    except sqlite3.Error as exc:
        raise NotReady(str(exc)) from None
    try:
        conn.execute("BEGIN")
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        if row is None or row[0] != HEAD_REVISION:
            raise NotReady("the schema is not at the newest revision")
    except (sqlite3.Error, NotReady) as exc:
        conn.close()
        raise NotReady(str(exc)) from None
    return conn


def utc(column: str) -> str:
    """A stored instant selected as ISO text with its offset: ``datetime.fromisoformat``
    then gives an aware instant at once."""
    return f"{column} || '+00:00'"


def _pg_utc(column: str) -> str:
    """:func:`utc` on PostgreSQL: the same text from a ``timestamptz``."""
    return f"to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00:00'"


@dataclass(frozen=True)
class Dialect:
    """What the readers' SQL differs in between SQLite and PostgreSQL. Rows come back the
    same."""

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

    def placeholders(self, n: int) -> str:
        return ", ".join([self.param] * n)


SQLITE = Dialect("sqlite", "?", "rowid", utc, sqlite_text, "INDEXED BY ix_schedule_end ")
POSTGRES = Dialect("postgresql", "%s", "seq", _pg_utc, lambda t: t, "")


def dialect(name: str) -> Dialect:
    """The readers' dialect of a database by its SQLAlchemy dialect name."""
    return POSTGRES if name == "postgresql" else SQLITE


def driver_of(conn: Any) -> tuple[Any, Dialect]:
    """The driver's connection under a SQLAlchemy connection, in the same transaction, and
    its dialect (a store function holding a SQLAlchemy connection reads through here)."""
    return conn.connection.driver_connection, dialect(conn.dialect.name)


def _instant(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _day(value: Any) -> date | None:
    """A DATE column: text on SQLite, a ``date`` from psycopg."""
    return date.fromisoformat(value) if isinstance(value, str) else value


# -- definitions ---------------------------------------------------------------------------


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


_DEFINITIONS_SQL = (
    "SELECT id, name, team FROM agent WHERE active ORDER BY name",
    "SELECT agent_id, queue_id FROM agent_queue",
    "SELECT id, name, channel, sl_percent, sl_seconds FROM queue ORDER BY name",
)


def definitions(conn: Any, d: Dialect, at: datetime | None = None) -> Definitions:
    """Active agents (by name), the queues each can take (at ``at``, see :func:`as_at`), the
    queues (by name)."""
    agents, memberships, queues = (conn.execute(sql).fetchall() for sql in _DEFINITIONS_SQL)
    skills: dict[str, list[str]] = defaultdict(list)
    for agent_id, queue_id in memberships:
        skills[agent_id].append(queue_id)
    defs = Definitions([AgentDef(*r) for r in agents], skills, [QueueDef(*r) for r in queues])
    return defs if at is None else as_at(conn, d, defs, at)


def as_at(conn: Any, d: Dialect, defs: Definitions, at: datetime) -> Definitions:
    """``defs`` with the queue memberships changed after ``at`` undone (``domain.membership``);
    ``defs`` itself when none changed since (the live floor's case)."""
    later = conn.execute(
        "SELECT agent_id, queue_id, member FROM agent_queue_change "
        f"WHERE at > {d.param} ORDER BY at DESC, id DESC",
        (d.when(at),),
    ).fetchall()
    if not later:
        return defs
    skills = defaultdict(list, skills_at(defs.skills, [tuple(r) for r in later]))
    return Definitions(defs.agents, skills, defs.queues)


def agent_names(conn: Any) -> dict[str, str]:
    """Every agent's name by id, those no longer active included (their past shifts)."""
    return dict(conn.execute("SELECT id, name FROM agent").fetchall())


# -- contacts, states, schedules -----------------------------------------------------------


def contact_times(raw: tuple[Any, ...]) -> mx.ContactTimes:
    """A row of ``Dialect.contact_sql`` as the metrics read it."""
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


#: The contacts a floor day counts: queued since the day before began and queued today, or
#: not yet answered or abandoned, or not yet wrapped up (still waiting, talking or in
#: after-call work when the day began). The instants' bound is the caller's.
DAY_CONTACTS = (
    "queued_at >= {p} AND (queued_at >= {p} OR "
    "(answered_at IS NULL AND abandoned_at IS NULL) OR wrapped_at IS NULL)"
)


def day_contacts_where(d: Dialect, day_start: datetime) -> tuple[str, tuple[Any, ...]]:
    """:data:`DAY_CONTACTS` with its parameters for the day beginning at ``day_start``."""
    return DAY_CONTACTS.format(p=d.param), (
        d.when(day_start - timedelta(days=1)),
        d.when(day_start),
    )


def contacts(conn: Any, d: Dialect, day_start: datetime, now: datetime) -> list[mx.ContactTimes]:
    """The day's contacts (:data:`DAY_CONTACTS`) queued up to ``now``."""
    where, params = day_contacts_where(d, day_start)
    rows = conn.execute(
        f"{d.contact_sql} WHERE queued_at <= {d.param} AND {where}", (d.when(now), *params)
    )
    return [contact_times(r) for r in rows]


def window_contacts(conn: Any, d: Dialect, start: datetime, end: datetime) -> list[mx.ContactTimes]:
    """Contacts queued in ``[start, end)`` (a report's window)."""
    rows = conn.execute(
        f"{d.contact_sql} WHERE queued_at >= {d.param} AND queued_at < {d.param}",
        (d.when(start), d.when(end)),
    )
    return [contact_times(r) for r in rows]


def _sqlite_micros(later: str, earlier: str) -> str:
    """``later − earlier`` in whole microseconds, exactly, from SQLite's stored text (always
    ``%Y-%m-%d %H:%M:%S.%f``)."""
    # the whole seconds from the text without its fraction: SQLite keeps instants to the
    # millisecond and would round 04.999999 up to 05
    return (
        f"((strftime('%s', substr({later}, 1, 19)) - strftime('%s', substr({earlier}, 1, 19)))"
        f" * 1000000 + CAST(substr({later}, 21) AS INTEGER)"
        f" - CAST(substr({earlier}, 21) AS INTEGER))"
    )


def _pg_micros(later: str, earlier: str) -> str:
    return f"ROUND(EXTRACT(EPOCH FROM ({later} - {earlier})) * 1000000)"


def interval_totals(
    conn: Any, d: Dialect, start: datetime, end: datetime, seconds: int, short_abandon_s: int
) -> list[tuple[str, int, int, int, float, int, float]]:
    """Contacts queued in ``[start, end)`` added up by queue and by ``seconds``-long slot of
    UTC time (the slot's start ÷ ``seconds``): (queue, slot, offered, handled, handle
    seconds, abandoned, seconds waited by the answered and the abandoned) — by the board's
    definitions (a short abandon is not offered, nor counted). A database's sums, for the
    weeks of history a forecast reads."""
    micros = _pg_micros if d.name == "postgresql" else _sqlite_micros
    slot = (
        f"CAST(FLOOR(EXTRACT(EPOCH FROM queued_at) / {seconds}) AS BIGINT)"
        if d.name == "postgresql"
        else f"CAST(strftime('%s', substr(queued_at, 1, 19)) AS INTEGER) / {seconds}"
    )
    # each row's figures once (SQLite does not share a repeated expression), summed outside
    inner = (
        f"SELECT queue_id, {slot} AS slot, "
        "CASE WHEN answered_at IS NULL AND abandoned_at IS NOT NULL "
        f"THEN {micros('abandoned_at', 'queued_at')} END AS gave_up_us, "
        f"CASE WHEN answered_at IS NOT NULL THEN {micros('answered_at', 'queued_at')} "
        "END AS answer_us, "
        "CASE WHEN answered_at IS NOT NULL AND wrapped_at IS NOT NULL "
        f"THEN {micros('wrapped_at', 'answered_at')} END AS handle_us "
        f"FROM contact WHERE queued_at >= {d.param} AND queued_at < {d.param}"
    )
    short_us = int(short_abandon_s) * 1_000_000
    sql = (
        "SELECT queue_id, slot, "
        f"SUM(CASE WHEN gave_up_us < {short_us} THEN 0 ELSE 1 END), "
        "COUNT(handle_us), COALESCE(SUM(handle_us), 0), "
        f"SUM(CASE WHEN gave_up_us >= {short_us} THEN 1 ELSE 0 END), "
        f"COALESCE(SUM(answer_us), 0) + COALESCE(SUM(CASE WHEN gave_up_us >= {short_us} "
        "THEN gave_up_us END), 0) "
        f"FROM ({inner}) AS c GROUP BY queue_id, slot"
    )
    rows = conn.execute(sql, (d.when(start), d.when(end)))
    return [
        (q, int(b), int(o), int(h), float(hs) / 1e6, int(a), float(w) / 1e6)
        for q, b, o, h, hs, a, w in rows
    ]


def carried_states(conn: Any, d: Dialect, day_start: datetime) -> dict[str, mx.StateChange]:
    """Each agent's last state change before the day began (one index seek per agent: a floor
    keeps years of state changes)."""
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
    conn: Any, d: Dialect, day_start: datetime, now: datetime
) -> dict[str, list[mx.StateChange]]:
    """Each agent's changes since the day began up to ``now``, led by the state they carried
    in."""
    out: dict[str, list[mx.StateChange]] = defaultdict(list)
    for agent, first in carried_states(conn, d, day_start).items():
        out[agent].append(first)
    rows = conn.execute(
        f"{d.state_sql} WHERE at >= {d.param} AND at <= {d.param} ORDER BY at, id",
        (d.when(day_start), d.when(now)),
    )
    parse, change = datetime.fromisoformat, mx.StateChange
    for _i, agent_id, at, state, reason in rows:
        out[agent_id].append(change(parse(at), state, reason))
    return out


def schedule_window(day_start: datetime, day_end: datetime) -> tuple[datetime, datetime]:
    """The schedule blocks a floor day needs: the day and twelve hours either side (a shift
    belongs to the day it starts on)."""
    return day_start - timedelta(hours=12), day_end + timedelta(hours=12)


def schedules(
    conn: Any, d: Dialect, start: datetime, end: datetime
) -> dict[str, list[mx.ScheduleBlock]]:
    """The blocks that overlap ``[start, end)``, by start. Found by their end (SQLite, without
    statistics, would take the start index and read all history)."""
    out: dict[str, list[mx.ScheduleBlock]] = defaultdict(list)
    finish = d.utc('"end"')
    rows = conn.execute(
        f"SELECT agent_id, {d.utc('start')}, {finish}, activity FROM schedule "
        f'{d.schedule_hint}WHERE "end" > {d.param} AND start < {d.param} ORDER BY start, id',
        (d.when(start), d.when(end)),
    )
    parse = datetime.fromisoformat
    for agent_id, begin, finish, activity in rows:
        out[agent_id].append(mx.ScheduleBlock(parse(begin), parse(finish), activity))
    return out


# -- escalations ---------------------------------------------------------------------------

#: The screen lists at most this many open escalations (most urgent first); the count is exact.
ESCALATION_LIST_LIMIT = 1000
PRIORITY_ORDER = {"P1": 0, "P2": 1, "P3": 2, "P4": 3}


class EscalationRecord(NamedTuple):
    """An escalation row as stored; :func:`escalation_list` shows it at an instant."""

    id: str
    priority: str
    customer: str
    queue_id: str | None
    agent_id: str | None
    kind: str
    amount_cents: int | None
    assignee: str
    status: str
    reason: str
    version: int
    resolution_code: str
    handed_up_to: str
    first_approver: str
    contact_id: str | None
    paused_s: int
    raised_at: datetime
    responded_at: datetime | None
    snoozed_until: datetime | None
    resolved_at: datetime | None
    paused_since: datetime | None


#: the record's text and number columns, then its instants (selected as UTC text)
_ESCALATION_TEXT = EscalationRecord._fields[:16]
_ESCALATION_TIMES = EscalationRecord._fields[16:]


def _escalation_sql(d: Dialect) -> str:
    columns = (*_ESCALATION_TEXT, *map(d.utc, _ESCALATION_TIMES))
    return f"SELECT {', '.join(columns)} FROM escalation"


def _escalations(conn: Any, d: Dialect, rest: str, params: tuple[Any, ...]) -> list[Any]:
    n = len(_ESCALATION_TEXT)
    out = []
    for r in conn.execute(f"{_escalation_sql(d)} {rest}", params):
        out.append(EscalationRecord._make((*r[:n], *(_instant(t) for t in r[n:]))))
    return out


def escalation_records(
    conn: Any, d: Dialect, closed_since: datetime
) -> tuple[list[EscalationRecord], int]:
    """The escalations the screen lists (open ones most urgent first, capped, and those
    closed since ``closed_since``) and the exact number open."""
    closed = d.placeholders(len(CLOSED_STATUSES))
    limit = ESCALATION_LIST_LIMIT
    rows = _escalations(
        conn,
        d,
        f"WHERE status NOT IN ({closed}) ORDER BY priority, raised_at LIMIT {limit}",
        CLOSED_STATUSES,
    )
    rows += _escalations(
        conn,
        d,
        f"WHERE status IN ({closed}) AND resolved_at >= {d.param} "
        f"ORDER BY resolved_at DESC LIMIT {limit}",
        (*CLOSED_STATUSES, d.when(closed_since)),
    )
    (open_count,) = conn.execute(
        f"SELECT count(*) FROM escalation WHERE status NOT IN ({closed})", CLOSED_STATUSES
    ).fetchone()
    return rows, int(open_count)


def escalation_row(r: EscalationRecord, names: dict[str, str], now: datetime) -> EscalationRow:
    """An escalation as the screens show it at ``now`` (a snooze wakes with the clock)."""
    return EscalationRow(
        **{**r._asdict(), "status": effective_status(r.status, r.snoozed_until, now)},
        agent_name=names.get(r.agent_id or "", ""),
    )


def escalation_list(
    records: list[EscalationRecord], names: dict[str, str], now: datetime
) -> list[EscalationRow]:
    """Rows as the screen orders them at ``now``: open before closed, P1 first, oldest first."""
    out = [escalation_row(r, names, now) for r in records]
    out.sort(key=lambda e: (e.closed, PRIORITY_ORDER.get(e.priority, 9), e.raised_at))
    return out


def open_escalations(
    conn: Any, d: Dialect, names: dict[str, str], now: datetime, closed_since: datetime
) -> list[EscalationRow]:
    """Open escalations, most urgent first, plus those closed since ``closed_since``."""
    return escalation_list(escalation_records(conn, d, closed_since)[0], names, now)


def supervisors(conn: Any) -> tuple[str, ...]:
    """People who have acted on this floor (for "assign to another supervisor"). A scan of the
    audit log: the app asks once a minute, not on every refresh."""
    rows = conn.execute(
        "SELECT DISTINCT actor FROM audit_log WHERE actor NOT IN ('feed', 'simulator') "
        "ORDER BY actor"
    )
    return tuple(r[0] for r in rows)


# -- coaching notes ------------------------------------------------------------------------

_NOTE_COLUMNS = (
    "id",
    "agent_id",
    "author",
    "category",
    "text",
    "commitment",
    "follow_up_on",
    "commitment_status",
    "version",
    "correction_step",
    "step_on",
    "score_pct",
)


def _notes(
    conn: Any, d: Dialect, names: dict[str, str], rest: str, params: tuple[Any, ...]
) -> list[NoteRow]:
    """Coaching notes as the screens see them (no live rows on the UI thread)."""
    sql = f"SELECT {', '.join(_NOTE_COLUMNS)}, {d.utc('at')} FROM coaching_note {rest}"
    out = []
    for r in conn.execute(sql, params):
        (nid, agent, author, category, text, commitment, follow, status, version, step) = r[:10]
        out.append(
            NoteRow(
                id=nid,
                agent_id=agent,
                agent_name=names.get(agent, agent),
                at=datetime.fromisoformat(r[12]),
                author=author,
                category=category,
                text=text,
                commitment=commitment,
                follow_up_on=_day(follow),
                commitment_status=status,
                version=version,
                correction_step=step,
                step_on=_day(r[10]),
                score_pct=r[11],
            )
        )
    return out


def agent_notes(
    conn: Any, d: Dialect, agent_id: str, agent_name: str, limit: int | None = None
) -> list[NoteRow]:
    """One agent's notes, newest first."""
    rest = f"WHERE agent_id = {d.param} ORDER BY at DESC"
    if limit is not None:
        rest += f" LIMIT {int(limit)}"
    return _notes(conn, d, {agent_id: agent_name}, rest, (agent_id,))


def recent_notes(
    conn: Any,
    d: Dialect,
    names: dict[str, str],
    limit: int = 200,
    scores_since: datetime = datetime(1970, 1, 1, tzinfo=UTC),
) -> list[NoteRow]:
    """The newest notes, and every open commitment whatever its age (follow-ups must come
    back when they are due), every correction step, and the scores since ``scores_since``."""
    rows = _notes(conn, d, names, f"ORDER BY at DESC LIMIT {int(limit)}", ())
    seen = {r.id for r in rows}
    rows += [
        r
        for r in _notes(
            conn,
            d,
            names,
            "WHERE commitment_status = 'open' OR correction_step != '' OR "
            f"(score_pct IS NOT NULL AND at >= {d.param})",
            (d.when(scores_since),),
        )
        if r.id not in seen
    ]
    return rows


def with_progress(
    conn: Any, d: Dialect, notes: list[NoteRow], agents: list[AgentRow] | tuple[AgentRow, ...]
) -> list[NoteRow]:
    """Open commitments with a measurable target ("ACW ≤ 60 s") get their figure: the agent's
    own contacts since the commitment (adherence: today's)."""
    adherence = {a.id: a.adherence for a in agents}
    out = []
    for n in notes:
        target = parse_target(n.commitment) if n.commitment_status == "open" else None
        if target is None:
            out.append(n)
            continue
        rows = conn.execute(
            f"{d.contact_sql} WHERE agent_id = {d.param} AND answered_at >= {d.param}",
            (n.agent_id, d.when(n.at)),
        )
        progress = evaluate(target, [contact_times(r) for r in rows], adherence.get(n.agent_id))
        out.append(replace(n, track=progress.describe(), on_track=progress.on_track))
    return out


# -- one agent's day -----------------------------------------------------------------------


def agent_day(
    conn: Any, d: Dialect, agent_id: str, day_start: datetime, day_end: datetime, now: datetime
) -> AgentDay:
    """One agent's day so far: states against the schedule, contacts, escalations, notes."""
    row = conn.execute(
        f"SELECT id, name, team FROM agent WHERE id = {d.param}", (agent_id,)
    ).fetchone()
    if row is None:
        raise LookupError(agent_id)
    _id, name, team = row
    skills = tuple(
        r[0]
        for r in conn.execute(
            f"SELECT queue_id FROM agent_queue WHERE agent_id = {d.param}", (agent_id,)
        )
    )
    changes = state_changes(conn, d, day_start, now).get(agent_id, [])
    blocks = schedules(conn, d, day_start, day_end).get(agent_id, [])
    contacts_of = [
        contact_times(r)
        for r in conn.execute(
            f"{d.contact_sql} WHERE agent_id = {d.param} AND queued_at >= {d.param} "
            f"AND answered_at <= {d.param} ORDER BY answered_at DESC",
            (agent_id, d.when(day_start), d.when(now)),
        )
    ]
    names = {agent_id: name}
    escalations = _escalations(
        conn, d, f"WHERE agent_id = {d.param} ORDER BY raised_at DESC LIMIT 20", (agent_id,)
    )
    return AgentDay(
        agent_id=agent_id,
        name=name,
        team=team,
        queues=skills,
        day_start=day_start,
        now=now,
        states=tuple(mx.state_segments(changes, day_start, now)),
        schedule=tuple(mx.scheduled_segments(blocks, day_start, day_end)),
        contacts=tuple(
            ContactLine(
                c.contact_id, c.queue_id, c.queued_at, c.answered_at, c.ended_at, c.wrapped_at
            )
            for c in contacts_of
        ),
        escalations=tuple(escalation_row(r, names, now) for r in escalations),
        notes=tuple(agent_notes(conn, d, agent_id, name, limit=20)),
    )
