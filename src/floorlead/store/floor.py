"""The floor snapshot: every figure the five screens show at one instant.

``floor_snapshot`` reads the day's rows and computes the board with ``store.figures`` (the
plain reading of the definitions; what a PostgreSQL floor and the tests' reference use);
``store.live`` builds the same snapshot from running tallies with the pieces of
``store.figures`` and ``finish_snapshot``, so both paths share everything but the arithmetic.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.engine import Connection

from floorlead.config import Settings
from floorlead.domain.membership import skills_at
from floorlead.store.figures import Definitions, FloorDay, floor_figures
from floorlead.store.ingest import AGENT, AGENT_QUEUE, AGENT_QUEUE_CHANGE, QUEUE
from floorlead.store.read import (
    _contacts,
    _schedules,
    _state_changes,
    escalation_list,
    escalation_records,
    recent_notes,
    with_progress,
)
from floorlead.store.views import (
    AgentRow,
    EscalationRow,
    FloorRows,
    FloorSnapshot,
    NoteRow,
    QueueRow,
    schedule_window,
)


def definitions(conn: Connection, at: datetime | None = None) -> Definitions:
    """Agents, the queues each could take at ``at`` (memberships changed since are undone),
    and the queues."""
    agents = conn.execute(select(AGENT).where(AGENT.c.active).order_by(AGENT.c.name)).all()
    skills: dict[str, list[str]] = defaultdict(list)
    for r in conn.execute(select(AGENT_QUEUE)):
        skills[r.agent_id].append(r.queue_id)
    if at is not None:
        c = AGENT_QUEUE_CHANGE.c
        later = conn.execute(
            select(c.agent_id, c.queue_id, c.member)
            .where(c.at > at)
            .order_by(c.at.desc(), c.id.desc())
        ).all()
        if later:
            skills = defaultdict(list, skills_at(skills, [tuple(r) for r in later]))
    queues = conn.execute(select(QUEUE).order_by(QUEUE.c.name)).all()
    return Definitions(agents, skills, queues)


def floor_snapshot(
    conn: Connection, settings: Settings, now: datetime, rows: FloorRows | None = None
) -> FloorSnapshot:
    """Everything the five screens show, as known at ``now`` (from ``rows`` when given).

    The plain reading of the definitions over the day's rows; ``store.live`` gives the same
    figures between refreshes without recomputing the day.
    """
    d = FloorDay.at(settings, now)
    defs = definitions(conn, now)
    if rows is None:
        rows = FloorRows(
            _contacts(conn, d.day_start, now),
            _state_changes(conn, d.day_start, now),
            _schedules(conn, *schedule_window(d.day_start, d.day_end)),
        )
    queues, agents = floor_figures(d, defs, rows, now)
    records, open_count = rows.escalations or escalation_records(conn, d.day_start)
    names = defs.names
    return finish_snapshot(
        conn, d, now, queues, agents, escalation_list(records, names, now), open_count, names
    )


def finish_snapshot(
    conn: Connection,
    d: FloorDay,
    now: datetime,
    queues: list[QueueRow],
    agents: list[AgentRow],
    escalations: list[EscalationRow],
    open_count: int,
    names: dict[str, str],
    notes: list[NoteRow] | None = None,
) -> FloorSnapshot:
    """The snapshot around its queues, agents and escalations; ``notes`` are the rows of
    ``recent_notes`` when already read (progress on commitments is worked out here)."""
    if notes is None:
        notes = recent_notes(conn, names, scores_since=d.day_start - timedelta(days=31))
    return d.snapshot(
        now,
        queues,
        agents,
        escalations=tuple(escalations),
        open_escalation_count=open_count,
        notes=tuple(with_progress(conn, notes, agents)),
        agent_names=names,
    )
