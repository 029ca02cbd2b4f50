"""Apply native events to the store: the one path every feed (and the simulator) takes in.

An event that cannot be applied raises :class:`EventError` before anything of it is written,
so a batch can skip it and carry on.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from floorlead.domain import events as ev
from floorlead.store import models as m
from floorlead.store.types import sqlite_text

log = logging.getLogger("floorlead.ingest")


def _table(model: type[Any]) -> Table:
    return model.__table__  # type: ignore[no-any-return]


QUEUE = _table(m.Queue)
AGENT = _table(m.Agent)
AGENT_QUEUE = _table(m.AgentQueue)
AGENT_STATE = _table(m.AgentState)
CONTACT = _table(m.Contact)
SCHEDULE = _table(m.Schedule)
PUNCH = _table(m.Punch)
ESCALATION = _table(m.Escalation)
AUDIT = _table(m.AuditLog)
APPLIED = _table(m.AppliedEvent)


def upsert(
    conn: Connection,
    table: Table,
    values: dict[str, Any],
    keys: list[str],
    keep: tuple[str, ...] = (),
) -> None:
    """INSERT, or UPDATE the row with the same ``keys`` (SQLite and PostgreSQL alike).

    Columns named in ``keep`` are written on insert only: an existing row keeps its value.
    """
    stmt: Any
    if conn.dialect.name == "sqlite":
        from sqlalchemy.dialects import sqlite

        stmt = sqlite.insert(table).values(**values)
    else:
        from sqlalchemy.dialects import postgresql

        stmt = postgresql.insert(table).values(**values)
    changes = {k: v for k, v in values.items() if k not in keys and k not in keep}
    if changes:
        conn.execute(stmt.on_conflict_do_update(index_elements=keys, set_=changes))
    else:
        conn.execute(stmt.on_conflict_do_nothing(index_elements=keys))


def audit(
    conn: Connection,
    at: datetime,
    actor: str,
    action: str,
    entity: str,
    entity_id: str,
    **detail: Any,
) -> None:
    """Append one audit row. Never put note text in ``detail``."""
    conn.execute(
        AUDIT.insert().values(
            at=at,
            actor=actor,
            action=action,
            entity=entity,
            entity_id=entity_id,
            detail=json.dumps(detail, default=str, sort_keys=True),
        )
    )


@dataclass
class ApplyResult:
    applied: int = 0
    duplicates: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


#: Events that arrive by the thousand: checked in memory and written many rows a statement.
HOT = (
    ev.ContactRecord,
    ev.ScheduleBlock,
    ev.AgentStateChanged,
    ev.ContactQueued,
    ev.ContactAnswered,
    ev.ContactAbandoned,
    ev.ContactEnded,
    ev.ContactWrapped,
    ev.Punch,
)
CONTACT_EVENTS = (
    ev.ContactQueued,
    ev.ContactAnswered,
    ev.ContactAbandoned,
    ev.ContactEnded,
    ev.ContactWrapped,
    ev.ContactRecord,
)
#: SQLite allows 999 bound parameters in old builds; stay under it.
CHUNK = 900


def _existing(conn: Connection, column: Any, keys: Iterable[str]) -> set[str]:
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


class EventApplier:
    """Applies events on one connection, remembering what it has seen within the batch."""

    def __init__(
        self, conn: Connection, actor: str = "feed", default_sl: ev.SlTarget | None = None
    ) -> None:
        self.conn = conn
        self.actor = actor
        self.default_sl = default_sl or ev.SlTarget(80, 20)
        self._agents: set[str] = set()
        self._queues: set[str] = set()

    def preload(self) -> None:
        """Know every agent and queue at once (a floor has hundreds, not millions)."""
        self._agents.update(self.conn.execute(select(AGENT.c.id)).scalars())
        self._queues.update(self.conn.execute(select(QUEUE.c.id)).scalars())

    # -- lookups ---------------------------------------------------------------------------

    def _agent_exists(self, agent: str) -> bool:
        if agent in self._agents:
            return True
        if self.conn.execute(select(AGENT.c.id).where(AGENT.c.id == agent)).first():
            self._agents.add(agent)
            return True
        return False

    def _queue_exists(self, queue: str) -> bool:
        if queue in self._queues:
            return True
        if self.conn.execute(select(QUEUE.c.id).where(QUEUE.c.id == queue)).first():
            self._queues.add(queue)
            return True
        return False

    def _need_agent(self, agent: str) -> None:
        if not self._agent_exists(agent):
            raise ev.EventError(f"unknown agent {agent!r} (send agent.upsert first)")

    def _need_queue(self, queue: str) -> None:
        if not self._queue_exists(queue):
            raise ev.EventError(f"unknown queue {queue!r} (send queue.upsert first)")

    def _contact(self, contact: str) -> Any:
        row = self.conn.execute(select(CONTACT).where(CONTACT.c.id == contact)).first()
        if row is None:
            raise ev.EventError(f"unknown contact {contact!r}")
        return row

    def _set_contact(self, contact: str, **values: Any) -> None:
        self.conn.execute(update(CONTACT).where(CONTACT.c.id == contact).values(**values))

    # -- applying --------------------------------------------------------------------------

    def apply(self, event: ev.Event) -> bool:
        """Apply one event; False when its id was applied before or a newer copy is stored."""
        seen = select(APPLIED.c.id).where(APPLIED.c.id == event.id)
        if event.id is not None and self.conn.execute(seen).first():
            return False
        if not self._apply(event):
            return False
        if event.id is not None:
            self.conn.execute(APPLIED.insert().values(id=event.id, at=datetime.now(UTC)))
        return True

    def _apply(self, e: ev.Event) -> bool:
        c = self.conn
        if isinstance(e, ev.QueueUpsert):
            target = e.sl_target or self.default_sl
            upsert(
                c,
                QUEUE,
                {
                    "id": e.queue,
                    "name": e.name,
                    "channel": e.channel or "voice",
                    "sl_percent": target.percent,
                    "sl_seconds": target.seconds,
                },
                ["id"],
                keep=(() if e.sl_target else ("sl_percent", "sl_seconds"))
                + (() if e.channel else ("channel",)),
            )
            self._queues.add(e.queue)
        elif isinstance(e, ev.AgentUpsert):
            for q in e.queues or ():
                self._need_queue(q)
            values = {"id": e.agent, "name": e.name, "team": e.team or ""}
            upsert(c, AGENT, values, ["id"], keep=() if e.team is not None else ("team",))
            if e.queues is not None:
                c.execute(AGENT_QUEUE.delete().where(AGENT_QUEUE.c.agent_id == e.agent))
                if e.queues:
                    c.execute(
                        AGENT_QUEUE.insert(),
                        [{"agent_id": e.agent, "queue_id": q} for q in dict.fromkeys(e.queues)],
                    )
            self._agents.add(e.agent)
        elif isinstance(e, ev.AgentQueueMembership):
            self._need_agent(e.agent)
            self._need_queue(e.queue)
            pair = {"agent_id": e.agent, "queue_id": e.queue}
            if e.member:
                upsert(c, AGENT_QUEUE, pair, ["agent_id", "queue_id"])
            else:
                c.execute(
                    AGENT_QUEUE.delete().where(
                        AGENT_QUEUE.c.agent_id == e.agent, AGENT_QUEUE.c.queue_id == e.queue
                    )
                )
        elif isinstance(e, ev.EscalationRaised):
            self._raise_escalation(e)
        elif isinstance(e, HOT):
            # The hot events' rules live in one place (_HotBatch); a batch of one here.
            batch = _HotBatch(self)
            outcome = batch.add(e)
            if outcome is SUPERSEDED:
                return False
            if isinstance(outcome, str):
                raise ev.EventError(outcome)
            batch.flush()
        else:  # pragma: no cover - parse_event only makes the types above
            raise ev.EventError(f"cannot apply {type(e).__name__}")
        return True

    def _raise_escalation(self, e: ev.EscalationRaised) -> None:
        c = self.conn
        if c.execute(select(ESCALATION.c.id).where(ESCALATION.c.id == e.escalation)).first():
            raise ev.EventError(f"escalation {e.escalation!r} was already raised")
        contact = e.contact
        if contact and not c.execute(select(CONTACT.c.id).where(CONTACT.c.id == contact)).first():
            contact = None
        agent = e.agent if e.agent and self._agent_exists(e.agent) else None
        queue = e.queue if e.queue and self._queue_exists(e.queue) else None
        cents = int(e.amount * 100) if e.amount is not None else None
        c.execute(
            ESCALATION.insert().values(
                id=e.escalation,
                contact_id=contact,
                agent_id=agent,
                queue_id=queue,
                priority=e.priority,
                kind=e.kind,
                reason=e.reason,
                customer=e.customer,
                amount_cents=cents,
                raised_at=e.at,
                status="open",
            )
        )
        audit(
            c,
            e.at,
            self.actor,
            "escalation.raised",
            "escalation",
            e.escalation,
            priority=e.priority,
            kind=e.kind,
            amount_cents=cents,
        )


#: The hot events' rows: (table, columns) for inserts, (table, set columns) for updates
#: keyed by contact id. Inserts come first so a contact exists before its updates.
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


class _HotBatch:
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
        if self.applier._agent_exists(agent):
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
        if not self.applier._queue_exists(e.queue):
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
        if not self.applier._queue_exists(e.queue):
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


def apply_batch(
    conn: Connection,
    items: Iterable[tuple[int, ev.Event]],
    actor: str = "feed",
    default_sl: ev.SlTarget | None = None,
) -> ApplyResult:
    """Apply numbered events on ``conn`` (inside the caller's transaction); errors carry the
    events' numbers. See :func:`apply_events`."""
    numbered = list(items)
    result = apply_events(conn, [e for _n, e in numbered], actor, default_sl)
    result.errors = [(numbered[i][0], reason) for i, reason in result.errors]
    return result


def apply_events(
    conn: Connection,
    events: list[ev.Event],
    actor: str = "feed",
    default_sl: ev.SlTarget | None = None,
) -> ApplyResult:
    """Apply events in order on ``conn``; errors carry each refused event's index.

    An event that breaks a rule is reported and leaves nothing written; the rest still apply,
    in order. The frequent events are checked in memory against the batch's contacts and
    written many rows a statement; the rare ones (definitions, escalations) go one at a time.
    Should the database still refuse the bulk write, the batch is applied again one event a
    savepoint.
    """
    try:
        with conn.begin_nested():
            return _apply_bulk(conn, events, actor, default_sl)
    except SQLAlchemyError:
        log.warning("bulk apply refused; applying the batch one event at a time", exc_info=True)
    return apply_each(conn, list(enumerate(events)), actor, default_sl)


def apply_each(
    conn: Connection,
    items: Iterable[tuple[int, ev.Event]],
    actor: str = "feed",
    default_sl: ev.SlTarget | None = None,
) -> ApplyResult:
    """The slow, obviously right way: one event a savepoint. The bulk path must agree."""
    applier = EventApplier(conn, actor, default_sl)
    result = ApplyResult()
    for number, event in items:
        try:
            with conn.begin_nested():
                if applier.apply(event):
                    result.applied += 1
                else:
                    result.duplicates += 1
        except ev.EventError as exc:
            result.errors.append((number, str(exc)))
    return result


def _apply_bulk(
    conn: Connection,
    events: list[ev.Event],
    actor: str,
    default_sl: ev.SlTarget | None,
) -> ApplyResult:
    applier = EventApplier(conn, actor, default_sl)
    applier.preload()
    hot = _HotBatch(applier)
    hot.load(e.contact for e in events if isinstance(e, CONTACT_EVENTS))
    seen = _existing(conn, APPLIED.c.id, [e.id for e in events if e.id is not None])
    take = hot.take
    ids = hot.ids
    result = ApplyResult()
    errors = result.errors
    applied = duplicates = 0
    for index, e in enumerate(events):
        ident = e.id
        if ident is not None and ident in seen:
            duplicates += 1
            continue
        handler = take.get(type(e))
        if handler is not None:
            outcome = handler(e)
            if outcome is SUPERSEDED:
                duplicates += 1
                continue
            if outcome is not None:
                errors.append((index, outcome))
                continue
        else:
            hot.flush()
            try:
                # No savepoint needed: _apply raises EventError before writing anything.
                done = applier._apply(e)
            except ev.EventError as exc:
                errors.append((index, str(exc)))
                continue
            if not done:
                duplicates += 1
                continue
        if ident is not None:
            seen.add(ident)
            ids.append(ident)
        applied += 1
    hot.flush()
    result.applied, result.duplicates = applied, duplicates
    return result
