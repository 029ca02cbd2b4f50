"""The frequent events, checked in memory and written many rows a statement.

A batch's contact, state, schedule and punch events (and vendor contact records) are checked
against the rules with the batch's contacts held in memory, then written with one statement a
kind: on SQLite straight to the driver's ``executemany`` with instants already in the stored
text. ``store.ingest.apply_events`` calls :func:`apply_bulk` and falls back to one event a
savepoint if the database refuses; a test holds the two to the same result.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.engine import Connection

from floorlead.domain import events as ev
from floorlead.store.schema import AGENT_STATE, APPLIED, CHUNK, CONTACT, PUNCH, SCHEDULE
from floorlead.store.sqlite import sqlite_text

if TYPE_CHECKING:  # the applier hands itself in: no import at run time
    from floorlead.store.ingest import EventApplier


def existing(conn: Connection, column: Any, keys: Iterable[str]) -> set[str]:
    keys = list(dict.fromkeys(keys))
    found: set[str] = set()
    if conn.dialect.name == "sqlite":  # plain SQL: no statement to compile per chunk size
        table, name = column.table.name, column.name
        for i in range(0, len(keys), CHUNK):
            chunk = keys[i : i + CHUNK]
            marks = ",".join("?" * len(chunk))
            sql = f"SELECT {name} FROM {table} WHERE {name} IN ({marks})"
            found.update(row[0] for row in conn.exec_driver_sql(sql, tuple(chunk)))
        return found
    for i in range(0, len(keys), CHUNK):
        found.update(conn.execute(select(column).where(column.in_(keys[i : i + CHUNK]))).scalars())
    return found


RECORD_COLUMNS = (
    "id",
    "queue_id",
    "agent_id",
    "queued_at",
    "answered_at",
    "abandoned_at",
    "ended_at",
    "wrapped_at",
    "hold_s",
    "updated_at",
)
#: Per hot event type: (statement kind, table, columns, conflict key for upserts). Inserts
#: and upserts run before updates, so a contact exists before its updates.
_WRITES: dict[type[ev.Event], tuple[str, Table, tuple[str, ...], tuple[str, ...]]] = {
    # A contact queued and finished within one batch is one INSERT holding all its moments.
    ev.ContactQueued: (
        "insert",
        CONTACT,
        (
            "id",
            "queue_id",
            "queued_at",
            "hold_s",
            "agent_id",
            "answered_at",
            "abandoned_at",
            "ended_at",
            "wrapped_at",
        ),
        (),
    ),
    ev.AgentStateChanged: ("insert", AGENT_STATE, ("agent_id", "at", "state", "reason"), ()),
    ev.Punch: (
        "insert",
        PUNCH,
        ("agent_id", "at", "kind", "source", "voided", "reason", "created_by"),
        (),
    ),
    # A schedule block is replaced by (agent, start, activity); its end is what changes.
    ev.ScheduleBlock: (
        "upsert",
        SCHEDULE,
        ("agent_id", "start", "end", "activity"),
        ("agent_id", "start", "activity"),
    ),
    ev.ContactRecord: ("upsert", CONTACT, RECORD_COLUMNS, ("id",)),
    ev.ContactAnswered: ("update", CONTACT, ("answered_at", "agent_id"), ()),
    ev.ContactAbandoned: ("update", CONTACT, ("abandoned_at",), ()),
    ev.ContactEnded: ("update", CONTACT, ("ended_at",), ()),
    ev.ContactWrapped: ("update", CONTACT, ("wrapped_at",), ()),
}
#: What a check answers for a vendor record older than the stored copy: skipped, no error.
SUPERSEDED = object()


def _sql(kind: str, table: Table, columns: tuple[str, ...], key: tuple[str, ...]) -> str:
    """Plain SQL for SQLite's own executemany: prepared once, bound many times."""
    if kind in ("insert", "upsert"):
        marks = ", ".join("?" for _ in columns)
        names = ", ".join(f'"{c}"' for c in columns)
        sql = f"INSERT INTO {table.name} ({names}) VALUES ({marks})"
        if kind == "upsert":
            sets = ", ".join(f'"{c}" = excluded."{c}"' for c in columns if c not in key)
            sql += f" ON CONFLICT ({', '.join(key)}) DO UPDATE SET {sets}"
        return sql
    sets = ", ".join(f"{c} = ?" for c in columns)
    return f"UPDATE {table.name} SET {sets} WHERE id = ?"


def _core(kind: str, table: Table, columns: tuple[str, ...], key: tuple[str, ...]) -> Any:
    """The same statement through SQLAlchemy Core, for PostgreSQL."""
    if kind == "insert":
        return table.insert()
    if kind == "upsert":
        from sqlalchemy.dialects import postgresql

        stmt = postgresql.insert(table)
        return stmt.on_conflict_do_update(
            index_elements=list(key),
            set_={c: stmt.excluded[c] for c in columns if c not in key},
        )
    return (
        update(table)
        .where(table.c.id == bindparam("key_"))
        .values({c: bindparam(f"{c}_") for c in columns})
    )


class HotBatch:
    """The frequent events of a batch: checked against the rules in memory, then written
    many rows a statement (inserts before updates).

    ``contacts`` maps a contact id to [queued_at, answered_at, abandoned_at, updated_at] for
    the contacts the batch touches; those not yet looked up are fetched on first use.
    Rows are tuples in ``_WRITES`` column order (updates end with the contact id). On SQLite
    they go straight to the driver's ``executemany`` with instants already turned into the
    stored text; elsewhere through SQLAlchemy Core.
    """

    def __init__(self, applier: EventApplier) -> None:
        self.applier = applier
        self.sqlite = applier.conn.dialect.name == "sqlite"
        self.when: Any = sqlite_text if self.sqlite else (lambda d: d)
        self.contacts: dict[str, list[datetime | None]] = {}
        self.looked: set[str] = set()
        self.rows: dict[type[ev.Event], list[Any]] = {t: [] for t in _WRITES}
        self.ids: list[str] = []
        #: Contacts with rows waiting to be written: a vendor record for one writes them first.
        self.touched: set[str] = set()
        #: Insert rows not written yet, by contact: later moments of the contact go into them.
        self.fresh: dict[str, list[Any]] = {}
        self.take: dict[type[ev.Event], Any] = {
            ev.ContactRecord: self._record,
            ev.ScheduleBlock: self._schedule,
            ev.AgentStateChanged: self._state,
            ev.Punch: self._punch,
            ev.ContactQueued: self._queued,
            ev.ContactAnswered: self._answered,
            ev.ContactAbandoned: self._abandoned,
            ev.ContactEnded: self._ended,
            ev.ContactWrapped: self._wrapped,
        }

    def add(self, e: ev.Event) -> object:
        """Why ``e`` cannot be applied, None once its row waits to be written, or
        ``SUPERSEDED`` for a vendor record older than the stored copy."""
        return self.take[type(e)](e)

    # -- memory of the batch's contacts ----------------------------------------------------

    def load(self, ids: Iterable[str]) -> None:
        wanted = [i for i in dict.fromkeys(ids) if i not in self.looked]
        self.looked.update(wanted)
        c = CONTACT.c
        cols = (c.id, c.queued_at, c.answered_at, c.abandoned_at, c.updated_at)
        for i in range(0, len(wanted), CHUNK):
            rows = self.applier.conn.execute(select(*cols).where(c.id.in_(wanted[i : i + CHUNK])))
            for cid, queued, answered, abandoned, updated in rows:
                self.contacts[cid] = [queued, answered, abandoned, updated]

    def _known(self, contact: str) -> list[datetime | None] | None:
        if contact not in self.looked:
            self.load([contact])
        return self.contacts.get(contact)

    # -- one rule set an event type --------------------------------------------------------

    def _no_agent(self, agent: str) -> str | None:
        if self.applier.agent_exists(agent):
            return None
        return f"unknown agent {agent!r} (send agent.upsert first)"

    def _schedule(self, e: ev.ScheduleBlock) -> str | None:
        error = self._no_agent(e.agent)
        if error is None:
            when = self.when
            self.rows[ev.ScheduleBlock].append((e.agent, when(e.start), when(e.end), e.activity))
        return error

    def _state(self, e: ev.AgentStateChanged) -> str | None:
        error = self._no_agent(e.agent)
        if error is None:
            self.rows[ev.AgentStateChanged].append((e.agent, self.when(e.at), e.state, e.reason))
        return error

    def _punch(self, e: ev.Punch) -> str | None:
        error = self._no_agent(e.agent)
        if error is None:
            row = (e.agent, self.when(e.at), e.kind, "feed", False, "", "")
            self.rows[ev.Punch].append(row)
        return error

    def _queued(self, e: ev.ContactQueued) -> str | None:
        if not self.applier.queue_exists(e.queue):
            return f"unknown queue {e.queue!r} (send queue.upsert first)"
        if self._known(e.contact) is not None:
            return f"contact {e.contact!r} was already queued"
        self.contacts[e.contact] = [e.at, None, None, None]
        self.touched.add(e.contact)
        row = [e.contact, e.queue, self.when(e.at), 0, None, None, None, None, None]
        self.fresh[e.contact] = row
        self.rows[ev.ContactQueued].append(row)
        return None

    def _answered(self, e: ev.ContactAnswered) -> str | None:
        row = self._known(e.contact)
        if row is None:
            return f"unknown contact {e.contact!r}"
        error = self._no_agent(e.agent)
        if error:
            return error
        if row[2] is not None:
            return f"contact {e.contact!r} was abandoned before this answer"
        if row[0] is not None and e.at < row[0]:
            return f"contact {e.contact!r} answered before it was queued"
        row[1] = e.at
        self.touched.add(e.contact)
        fresh = self.fresh.get(e.contact)
        if fresh is not None:  # still to be inserted: the insert carries the answer
            fresh[4], fresh[5] = e.agent, self.when(e.at)
        else:
            self.rows[ev.ContactAnswered].append((self.when(e.at), e.agent, e.contact))
        return None

    def _abandoned(self, e: ev.ContactAbandoned) -> str | None:
        row = self._known(e.contact)
        if row is None:
            return f"unknown contact {e.contact!r}"
        if row[1] is not None:
            return f"contact {e.contact!r} was answered, it cannot abandon"
        if row[0] is not None and e.at < row[0]:
            return f"contact {e.contact!r} abandoned before it was queued"
        row[2] = e.at
        self.touched.add(e.contact)
        fresh = self.fresh.get(e.contact)
        if fresh is not None:
            fresh[6] = self.when(e.at)
        else:
            self.rows[ev.ContactAbandoned].append((self.when(e.at), e.contact))
        return None

    def _after_answer(self, e: ev.ContactEnded | ev.ContactWrapped, verb: str) -> str | None:
        row = self._known(e.contact)
        if row is None:
            return f"unknown contact {e.contact!r}"
        if row[1] is None:
            return f"contact {e.contact!r} {verb} without being answered"
        self.touched.add(e.contact)
        fresh = self.fresh.get(e.contact)
        if fresh is not None:
            fresh[7 if isinstance(e, ev.ContactEnded) else 8] = self.when(e.at)
        else:
            self.rows[type(e)].append((self.when(e.at), e.contact))
        return None

    def _record(self, e: ev.ContactRecord) -> object:
        """Keep one contact per id: the copy with the latest ``updated`` wins."""
        if not self.applier.queue_exists(e.queue):
            return f"unknown queue {e.queue!r} (send queue.upsert first)"
        if e.agent is not None and (error := self._no_agent(e.agent)):
            return error
        row = self._known(e.contact)
        if row is not None and row[3] is not None and row[3] >= e.updated:
            return SUPERSEDED
        if e.contact in self.touched:
            self.flush()  # its earlier rows first, as one event at a time would
        self.contacts[e.contact] = [e.queued_at, e.answered_at, e.abandoned_at, e.updated]
        self.touched.add(e.contact)
        w = self.when
        self.rows[ev.ContactRecord].append(
            (
                e.contact,
                e.queue,
                e.agent,
                w(e.queued_at),
                *(None if t is None else w(t) for t in (e.answered_at, e.abandoned_at)),
                *(None if t is None else w(t) for t in (e.ended_at, e.wrapped_at)),
                e.hold_s,
                w(e.updated),
            )
        )
        return None

    def _ended(self, e: ev.ContactEnded) -> str | None:
        return self._after_answer(e, "ended")

    def _wrapped(self, e: ev.ContactWrapped) -> str | None:
        return self._after_answer(e, "wrapped")

    # -- writing ---------------------------------------------------------------------------

    def flush(self) -> None:
        conn = self.applier.conn
        self.touched.clear()
        self.fresh.clear()
        for event_type, (kind, table, columns, key) in _WRITES.items():
            pending = self.rows[event_type]
            if not pending:
                continue
            self.rows[event_type] = []
            rows = [tuple(r) for r in pending] if event_type is ev.ContactQueued else pending
            if self.sqlite:
                conn.exec_driver_sql(_sql(kind, table, columns, key), rows)
            elif kind != "update":
                statement = _core(kind, table, columns, key)
                conn.execute(statement, [dict(zip(columns, r, strict=True)) for r in rows])
            else:
                names = [f"{c}_" for c in columns] + ["key_"]
                conn.execute(
                    _core(kind, table, columns, key),
                    [dict(zip(names, r, strict=True)) for r in rows],
                )
        if self.ids:
            now = datetime.now(UTC)
            if self.sqlite:
                stamp = sqlite_text(now)
                sql = "INSERT INTO applied_event (id, at) VALUES (?, ?)"
                conn.exec_driver_sql(sql, [(i, stamp) for i in self.ids])
            else:
                conn.execute(APPLIED.insert(), [{"id": i, "at": now} for i in self.ids])
            self.ids.clear()  # the same list: the batch loop holds on to it
