"""Read models for the screens: frozen dataclasses built in one read transaction.

Widgets get these, never ORM rows, so nothing lazy-loads on the UI thread.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.engine import Connection

from floorlead.config import Settings
from floorlead.domain import erlang, when
from floorlead.domain import metrics as mx
from floorlead.domain.escalations import CLOSED_STATUSES, effective_status
from floorlead.domain.timesheets import PunchTime, round_punch, schedule_exceptions, worked_day
from floorlead.store import models as m
from floorlead.store.ingest import (
    AGENT,
    AGENT_QUEUE,
    AGENT_STATE,
    AUDIT,
    CONTACT,
    ESCALATION,
    PUNCH,
    QUEUE,
    SCHEDULE,
    _table,
)

TIMESHEET = _table(m.Timesheet)
COACHING = _table(m.CoachingNote)
PRIORITY_ORDER = {"P1": 0, "P2": 1, "P3": 2, "P4": 3}


@dataclass(frozen=True)
class QueueRow:
    id: str
    name: str
    channel: str
    sl_percent: int
    sl_seconds: int
    waiting: int
    oldest_waiting_at: datetime | None
    interval: mx.QueueMetrics
    today: mx.QueueMetrics
    staffed: int
    available: int
    on_contact: int
    acw: int
    aux: int
    agents_needed: int | None = None
    trend: mx.Trend = field(default_factory=lambda: mx.Trend((), ()))
    waiting_contacts: tuple[tuple[str, datetime], ...] = ()

    @property
    def sl_target(self) -> str:
        return f"{self.sl_percent}/{self.sl_seconds}"


@dataclass(frozen=True)
class AgentRow:
    id: str
    name: str
    team: str
    queues: tuple[str, ...]
    state: str
    state_since: datetime | None
    reason: str
    contact_id: str | None
    contact_queue: str | None
    scheduled_now: str | None
    in_adherence: bool | None
    adherence: float | None
    occupancy: float | None
    handled: int
    on_shift: bool


@dataclass(frozen=True)
class EscalationRow:
    id: str
    priority: str
    raised_at: datetime
    customer: str
    queue_id: str | None
    agent_id: str | None
    agent_name: str
    kind: str
    amount_cents: int | None
    assignee: str
    status: str
    reason: str
    version: int = 1
    responded_at: datetime | None = None
    snoozed_until: datetime | None = None
    resolved_at: datetime | None = None
    resolution_code: str = ""
    handed_up_to: str = ""
    first_approver: str = ""
    contact_id: str | None = None
    paused_s: int = 0
    paused_since: datetime | None = None

    @property
    def closed(self) -> bool:
        return self.status in CLOSED_STATUSES


@dataclass(frozen=True)
class TimesheetRow:
    agent_id: str
    name: str
    shift_date: date
    scheduled_start: datetime | None
    scheduled_end: datetime | None
    first_in: datetime | None
    last_out: datetime | None
    worked_s: float
    break_s: float
    meal_s: float
    exceptions: tuple[str, ...]
    status: str
    version: int = 0  # 0: never decided (no timesheet row yet)
    decided_by: str = ""
    decided_at: datetime | None = None
    reason: str = ""
    regular_h: float = 0.0
    overtime_h: float = 0.0
    double_h: float = 0.0
    employee_id: str = ""
    in_progress: bool = False  # clocked in, shift not over: not ready to approve

    @property
    def clean(self) -> bool:
        return not self.exceptions


@dataclass(frozen=True)
class NoteRow:
    id: int
    agent_id: str
    agent_name: str
    at: datetime
    author: str
    category: str
    text: str
    commitment: str
    follow_up_on: date | None
    commitment_status: str = ""
    version: int = 1
    correction_step: str = ""
    step_on: date | None = None
    track: str = ""  # a measurable commitment's progress, in words
    on_track: bool | None = None
    score_pct: float | None = None


@dataclass(frozen=True)
class FloorSnapshot:
    taken_at: datetime
    timezone: str
    day: date
    day_start: datetime
    interval_start: datetime
    interval_end: datetime
    short_abandon_s: int
    queues: tuple[QueueRow, ...] = ()
    agents: tuple[AgentRow, ...] = ()
    escalations: tuple[EscalationRow, ...] = ()
    notes: tuple[NoteRow, ...] = ()
    agent_names: dict[str, str] = field(default_factory=dict)
    open_escalation_count: int = 0


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
        .order_by(SCHEDULE.c.start)
    )
    out: dict[str, list[mx.ScheduleBlock]] = defaultdict(list)
    for r in rows:
        out[r.agent_id].append(mx.ScheduleBlock(r.start, r.end, r.activity))
    return out


@dataclass(frozen=True)
class FloorRows:
    """The day's rows a snapshot is computed from (``store.live`` keeps them between ticks)."""

    contacts: list[mx.ContactTimes]
    changes: dict[str, list[mx.StateChange]]
    schedules: dict[str, list[mx.ScheduleBlock]]
    #: the escalation rows and the open count (``escalation_records``), when already known
    escalations: tuple[list[Any], int] | None = None


def schedule_window(day_start: datetime, day_end: datetime) -> tuple[datetime, datetime]:
    """The schedule blocks a floor day needs: the day and twelve hours either side."""
    return day_start - timedelta(hours=12), day_end + timedelta(hours=12)


@dataclass(frozen=True)
class FloorDay:
    """The windows a snapshot at ``now`` counts in."""

    timezone: str
    day: date
    day_start: datetime
    day_end: datetime
    interval_start: datetime
    interval_end: datetime
    short_abandon_s: int
    grace_s: float

    @classmethod
    def at(cls, settings: Settings, now: datetime) -> FloorDay:
        tz = settings.floor.timezone
        day = when.floor_date(now, tz, settings.floor.day_start)
        day_start, day_end = when.day_bounds(day, tz, settings.floor.day_start)
        i_start, i_end = when.interval_bounds(now, tz, settings.floor.interval_minutes)
        return cls(
            tz,
            day,
            day_start,
            day_end,
            i_start,
            i_end,
            settings.metrics.short_abandon_s,
            settings.thresholds.adherence_grace_min * 60,
        )


@dataclass(frozen=True)
class Definitions:
    """Active agents (by name), the queues each can take, and the queues (by name)."""

    agents: Sequence[Any]
    skills: dict[str, list[str]]
    queues: Sequence[Any]

    @property
    def names(self) -> dict[str, str]:
        return {a.id: a.name for a in self.agents}


def definitions(conn: Connection) -> Definitions:
    agents = conn.execute(select(AGENT).where(AGENT.c.active).order_by(AGENT.c.name)).all()
    skills: dict[str, list[str]] = defaultdict(list)
    for r in conn.execute(select(AGENT_QUEUE)):
        skills[r.agent_id].append(r.queue_id)
    queues = conn.execute(select(QUEUE).order_by(QUEUE.c.name)).all()
    return Definitions(agents, skills, queues)


def agent_row(
    a: Any,
    skills: dict[str, list[str]],
    history: list[mx.StateChange],
    blocks: list[mx.ScheduleBlock],
    figures: tuple[mx.Adherence, float | None],
    scheduled_now: str | None,
    current: mx.ContactTimes | None,
    handled: int,
) -> AgentRow:
    adh, occupancy = figures
    state = history[-1].state if history else "offline"
    if state not in mx.BUSY_STATES:
        current = None
    return AgentRow(
        id=a.id,
        name=a.name,
        team=a.team,
        queues=tuple(skills.get(a.id, [])),
        state=state,
        state_since=history[-1].at if history else None,
        reason=history[-1].reason if history else "",
        contact_id=None if current is None else current.contact_id,
        contact_queue=None if current is None else current.queue_id,
        scheduled_now=scheduled_now,
        in_adherence=adh.in_adherence_now,
        adherence=adh.percent,
        occupancy=occupancy,
        handled=handled,
        on_shift=state != "offline" or scheduled_now is not None,
    )


@dataclass(frozen=True)
class QueueFigures:
    """What a queue's row shows that comes from its contacts."""

    waiting: list[mx.ContactTimes]
    interval: mx.QueueMetrics
    today: mx.QueueMetrics
    recent_offered: int  # offered over the last interval's length, for Erlang C
    trend: mx.Trend


def queue_figures(
    contacts: list[mx.ContactTimes], q: Any, d: FloorDay, now: datetime
) -> QueueFigures:
    """A queue's figures from its contacts, straight from the definitions."""

    def window(start: datetime, end: datetime) -> mx.QueueMetrics:
        return mx.queue_metrics(
            contacts,
            start=start,
            end=end,
            now=now,
            sl_seconds=q.sl_seconds,
            short_abandon_s=d.short_abandon_s,
        )

    length = d.interval_end - d.interval_start
    return QueueFigures(
        waiting=mx.waiting_now(contacts, now),
        interval=window(d.interval_start, d.interval_end),
        today=window(d.day_start, d.day_end),
        recent_offered=window(now - length, now + timedelta(seconds=1)).offered,
        trend=mx.trend(
            contacts,
            now=now,
            origin=d.day_start,
            sl_seconds=q.sl_seconds,
            short_abandon_s=d.short_abandon_s,
        ),
    )


def queue_row(q: Any, f: QueueFigures, staff: tuple[int, ...], d: FloorDay) -> QueueRow:
    """``staff``: the queue's entry of :func:`staffing`."""
    staffed, available, on_contact, acw, aux = staff
    return QueueRow(
        id=q.id,
        name=q.name,
        channel=q.channel,
        sl_percent=q.sl_percent,
        sl_seconds=q.sl_seconds,
        waiting=len(f.waiting),
        oldest_waiting_at=f.waiting[0].queued_at if f.waiting else None,
        interval=f.interval,
        today=f.today,
        staffed=staffed,
        available=available,
        on_contact=on_contact,
        acw=acw,
        aux=aux,
        agents_needed=erlang.interval_need(
            f.recent_offered,
            (d.interval_end - d.interval_start).total_seconds(),
            f.today.aht_s,
            target_percent=q.sl_percent,
            target_s=q.sl_seconds,
        ),
        trend=f.trend,
        waiting_contacts=tuple((c.contact_id, c.queued_at) for c in f.waiting),
    )


NO_STAFF = (0, 0, 0, 0, 0)
_STAFF_COLUMN = {"available": 1, "on_contact": 2, "acw": 3} | dict.fromkeys(mx.AUX_STATES, 4)


def staffing(agents: Sequence[AgentRow]) -> dict[str, tuple[int, ...]]:
    """Per queue, of the agents logged in who can take it: how many in all, available, on a
    contact, in after-call work and in an auxiliary state (one pass over the agents)."""
    counts: dict[str, list[int]] = {}
    for ag in agents:
        if ag.state == "offline":
            continue
        column = _STAFF_COLUMN.get(ag.state)
        for queue_id in ag.queues:
            row = counts.get(queue_id)
            if row is None:
                row = counts[queue_id] = [0, 0, 0, 0, 0]
            row[0] += 1
            if column is not None:
                row[column] += 1
    return {queue_id: tuple(row) for queue_id, row in counts.items()}


def floor_snapshot(
    conn: Connection, settings: Settings, now: datetime, rows: FloorRows | None = None
) -> FloorSnapshot:
    """Everything the five screens show, as known at ``now`` (from ``rows`` when given).

    The plain reading of the definitions over the day's rows; ``store.live`` gives the same
    figures between refreshes without recomputing the day.
    """
    d = FloorDay.at(settings, now)
    defs = definitions(conn)
    if rows is None:
        rows = FloorRows(
            _contacts(conn, d.day_start, now),
            _state_changes(conn, d.day_start, now),
            _schedules(conn, *schedule_window(d.day_start, d.day_end)),
        )
    contacts, changes, schedules = rows.contacts, rows.changes, rows.schedules

    on_contact_of: dict[str, mx.ContactTimes] = {}
    handled: dict[str, int] = defaultdict(int)
    for c in contacts:
        if c.agent_id is None or c.answered_at is None or c.answered_at > now:
            continue
        if c.wrapped_at is None or c.wrapped_at > now:
            on_contact_of[c.agent_id] = c
        elif c.queued_at >= d.day_start:
            handled[c.agent_id] += 1

    agents: list[AgentRow] = []
    for a in defs.agents:
        history = changes.get(a.id, [])
        segs = mx.state_segments(history, d.day_start, now)
        blocks = schedules.get(a.id, [])
        sched = mx.scheduled_segments(blocks, d.day_start, d.day_end)
        figures = (mx.adherence(segs, sched, now, d.grace_s), mx.occupancy(segs))
        scheduled_now = mx.scheduled_activity_at(blocks, now)
        current = on_contact_of.get(a.id)
        agents.append(
            agent_row(
                a, defs.skills, history, blocks, figures, scheduled_now, current, handled[a.id]
            )
        )

    by_queue: dict[str, list[mx.ContactTimes]] = defaultdict(list)
    for c in contacts:
        by_queue[c.queue_id].append(c)
    staff = staffing(agents)
    queues = [
        queue_row(q, queue_figures(by_queue.get(q.id, []), q, d, now), staff.get(q.id, NO_STAFF), d)
        for q in defs.queues
    ]
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
    return FloorSnapshot(
        taken_at=now,
        timezone=d.timezone,
        day=d.day,
        day_start=d.day_start,
        interval_start=d.interval_start,
        interval_end=d.interval_end,
        short_abandon_s=d.short_abandon_s,
        queues=tuple(queues),
        agents=tuple(agents),
        escalations=tuple(escalations),
        open_escalation_count=open_count,
        notes=tuple(with_progress(conn, notes, agents)),
        agent_names=names,
    )


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


def day_timesheets(
    conn: Connection,
    settings: Settings,
    day: date,
    now: datetime,
    names: dict[str, str],
    schedules: dict[str, list[mx.ScheduleBlock]] | None = None,
) -> list[TimesheetRow]:
    """One row per agent whose shift starts on ``day`` (scheduled, or punched in that day)."""
    tz = settings.floor.timezone
    start, end = when.day_bounds(day, tz, settings.floor.day_start)
    if schedules is None:
        schedules = _schedules(conn, start - timedelta(hours=12), end + timedelta(hours=12))
    shifts: dict[str, tuple[datetime | None, datetime | None]] = {}
    for agent, blocks in schedules.items():
        work = [b for b in blocks if b.activity == "work" and start <= b.start < end]
        if work:
            shifts[agent] = (work[0].start, max(b.end for b in work))
    all_punches = conn.execute(
        select(PUNCH)
        .where(PUNCH.c.at >= start - timedelta(hours=2), PUNCH.c.at < end + timedelta(hours=18))
        .order_by(PUNCH.c.at)
    ).all()
    # corrections are rows of their own: a punch replaced by a correction (moved or voided)
    # no longer counts, and a voided row never does
    replaced = {p.replaces_id for p in all_punches if p.replaces_id is not None}
    punch_rows = [p for p in all_punches if not p.voided and p.id not in replaced]
    for p in punch_rows:
        if p.kind == "in" and start <= p.at < end and p.agent_id not in shifts:
            shifts[p.agent_id] = (None, None)
    decisions = {
        r.agent_id: r for r in conn.execute(select(TIMESHEET).where(TIMESHEET.c.shift_date == day))
    }
    by_agent: dict[str, list[Any]] = defaultdict(list)
    for p in punch_rows:
        by_agent[p.agent_id].append(p)
    out: list[TimesheetRow] = []
    for agent, (s_start, s_end) in shifts.items():
        lo = (s_start or start) - timedelta(hours=2)
        hi = (s_end or end) + timedelta(hours=4)
        rounding = settings.timesheets.rounding_minutes
        punches = [
            PunchTime(round_punch(p.at, rounding), p.kind)
            for p in by_agent.get(agent, ())
            if lo <= p.at <= hi and p.at <= now
        ]
        worked = worked_day(punches, now=now, shift_end=s_end)
        exceptions = worked.exceptions + schedule_exceptions(
            punches,
            scheduled_start=s_start,
            scheduled_end=s_end,
            now=now,
            grace_min=settings.timesheets.grace_minutes,
            meal_after_h=settings.timesheets.meal_required_after_h,
        )
        if s_start is None:
            exceptions = ("unscheduled shift", *exceptions)
        elif not punches and s_end is not None and now >= s_start:
            exceptions = ("no punches", *exceptions)
        out.append(
            TimesheetRow(
                agent_id=agent,
                name=names.get(agent, agent),
                shift_date=day,
                scheduled_start=s_start,
                scheduled_end=s_end,
                first_in=worked.first_in,
                last_out=worked.last_out,
                worked_s=worked.worked_s,
                break_s=worked.break_s,
                meal_s=worked.meal_s,
                exceptions=exceptions,
                status=decisions[agent].status if agent in decisions else "pending",
                version=decisions[agent].version if agent in decisions else 0,
                decided_by=decisions[agent].decided_by if agent in decisions else "",
                decided_at=decisions[agent].decided_at if agent in decisions else None,
                reason=decisions[agent].reason if agent in decisions else "",
                regular_h=worked.worked_s / 3600,
                in_progress=worked.first_in is not None
                and (
                    worked.last_out is None
                    or worked.last_out < max(p.at for p in punches if p.kind == "in")
                )
                and (s_end is None or now < s_end),
            )
        )
    out.sort(key=lambda t: (not t.exceptions, t.name))
    return out


def range_timesheets(
    conn: Connection,
    settings: Settings,
    first: date,
    last: date,
    now: datetime,
    names: dict[str, str],
) -> list[TimesheetRow]:
    """Timesheets of every day from ``first`` to ``last`` with regular, overtime and double-time
    hours under the configured rule set: US federal (over 40 hours in the fixed workweek, its
    first day a setting) or California (daily over 8 and 12, the seventh consecutive day, and
    weekly over 40). Each day is read once; the workweek before ``first`` only for its hours."""
    from dataclasses import replace

    from floorlead.domain.timesheets import split_week, workweek_start

    weekdays = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    start_weekday = weekdays.index(settings.timesheets.workweek_start.lower())
    employee = {r[0]: r[1] for r in conn.execute(select(AGENT.c.id, AGENT.c.employee_id))}
    week: dict[str, list[tuple[date, float]]] = defaultdict(list)
    out: list[TimesheetRow] = []
    day = workweek_start(first, start_weekday)
    while day <= last:
        if day == workweek_start(day, start_weekday):
            week.clear()
        for t in day_timesheets(conn, settings, day, now, names):
            week[t.agent_id].append((day, t.worked_s / 3600))
            if day < first:
                continue
            split = split_week(settings.timesheets.overtime_rules, week[t.agent_id])[-1]
            out.append(
                replace(
                    t,
                    regular_h=split.regular_h,
                    overtime_h=split.overtime_h,
                    double_h=split.double_h,
                    employee_id=employee.get(t.agent_id) or t.agent_id,
                )
            )
        day += timedelta(days=1)
    return out


def week_timesheets(
    conn: Connection, settings: Settings, day: date, now: datetime, names: dict[str, str]
) -> list[TimesheetRow]:
    """One day's timesheets, with its pay split counted over its workweek so far."""
    return range_timesheets(conn, settings, day, day, now, names)


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


@dataclass(frozen=True)
class PunchLine:
    id: int
    at: datetime
    kind: str
    source: str
    voided: bool
    replaces_id: int | None
    replaced: bool
    reason: str
    created_by: str


@dataclass(frozen=True)
class SheetDetail:
    agent_id: str
    day: date
    schedule: tuple[mx.ScheduleBlock, ...]
    punches: tuple[PunchLine, ...]


def timesheet_detail(conn: Connection, settings: Settings, agent_id: str, day: date) -> SheetDetail:
    """Every punch of the shift, originals and corrections alike, beside its schedule."""
    start, end = when.day_bounds(day, settings.floor.timezone, settings.floor.day_start)
    blocks = _schedules(conn, start - timedelta(hours=12), end + timedelta(hours=12)).get(
        agent_id, []
    )
    work = [b for b in blocks if b.activity == "work" and start <= b.start < end]
    lo = (work[0].start if work else start) - timedelta(hours=2)
    hi = (max(b.end for b in work) if work else end) + timedelta(hours=4)
    rows = conn.execute(
        select(PUNCH)
        .where(PUNCH.c.agent_id == agent_id, PUNCH.c.at >= lo, PUNCH.c.at <= hi)
        .order_by(PUNCH.c.at, PUNCH.c.id)
    ).all()
    replaced = {r.replaces_id for r in rows if r.replaces_id is not None}
    shown = [b for b in blocks if work and work[0].start <= b.start < max(x.end for x in work)]
    return SheetDetail(
        agent_id=agent_id,
        day=day,
        schedule=tuple(shown),
        punches=tuple(
            PunchLine(
                r.id,
                r.at,
                r.kind,
                r.source,
                r.voided,
                r.replaces_id,
                r.id in replaced,
                r.reason,
                r.created_by,
            )
            for r in rows
        ),
    )
