"""Apply native events to the store: the one path every feed (and the simulator) takes in.

An event that cannot be applied raises :class:`EventError` before anything of it is written,
so a batch can skip it and carry on.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.engine import Connection

from floorlead.domain import events as ev
from floorlead.store import models as m


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


def upsert(conn: Connection, table: Table, values: dict[str, Any], keys: list[str]) -> None:
    """INSERT, or UPDATE the row with the same ``keys`` (SQLite and PostgreSQL alike)."""
    stmt: Any
    if conn.dialect.name == "sqlite":
        from sqlalchemy.dialects import sqlite

        stmt = sqlite.insert(table).values(**values)
    else:
        from sqlalchemy.dialects import postgresql

        stmt = postgresql.insert(table).values(**values)
    changes = {k: v for k, v in values.items() if k not in keys}
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


class EventApplier:
    """Applies events on one connection, remembering what it has seen within the batch."""

    def __init__(self, conn: Connection, actor: str = "feed") -> None:
        self.conn = conn
        self.actor = actor
        self._agents: set[str] = set()
        self._queues: set[str] = set()

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
        """Apply one event; False when its id was applied before (a duplicate)."""
        seen = select(APPLIED.c.id).where(APPLIED.c.id == event.id)
        if event.id is not None and self.conn.execute(seen).first():
            return False
        self._apply(event)
        if event.id is not None:
            self.conn.execute(APPLIED.insert().values(id=event.id, at=datetime.now(UTC)))
        return True

    def _apply(self, e: ev.Event) -> None:  # noqa: C901 - one branch per event type
        c = self.conn
        if isinstance(e, ev.QueueUpsert):
            upsert(
                c,
                QUEUE,
                {
                    "id": e.queue,
                    "name": e.name,
                    "channel": e.channel,
                    "sl_percent": e.sl_target.percent,
                    "sl_seconds": e.sl_target.seconds,
                },
                ["id"],
            )
            self._queues.add(e.queue)
        elif isinstance(e, ev.AgentUpsert):
            for q in e.queues:
                self._need_queue(q)
            upsert(c, AGENT, {"id": e.agent, "name": e.name, "team": e.team}, ["id"])
            c.execute(AGENT_QUEUE.delete().where(AGENT_QUEUE.c.agent_id == e.agent))
            if e.queues:
                c.execute(
                    AGENT_QUEUE.insert(),
                    [{"agent_id": e.agent, "queue_id": q} for q in dict.fromkeys(e.queues)],
                )
            self._agents.add(e.agent)
        elif isinstance(e, ev.ScheduleBlock):
            self._need_agent(e.agent)
            upsert(
                c,
                SCHEDULE,
                {"agent_id": e.agent, "start": e.start, "end": e.end, "activity": e.activity},
                ["agent_id", "start", "activity"],
            )
        elif isinstance(e, ev.AgentStateChanged):
            self._need_agent(e.agent)
            c.execute(
                AGENT_STATE.insert().values(
                    agent_id=e.agent, at=e.at, state=e.state, reason=e.reason
                )
            )
        elif isinstance(e, ev.ContactQueued):
            self._need_queue(e.queue)
            existing = c.execute(select(CONTACT.c.id).where(CONTACT.c.id == e.contact)).first()
            if existing is not None:
                raise ev.EventError(f"contact {e.contact!r} was already queued")
            c.execute(CONTACT.insert().values(id=e.contact, queue_id=e.queue, queued_at=e.at))
        elif isinstance(e, ev.ContactAnswered):
            row = self._contact(e.contact)
            self._need_agent(e.agent)
            if row.abandoned_at is not None:
                raise ev.EventError(f"contact {e.contact!r} was abandoned before this answer")
            if e.at < row.queued_at:
                raise ev.EventError(f"contact {e.contact!r} answered before it was queued")
            self._set_contact(e.contact, answered_at=e.at, agent_id=e.agent)
        elif isinstance(e, ev.ContactAbandoned):
            row = self._contact(e.contact)
            if row.answered_at is not None:
                raise ev.EventError(f"contact {e.contact!r} was answered, it cannot abandon")
            if e.at < row.queued_at:
                raise ev.EventError(f"contact {e.contact!r} abandoned before it was queued")
            self._set_contact(e.contact, abandoned_at=e.at)
        elif isinstance(e, ev.ContactEnded):
            row = self._contact(e.contact)
            if row.answered_at is None:
                raise ev.EventError(f"contact {e.contact!r} ended without being answered")
            self._set_contact(e.contact, ended_at=e.at)
        elif isinstance(e, ev.ContactWrapped):
            row = self._contact(e.contact)
            if row.answered_at is None:
                raise ev.EventError(f"contact {e.contact!r} wrapped without being answered")
            self._set_contact(e.contact, wrapped_at=e.at)
        elif isinstance(e, ev.EscalationRaised):
            self._raise_escalation(e)
        elif isinstance(e, ev.Punch):
            self._need_agent(e.agent)
            c.execute(PUNCH.insert().values(agent_id=e.agent, at=e.at, kind=e.kind))
        else:  # pragma: no cover - parse_event only makes the types above
            raise ev.EventError(f"cannot apply {type(e).__name__}")

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


def apply_batch(
    conn: Connection, items: Iterable[tuple[int, ev.Event]], actor: str = "feed"
) -> ApplyResult:
    """Apply numbered events on ``conn`` (inside the caller's transaction).

    Each event runs in a savepoint, so one that fails leaves nothing half-written and the
    rest of the batch still applies.
    """
    applier = EventApplier(conn, actor)
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


def _bulk_statements() -> dict[str, Any]:
    b = bindparam
    return {
        "contact": CONTACT.insert(),
        "answered": update(CONTACT)
        .where(CONTACT.c.id == b("c"))
        .values(answered_at=b("at"), agent_id=b("agent")),
        "abandoned": update(CONTACT).where(CONTACT.c.id == b("c")).values(abandoned_at=b("at")),
        "ended": update(CONTACT).where(CONTACT.c.id == b("c")).values(ended_at=b("at")),
        "wrapped": update(CONTACT).where(CONTACT.c.id == b("c")).values(wrapped_at=b("at")),
        "state": AGENT_STATE.insert(),
        "punch": PUNCH.insert(),
    }


def apply_trusted(conn: Connection, events: Sequence[ev.Event], actor: str = "simulator") -> int:
    """Apply events known to be consistent (the simulator's), many rows per statement.

    Contacts are inserted before any update of them and the rarer events (upserts,
    schedules, escalations) go through the checked path after them, so order within the
    batch is kept where it matters. About ten times faster than one statement an event.
    """
    rows: dict[str, list[dict[str, Any]]] = {key: [] for key in _bulk_statements()}
    rest: list[ev.Event] = []
    first: list[ev.Event] = []
    for e in events:
        if isinstance(e, ev.ContactQueued):
            rows["contact"].append(
                {"id": e.contact, "queue_id": e.queue, "queued_at": e.at, "hold_s": 0}
            )
        elif isinstance(e, ev.ContactAnswered):
            rows["answered"].append({"c": e.contact, "at": e.at, "agent": e.agent})
        elif isinstance(e, ev.ContactAbandoned):
            rows["abandoned"].append({"c": e.contact, "at": e.at})
        elif isinstance(e, ev.ContactEnded):
            rows["ended"].append({"c": e.contact, "at": e.at})
        elif isinstance(e, ev.ContactWrapped):
            rows["wrapped"].append({"c": e.contact, "at": e.at})
        elif isinstance(e, ev.AgentStateChanged):
            rows["state"].append(
                {"agent_id": e.agent, "at": e.at, "state": e.state, "reason": e.reason}
            )
        elif isinstance(e, ev.Punch):
            rows["punch"].append(
                {
                    "agent_id": e.agent,
                    "at": e.at,
                    "kind": e.kind,
                    "source": "feed",
                    "voided": False,
                    "reason": "",
                    "created_by": "",
                }
            )
        elif isinstance(e, (ev.QueueUpsert, ev.AgentUpsert, ev.ScheduleBlock)):
            first.append(e)
        else:
            rest.append(e)
    applier = EventApplier(conn, actor)
    for e in first:
        applier.apply(e)
    statements = _bulk_statements()
    for key, statement in statements.items():
        if rows[key]:
            conn.execute(statement, rows[key])
    for e in rest:
        applier.apply(e)
    return len(events)
