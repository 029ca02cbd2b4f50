"""What the end-of-shift handover says, read from the store (the weekly report, built from
the same day figures, is ``store.week``).

One window (a shift, or a whole floor day) becomes a :class:`ShiftReport` of plain frozen
dataclasses; ``reports/`` renders it. Definitions are the board's (``domain.metrics``), so a
report and the board never disagree. Coaching appears as counts only, never note text.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from floorlead.config import Settings
from floorlead.domain import escalations as rules
from floorlead.domain import metrics as mx
from floorlead.domain import when
from floorlead.errors import ConflictError
from floorlead.store import reader
from floorlead.store.db import FloorDatabase
from floorlead.store.schema import (
    AGENT,
    AUDIT,
    ESCALATION,
    HANDOVER,
    QUEUE,
    audit,
)
from floorlead.store.schema import COACHING as NOTE
from floorlead.store.sheets import day_timesheets


@dataclass(frozen=True)
class IntervalFigures:
    start: datetime
    metrics: mx.QueueMetrics


@dataclass(frozen=True)
class QueueReport:
    id: str
    name: str
    channel: str
    sl_percent: int
    sl_seconds: int
    metrics: mx.QueueMetrics
    intervals: tuple[IntervalFigures, ...]

    @property
    def worst(self) -> IntervalFigures | None:
        """The interval with the lowest service level (the earliest of equals)."""
        scored = [i for i in self.intervals if i.metrics.service_level is not None]
        return min(scored, key=lambda i: (i.metrics.service_level, i.start), default=None)

    @property
    def met(self) -> bool | None:
        sl = self.metrics.service_level
        return None if sl is None else sl * 100 >= self.sl_percent


@dataclass(frozen=True)
class AgentReport:
    id: str
    name: str
    team: str
    adherence: float | None
    occupancy: float | None
    handled: int
    aht_s: float | None
    flags: tuple[str, ...]


@dataclass(frozen=True)
class OpenEscalation:
    id: str
    priority: str
    kind: str
    status: str
    owner: str
    raised_at: datetime
    breached: bool
    due_at: datetime


@dataclass(frozen=True)
class Approval:
    id: str
    amount_cents: int
    approved_by: str
    first_approver: str
    at: datetime


@dataclass(frozen=True)
class EscalationSummary:
    raised: int
    resolved: int
    still_open: tuple[OpenEscalation, ...]
    approvals: tuple[Approval, ...]
    handed_up: tuple[tuple[str, str], ...]  # (escalation, to whom)


@dataclass(frozen=True)
class TimesheetSummary:
    approved: int
    pending: int
    rejected: int
    overtime_h: float
    exceptions_outstanding: tuple[tuple[str, str], ...]  # (agent name, exceptions)


@dataclass(frozen=True)
class ShiftReport:
    floor: str
    timezone: str
    day: date
    start: datetime
    end: datetime
    generated_at: datetime
    interval_minutes: int
    short_abandon_s: int
    queues: tuple[QueueReport, ...]
    agents: tuple[AgentReport, ...]
    escalations: EscalationSummary
    timesheets: TimesheetSummary
    notes_written: int
    commitments_due_tomorrow: int
    next_shift: str = ""
    next_shift_by: str = ""
    partial: bool = False  # the window had not ended when the report was made
    totals: mx.QueueMetrics = field(default_factory=mx.QueueMetrics)
    #: the next shift's (eight hours after the window) understaffed intervals, per queue
    understaffed_next: tuple[str, ...] = ()


def total(items: list[mx.QueueMetrics]) -> mx.QueueMetrics:
    """Floor totals: counts and seconds add up; the rates follow from them."""
    keys = [f for f in mx.QueueMetrics.__dataclass_fields__]
    return mx.QueueMetrics(**{k: sum(getattr(m, k) for m in items) for k in keys})


def _queues(
    conn: Connection, settings: Settings, contacts: list[mx.ContactTimes], start: datetime,
    end: datetime, now: datetime,
) -> list[QueueReport]:  # fmt: skip
    step = timedelta(minutes=settings.floor.interval_minutes)
    short = settings.metrics.short_abandon_s
    by_queue: dict[str, list[mx.ContactTimes]] = defaultdict(list)
    for c in contacts:
        by_queue[c.queue_id].append(c)
    out = []
    for q in conn.execute(select(QUEUE).order_by(QUEUE.c.name)):
        qc = by_queue.get(q.id, [])
        figures = dict(sl_seconds=q.sl_seconds, short_abandon_s=short, now=now)
        intervals = []
        at = start
        while at < end and at <= now:
            intervals.append(
                IntervalFigures(at, mx.queue_metrics(qc, start=at, end=at + step, **figures))
            )
            at += step
        out.append(
            QueueReport(
                id=q.id,
                name=q.name,
                channel=q.channel,
                sl_percent=q.sl_percent,
                sl_seconds=q.sl_seconds,
                metrics=mx.queue_metrics(qc, start=start, end=end, **figures),
                intervals=tuple(intervals),
            )
        )
    return out


def _flags(segments: list[mx.Segment], settings: Settings) -> tuple[str, ...]:
    t = settings.thresholds
    limits = {
        "acw": (t.long_acw_s, f"ACW over {t.long_acw_s} s"),
        "break": (t.long_break_min * 60, f"break over {t.long_break_min} min"),
        "lunch": (t.long_lunch_min * 60, f"lunch over {t.long_lunch_min} min"),
    }
    counts: dict[str, int] = defaultdict(int)
    for seg in segments:
        limit = limits.get(seg.label)
        if limit and (seg.end - seg.start).total_seconds() > limit[0]:
            counts[limit[1]] += 1
    return tuple(f"{label} ×{n}" if n > 1 else label for label, n in sorted(counts.items()))


def _agents(
    conn: Connection, settings: Settings, contacts: list[mx.ContactTimes], start: datetime,
    end: datetime, now: datetime,
) -> list[AgentReport]:  # fmt: skip
    until = min(end, now)
    driver, d = reader.driver_of(conn)
    changes = reader.state_changes(driver, d, start, until)
    schedules = reader.schedules(driver, d, start, end)
    handled: dict[str, list[float]] = defaultdict(list)
    for c in contacts:
        if c.agent_id and c.answered_at and c.wrapped_at and c.wrapped_at <= now:
            handled[c.agent_id].append((c.wrapped_at - c.answered_at).total_seconds())
    grace = settings.thresholds.adherence_grace_min * 60
    out = []
    for a in conn.execute(select(AGENT).order_by(AGENT.c.name)):
        history = [c for c in changes.get(a.id, []) if c.state != "offline" or c.at > start]
        blocks = schedules.get(a.id, [])
        if not blocks and not handled.get(a.id) and all(c.state == "offline" for c in history):
            continue  # not on this shift
        segs = mx.state_segments(changes.get(a.id, []), start, until)
        sched = mx.scheduled_segments(blocks, start, end)
        times = handled.get(a.id, [])
        out.append(
            AgentReport(
                id=a.id,
                name=a.name,
                team=a.team,
                adherence=mx.adherence(segs, sched, until, grace).percent,
                occupancy=mx.occupancy(segs),
                handled=len(times),
                aht_s=sum(times) / len(times) if times else None,
                flags=_flags(segs, settings),
            )
        )
    return out


def _escalations(
    conn: Connection, settings: Settings, start: datetime, end: datetime, now: datetime
) -> EscalationSummary:
    e = ESCALATION.c
    raised = conn.execute(
        select(func.count()).where(e.raised_at >= start, e.raised_at < end)
    ).scalar_one()
    closing = ("escalation.resolve", "escalation.approve", "escalation.decline")
    resolved = conn.execute(
        select(func.count(func.distinct(AUDIT.c.entity_id))).where(
            AUDIT.c.action.in_(closing), AUDIT.c.at >= start, AUDIT.c.at < end
        )
    ).scalar_one()
    still_open = []
    esc = settings.escalations
    for r in conn.execute(
        select(ESCALATION)
        .where(e.status.in_(rules.OPEN_STATUSES), e.raised_at < end)
        .order_by(e.priority, e.raised_at)
    ):
        clock = rules.sla_clock(
            raised_at=r.raised_at,
            responded_at=r.responded_at,
            now=now,
            respond_min=esc.respond_minutes[r.priority],
            resolve_min=esc.resolve_minutes[r.priority],
            paused_s=r.paused_s,
            paused_since=r.paused_since,
        )
        still_open.append(
            OpenEscalation(
                id=r.id,
                priority=r.priority,
                kind=r.kind,
                status=rules.effective_status(r.status, r.snoozed_until, now),
                owner=r.assignee or r.handed_up_to,
                raised_at=r.raised_at,
                breached=clock.breached,
                due_at=clock.resolve_due if clock.responded else clock.respond_due,
            )
        )
    approvals = [
        Approval(r.id, r.amount_cents or 0, r.decided_by, r.first_approver, r.resolved_at)
        for r in conn.execute(
            select(ESCALATION)
            .where(e.status == "approved", e.resolved_at >= start, e.resolved_at < end)
            .order_by(e.resolved_at)
        )
    ]
    handed = conn.execute(
        select(AUDIT.c.entity_id, ESCALATION.c.handed_up_to)
        .join(ESCALATION, ESCALATION.c.id == AUDIT.c.entity_id)
        .where(AUDIT.c.action == "escalation.hand_up", AUDIT.c.at >= start, AUDIT.c.at < end)
        .order_by(AUDIT.c.at)
    )
    return EscalationSummary(
        raised=raised,
        resolved=resolved,
        still_open=tuple(still_open),
        approvals=tuple(approvals),
        handed_up=tuple((r[0], r[1]) for r in handed),
    )


def _timesheets(conn: Connection, settings: Settings, day: date, now: datetime) -> TimesheetSummary:
    names = {r.id: r.name for r in conn.execute(select(AGENT.c.id, AGENT.c.name))}
    sheets = day_timesheets(conn, settings, day, now, names)
    by_status: dict[str, int] = defaultdict(int)
    for s in sheets:
        by_status[s.status] += 1
    outstanding = tuple(
        (s.name, "; ".join(s.exceptions))
        for s in sheets
        if s.exceptions and s.status not in ("approved", "rejected")
    )
    return TimesheetSummary(
        approved=by_status["approved"],
        pending=sum(n for status, n in by_status.items() if status not in ("approved", "rejected")),
        rejected=by_status["rejected"],
        overtime_h=round(sum(s.overtime_h + s.double_h for s in sheets), 2),
        exceptions_outstanding=outstanding,
    )


def shift_bounds(
    day: date, tz: str, shift: str | None, day_start: str = "00:00"
) -> tuple[datetime, datetime]:
    """``--shift 07:00-15:30`` on ``day`` (ending the next day when it crosses midnight);
    without it, the floor's whole day. Raises ``ValueError`` with one sentence."""
    if not shift:
        return when.day_bounds(day, tz, day_start)
    try:
        first, last = (part.strip() for part in shift.split("-"))
        start = when.at_on_day(first, day, tz)
        end = when.at_on_day(last, day, tz)
    except (ValueError, when.WhenError):
        raise ValueError(f"--shift {shift!r} is not like 07:00-15:30") from None
    if end <= start:
        end = when.at_on_day(last, day + timedelta(days=1), tz)
    return start, end


@dataclass(frozen=True)
class DayFigures:
    """The queue and agent figures of a window: what the weekly report needs of each day."""

    day: date
    queues: tuple[QueueReport, ...]
    agents: tuple[AgentReport, ...]
    totals: mx.QueueMetrics


def day_figures(
    conn: Connection,
    settings: Settings,
    day: date,
    start: datetime,
    end: datetime,
    now: datetime,
) -> DayFigures:
    contacts = reader.window_contacts(*reader.driver_of(conn), start, end)
    queues = tuple(_queues(conn, settings, contacts, start, end, now))
    agents = tuple(_agents(conn, settings, contacts, start, end, now))
    return DayFigures(day, queues, agents, total([q.metrics for q in queues]))


def shift_report(
    conn: Connection,
    settings: Settings,
    day: date,
    start: datetime,
    end: datetime,
    now: datetime,
) -> ShiftReport:
    """The handover for ``[start, end)`` (the shift or day that began on ``day``), as of now."""
    figures = day_figures(conn, settings, day, start, end, now)
    follow_ups = NOTE.c.follow_up_on == day + timedelta(days=1)
    note = conn.execute(select(HANDOVER).where(HANDOVER.c.day == day)).first()
    return ShiftReport(
        floor=settings.floor.name,
        timezone=settings.floor.timezone,
        day=day,
        start=start,
        end=end,
        generated_at=now,
        interval_minutes=settings.floor.interval_minutes,
        short_abandon_s=settings.metrics.short_abandon_s,
        queues=figures.queues,
        agents=figures.agents,
        escalations=_escalations(conn, settings, start, end, now),
        timesheets=_timesheets(conn, settings, day, now),
        notes_written=conn.execute(
            select(func.count()).where(NOTE.c.at >= start, NOTE.c.at < end)
        ).scalar_one(),
        commitments_due_tomorrow=conn.execute(
            select(func.count()).where(follow_ups, NOTE.c.commitment_status == "open")
        ).scalar_one(),
        next_shift="" if note is None else note.text,
        next_shift_by="" if note is None else note.author,
        partial=now < end,
        totals=figures.totals,
        understaffed_next=understaffed_after(conn, settings, end, now),
    )


#: How far ahead the handover looks for understaffed intervals: the next shift.
NEXT_SHIFT = timedelta(hours=8)


def understaffed_after(
    conn: Connection, settings: Settings, end: datetime, now: datetime
) -> tuple[str, ...]:
    """``13:00 billing: short 2.0 (9 required, 7.0 scheduled)`` for each queue and interval of
    the next shift that coverage finds understaffed."""
    from floorlead.store.coverage import read_coverage

    f = settings.floor
    days = sorted(
        {when.floor_date(end, f.timezone, f.day_start)}
        | {when.floor_date(end + NEXT_SHIFT - timedelta(seconds=1), f.timezone, f.day_start)}
    )
    out = []
    for day in days:
        cov, _forecast = read_coverage(conn, settings, day, now)
        for r in cov.rows:
            ahead = end <= r.interval.start < end + NEXT_SHIFT
            if r.queue and ahead and r.standing == "understaffed" and r.gap is not None:
                out.append(
                    f"{r.interval.label} {r.queue}: short {-r.gap:.1f} "
                    f"({r.required} required, {r.scheduled:.1f} scheduled)"
                )
    return tuple(out)


# ----------------------------------------------------------- the "for the next shift" text


@dataclass(frozen=True)
class Handover:
    day: date
    text: str
    author: str
    updated_at: datetime | None
    version: int  # 0: nothing written yet


def read_handover(conn: Connection, day: date) -> Handover:
    row = conn.execute(select(HANDOVER).where(HANDOVER.c.day == day)).first()
    if row is None:
        return Handover(day, "", "", None, 0)
    return Handover(day, row.text, row.author, row.updated_at, row.version)


def save_handover(
    db: FloorDatabase, day: date, text: str, actor: str, at: datetime, version: int, tz: str
) -> Handover:
    """One transaction: the text and an audit row (without the text). A supervisor who
    opened an older copy is told who changed it since, and nothing is overwritten."""
    with db.begin() as conn:
        row: Any = conn.execute(select(HANDOVER).where(HANDOVER.c.day == day)).first()
        current = 0 if row is None else row.version
        if current != version:
            who = f"{row.author} at {when.hhmm(row.updated_at, tz)}" if row else "someone"
            raise ConflictError(
                f"{who} changed the handover since you opened it; it is shown again now."
            )
        values = {"text": text, "author": actor, "updated_at": at, "version": current + 1}
        if row is None:
            conn.execute(HANDOVER.insert().values(day=day, **values))
        else:
            conn.execute(HANDOVER.update().where(HANDOVER.c.day == day).values(**values))
        audit(conn, at, actor, "handover.saved", "handover", day.isoformat(), chars=len(text))
    return Handover(day, text, actor, at, current + 1)
