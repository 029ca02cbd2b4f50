"""Apply native events to the store: the one path every feed (and the simulator) takes in.

An event that cannot be applied raises :class:`EventError` before anything of it is written,
so a batch can skip it and carry on.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from floorlead.domain import events as ev
from floorlead.domain.safe_text import clean_event
from floorlead.store.bulk import SUPERSEDED, HotBatch, existing
from floorlead.store.schema import (
    AGENT,
    AGENT_QUEUE,
    AGENT_QUEUE_CHANGE,
    APPLIED,
    CONTACT,
    ESCALATION,
    QUEUE,
    audit,
    upsert,
)

log = logging.getLogger("floorlead.ingest")


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

    def agent_exists(self, agent: str) -> bool:
        if agent in self._agents:
            return True
        if self.conn.execute(select(AGENT.c.id).where(AGENT.c.id == agent)).first():
            self._agents.add(agent)
            return True
        return False

    def queue_exists(self, queue: str) -> bool:
        if queue in self._queues:
            return True
        if self.conn.execute(select(QUEUE.c.id).where(QUEUE.c.id == queue)).first():
            self._queues.add(queue)
            return True
        return False

    def _need_agent(self, agent: str) -> None:
        if not self.agent_exists(agent):
            raise ev.EventError(f"unknown agent {agent!r} (send agent.upsert first)")

    def _need_queue(self, queue: str) -> None:
        if not self.queue_exists(queue):
            raise ev.EventError(f"unknown queue {queue!r} (send queue.upsert first)")

    def _contact(self, contact: str) -> Any:
        row = self.conn.execute(select(CONTACT).where(CONTACT.c.id == contact)).first()
        if row is None:
            raise ev.EventError(f"unknown contact {contact!r}")
        return row

    # -- applying --------------------------------------------------------------------------

    def apply(self, event: ev.Event) -> bool:
        """Apply one event; False when its id was applied before or a newer copy is stored.
        Its text is cleaned of control characters first (no feed writes to a terminal)."""
        event = clean_event(event)
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
                    "name": e.name or e.queue,
                    "channel": e.channel or "voice",
                    "sl_percent": target.percent,
                    "sl_seconds": target.seconds,
                },
                ["id"],
                keep=(() if e.sl_target else ("sl_percent", "sl_seconds"))
                + (() if e.channel else ("channel",))
                + (() if e.name else ("name",)),
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
            this = (AGENT_QUEUE.c.agent_id == e.agent, AGENT_QUEUE.c.queue_id == e.queue)
            was = c.execute(select(AGENT_QUEUE.c.agent_id).where(*this)).first() is not None
            if was == e.member:
                return True  # no change, so nothing for the history either
            if e.member:
                c.execute(AGENT_QUEUE.insert(), [pair])
            else:
                c.execute(AGENT_QUEUE.delete().where(*this))
            c.execute(AGENT_QUEUE_CHANGE.insert(), [{**pair, "at": e.at, "member": e.member}])
        elif isinstance(e, ev.EscalationRaised):
            self._raise_escalation(e)
        elif isinstance(e, HOT):
            # The hot events' rules live in one place (HotBatch); a batch of one here.
            batch = HotBatch(self)
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
        agent = e.agent if e.agent and self.agent_exists(e.agent) else None
        queue = e.queue if e.queue and self.queue_exists(e.queue) else None
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
            return apply_bulk(conn, events, actor, default_sl)
    except Exception as exc:
        if not _one_record(exc):
            raise
        log.warning("bulk apply refused; applying the batch one event at a time", exc_info=True)
    return apply_each(conn, list(enumerate(events)), actor, default_sl)


def _one_record(exc: Exception) -> bool:
    """An error that one record can cause (and quarantining it cures), as opposed to the
    database being locked, full or gone, which stops the feed and loses nothing."""
    if isinstance(exc, OperationalError):
        return False
    return isinstance(exc, (SQLAlchemyError, *ev.UNREADABLE))


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
        except Exception as exc:
            if not _one_record(exc):
                raise
            result.errors.append((number, ev.unreadable(exc)))
    return result


def apply_bulk(
    conn: Connection,
    events: list[ev.Event],
    actor: str,
    default_sl: ev.SlTarget | None,
) -> ApplyResult:
    applier = EventApplier(conn, actor, default_sl)
    applier.preload()
    hot = HotBatch(applier)
    hot.load(e.contact for e in events if isinstance(e, CONTACT_EVENTS))
    seen = existing(conn, APPLIED.c.id, [e.id for e in events if e.id is not None])
    take = hot.take
    ids = hot.ids
    result = ApplyResult()
    errors = result.errors
    applied = duplicates = 0
    for index, e in enumerate(events):
        e = clean_event(e)
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
