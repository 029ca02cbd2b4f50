"""Read models for the screens: frozen dataclasses built in one read transaction.

Widgets get these, never ORM rows, so nothing lazy-loads on the UI thread.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.engine import Connection

from floorlead.config import Settings
from floorlead.domain import metrics as mx
from floorlead.domain import when
from floorlead.domain.escalations import CLOSED_STATUSES, effective_status
from floorlead.store import models as m
from floorlead.store.ingest import (
    AGENT,
    AGENT_QUEUE,
    AGENT_STATE,
    AUDIT,
    CONTACT,
    ESCALATION,
    SCHEDULE,
    _table,
)
from floorlead.store.views import (
    AgentRow,
    EscalationRow,
    NoteRow,
)

COACHING = _table(m.CoachingNote)
PRIORITY_ORDER = {"P1": 0, "P2": 1, "P3": 2, "P4": 3}


def contact_times(r: Any) -> mx.ContactTimes:
    """A contact row as the metrics read it (every reader converts rows through here)."""
    return mx.ContactTimes(
        queue_id=r.queue_id,
        queued_at=r.queued_at,
        answered_at=r.answered_at,
        abandoned_at=r.abandoned_at,
        ended_at=r.ended_at,
        wrapped_at=r.wrapped_at,
        agent_id=r.agent_id,
        hold_s=r.hold_s,
        contact_id=r.id,
    )


def _contacts(conn: Connection, day_start: datetime, now: datetime) -> list[mx.ContactTimes]:
    carried = day_start - timedelta(days=1)
    rows = conn.execute(
        select(CONTACT).where(
            CONTACT.c.queued_at <= now,
            or_(
                CONTACT.c.queued_at >= day_start,
                and_(
                    CONTACT.c.queued_at >= carried,
                    CONTACT.c.answered_at.is_(None),
                    CONTACT.c.abandoned_at.is_(None),
                ),
                and_(CONTACT.c.queued_at >= carried, CONTACT.c.wrapped_at.is_(None)),
            ),
        )
    )
    return [contact_times(r) for r in rows]


def _state_changes(
    conn: Connection, day_start: datetime, now: datetime
) -> dict[str, list[mx.StateChange]]:
    """Each agent's changes since the day began, led by the state they carried in.

    The carried-in state is one index seek per agent (agent_id, at), never a scan of the
    history: a floor keeps years of state changes.
    """
    s = AGENT_STATE.alias("s")
    last_before = (
        select(s.c.id)
        .where(s.c.agent_id == AGENT.c.id, s.c.at < day_start)
        .order_by(s.c.at.desc(), s.c.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    carried = conn.execute(
        select(AGENT_STATE.c.agent_id, AGENT_STATE.c.at, AGENT_STATE.c.state, AGENT_STATE.c.reason)
        .select_from(AGENT)
        .join(AGENT_STATE, AGENT_STATE.c.id == last_before)
    )
    out: dict[str, list[mx.StateChange]] = defaultdict(list)
    for r in carried:
        out[r.agent_id].append(mx.StateChange(r.at, r.state, r.reason))
    rows = conn.execute(
        select(AGENT_STATE.c.agent_id, AGENT_STATE.c.at, AGENT_STATE.c.state, AGENT_STATE.c.reason)
        .where(AGENT_STATE.c.at >= day_start, AGENT_STATE.c.at <= now)
        .order_by(AGENT_STATE.c.at, AGENT_STATE.c.id)
    )
    for r in rows:
        out[r.agent_id].append(mx.StateChange(r.at, r.state, r.reason))
    return out


def _schedules(
    conn: Connection, start: datetime, end: datetime
) -> dict[str, list[mx.ScheduleBlock]]:
    rows = conn.execute(
        select(SCHEDULE)
        .where(SCHEDULE.c.end > start, SCHEDULE.c.start < end)
        .order_by(SCHEDULE.c.start, SCHEDULE.c.id)
    )
    out: dict[str, list[mx.ScheduleBlock]] = defaultdict(list)
    for r in rows:
        out[r.agent_id].append(mx.ScheduleBlock(r.start, r.end, r.activity))
    return out


def supervisors(conn: Connection) -> tuple[str, ...]:
    """People who have acted on this floor (for "assign to another supervisor"). A scan of the
    audit log: the app asks once a minute, not on every refresh."""
    return tuple(
        conn.execute(
            select(AUDIT.c.actor)
            .where(AUDIT.c.actor.notin_(("feed", "simulator")))
            .distinct()
            .order_by(AUDIT.c.actor)
        ).scalars()
    )


#: The screen lists at most this many open escalations (most urgent first); the count is exact.
ESCALATION_LIST_LIMIT = 1000


def _escalation_row(r: Any, names: dict[str, str], now: datetime) -> EscalationRow:
    return EscalationRow(
        id=r.id,
        priority=r.priority,
        raised_at=r.raised_at,
        customer=r.customer,
        queue_id=r.queue_id,
        agent_id=r.agent_id,
        agent_name=names.get(r.agent_id or "", ""),
        kind=r.kind,
        amount_cents=r.amount_cents,
        assignee=r.assignee,
        status=effective_status(r.status, r.snoozed_until, now),
        reason=r.reason,
        version=r.version,
        responded_at=r.responded_at,
        snoozed_until=r.snoozed_until,
        resolved_at=r.resolved_at,
        resolution_code=r.resolution_code,
        handed_up_to=r.handed_up_to,
        first_approver=r.first_approver,
        contact_id=r.contact_id,
        paused_s=r.paused_s,
        paused_since=r.paused_since,
    )


def escalation_records(conn: Connection, closed_since: datetime) -> tuple[list[Any], int]:
    """The escalation rows the screen lists (open ones most urgent first, capped, and those
    closed since ``closed_since``) and the exact number open."""
    rows = list(
        conn.execute(
            select(ESCALATION)
            .where(ESCALATION.c.status.notin_(CLOSED_STATUSES))
            .order_by(ESCALATION.c.priority, ESCALATION.c.raised_at)
            .limit(ESCALATION_LIST_LIMIT)
        )
    )
    rows += conn.execute(
        select(ESCALATION)
        .where(ESCALATION.c.status.in_(CLOSED_STATUSES), ESCALATION.c.resolved_at >= closed_since)
        .order_by(ESCALATION.c.resolved_at.desc())
        .limit(ESCALATION_LIST_LIMIT)
    ).all()
    open_count = conn.execute(
        select(func.count())
        .select_from(ESCALATION)
        .where(ESCALATION.c.status.notin_(CLOSED_STATUSES))
    ).scalar_one()
    return rows, open_count


def escalation_list(
    records: list[Any], names: dict[str, str], now: datetime
) -> list[EscalationRow]:
    """Rows as the screen shows them at ``now`` (snoozes wake and SLA clocks run with it)."""
    out = [_escalation_row(r, names, now) for r in records]
    out.sort(key=lambda e: (e.closed, PRIORITY_ORDER.get(e.priority, 9), e.raised_at))
    return out


def open_escalations(
    conn: Connection,
    names: dict[str, str],
    now: datetime,
    closed_since: datetime,
) -> list[EscalationRow]:
    """Open escalations, most urgent first (P1, then oldest), plus those closed since
    ``closed_since`` (for the "closed today" view)."""
    return escalation_list(escalation_records(conn, closed_since)[0], names, now)


def _note_row(r: Any, agent_name: str) -> NoteRow:
    """A coaching_note row as the screens see it (no live ORM rows on the UI thread)."""
    return NoteRow(
        id=r.id,
        agent_id=r.agent_id,
        agent_name=agent_name,
        at=r.at,
        author=r.author,
        category=r.category,
        text=r.text,
        commitment=r.commitment,
        follow_up_on=r.follow_up_on,
        commitment_status=r.commitment_status,
        version=r.version,
        correction_step=r.correction_step,
        step_on=r.step_on,
        score_pct=r.score_pct,
    )


def agent_notes(
    conn: Connection, agent_id: str, agent_name: str, limit: int | None = None
) -> list[NoteRow]:
    """One agent's notes, newest first."""
    query = select(COACHING).where(COACHING.c.agent_id == agent_id).order_by(COACHING.c.at.desc())
    if limit is not None:
        query = query.limit(limit)
    return [_note_row(r, agent_name) for r in conn.execute(query)]


def with_progress(conn: Connection, notes: list[NoteRow], agents: list[AgentRow]) -> list[NoteRow]:
    """Open commitments with a measurable target ("ACW ≤ 60 s") get their figure: the agent's
    own contacts since the commitment (adherence: today's)."""
    from dataclasses import replace

    from floorlead.domain.commitments import evaluate, parse_target

    adherence = {a.id: a.adherence for a in agents}
    out = []
    for n in notes:
        target = parse_target(n.commitment) if n.commitment_status == "open" else None
        if target is None:
            out.append(n)
            continue
        rows = conn.execute(
            select(CONTACT).where(CONTACT.c.agent_id == n.agent_id, CONTACT.c.answered_at >= n.at)
        )
        contacts = [contact_times(r) for r in rows]
        progress = evaluate(target, contacts, adherence.get(n.agent_id))
        out.append(replace(n, track=progress.describe(), on_track=progress.on_track))
    return out


def recent_notes(
    conn: Connection,
    names: dict[str, str],
    limit: int = 200,
    scores_since: datetime = datetime(1970, 1, 1, tzinfo=UTC),
) -> list[NoteRow]:
    """The newest notes, and every open commitment whatever its age (follow-ups must come
    back when they are due)."""
    rows = list(conn.execute(select(COACHING).order_by(COACHING.c.at.desc()).limit(limit)))
    seen = {r.id for r in rows}
    rows += [
        r
        for r in conn.execute(
            select(COACHING).where(
                or_(
                    COACHING.c.commitment_status == "open",
                    COACHING.c.correction_step != "",
                    and_(COACHING.c.score_pct.is_not(None), COACHING.c.at >= scores_since),
                )
            )
        )
        if r.id not in seen
    ]
    return [_note_row(r, names.get(r.agent_id, r.agent_id)) for r in rows]


@dataclass(frozen=True)
class ContactLine:
    id: str
    queue_id: str
    queued_at: datetime
    answered_at: datetime | None
    ended_at: datetime | None
    wrapped_at: datetime | None


@dataclass(frozen=True)
class AgentDay:
    agent_id: str
    name: str
    team: str
    queues: tuple[str, ...]
    day_start: datetime
    now: datetime
    states: tuple[mx.Segment, ...]
    schedule: tuple[mx.Segment, ...]
    contacts: tuple[ContactLine, ...]
    escalations: tuple[EscalationRow, ...]
    notes: tuple[NoteRow, ...]


def agent_day(conn: Connection, settings: Settings, agent_id: str, now: datetime) -> AgentDay:
    """One agent's day so far: states against the schedule, contacts, escalations, notes."""
    tz = settings.floor.timezone
    day = when.floor_date(now, tz, settings.floor.day_start)
    day_start, day_end = when.day_bounds(day, tz, settings.floor.day_start)
    row = conn.execute(select(AGENT).where(AGENT.c.id == agent_id)).first()
    if row is None:
        raise LookupError(agent_id)
    skills = tuple(
        conn.execute(
            select(AGENT_QUEUE.c.queue_id).where(AGENT_QUEUE.c.agent_id == agent_id)
        ).scalars()
    )
    changes = _state_changes(conn, day_start, now).get(agent_id, [])
    blocks = _schedules(conn, day_start, day_end).get(agent_id, [])
    contacts = conn.execute(
        select(CONTACT)
        .where(
            CONTACT.c.agent_id == agent_id,
            CONTACT.c.queued_at >= day_start,
            CONTACT.c.answered_at <= now,
        )
        .order_by(CONTACT.c.answered_at.desc())
    )
    names = {agent_id: row.name}
    escalations = [
        _escalation_row(r, names, now)
        for r in conn.execute(
            select(ESCALATION)
            .where(ESCALATION.c.agent_id == agent_id)
            .order_by(ESCALATION.c.raised_at.desc())
            .limit(20)
        )
    ]
    notes = agent_notes(conn, agent_id, names[agent_id], limit=20)
    return AgentDay(
        agent_id=agent_id,
        name=row.name,
        team=row.team,
        queues=skills,
        day_start=day_start,
        now=now,
        states=tuple(mx.state_segments(changes, day_start, now)),
        schedule=tuple(mx.scheduled_segments(blocks, day_start, day_end)),
        contacts=tuple(
            ContactLine(c.id, c.queue_id, c.queued_at, c.answered_at, c.ended_at, c.wrapped_at)
            for c in contacts
        ),
        escalations=tuple(escalations),
        notes=tuple(notes),
    )
