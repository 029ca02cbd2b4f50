"""Timesheet read models: each agent's worked day against the schedule, with overtime.

Built in one read transaction (schedules through ``store.reader``); the Timesheets screen, its
detail, the payroll export and the handover report read through here.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from floorlead.config import Settings
from floorlead.domain import metrics as mx
from floorlead.domain import when
from floorlead.domain.timesheets import PunchTime, round_punch, schedule_exceptions, worked_day
from floorlead.store import reader
from floorlead.store.schema import AGENT, PUNCH, TIMESHEET


@dataclass(frozen=True)
class TimesheetRow:
    agent_id: str
    name: str
    shift_date: date
    scheduled_start: datetime | None
    scheduled_end: datetime | None
    first_in: datetime | None
    last_out: datetime | None
    worked_s: float | None  # None: a punch is missing, so the hours are unknown
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
    #: worked seconds after the start of the next workweek (a shift across the boundary)
    next_week_s: float = 0.0

    @property
    def clean(self) -> bool:
        return not self.exceptions

    @property
    def hours_known(self) -> bool:
        return self.worked_s is not None


def day_timesheets(
    conn: Connection,
    settings: Settings,
    day: date,
    now: datetime,
    names: dict[str, str],
    schedules: dict[str, list[mx.ScheduleBlock]] | None = None,
    agents: set[str] | None = None,
) -> list[TimesheetRow]:
    """One row per agent whose shift starts on ``day`` (scheduled, or punched in that day);
    only ``agents`` when given."""
    from floorlead.domain.timesheets import worked_after, workweek_start

    tz = settings.floor.timezone
    start, end = when.day_bounds(day, tz, settings.floor.day_start)
    # the next workweek starts at the floor's day start on the workweek's first day
    next_week = when.day_bounds(
        workweek_start(day, week_first_day(settings)) + timedelta(days=7),
        tz,
        settings.floor.day_start,
    )[0]
    if schedules is None:
        schedules = reader.schedules(*reader.driver_of(conn), *reader.schedule_window(start, end))
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
    from floorlead.store.schedules import call_outs

    called: dict[str, list[Any]] = defaultdict(list)
    for c in call_outs(conn, start - timedelta(hours=2), end + timedelta(hours=18)):
        called[c.agent_id].append(c)
    out: list[TimesheetRow] = []
    for agent, (s_start, s_end) in shifts.items():
        if agents is not None and agent not in agents:
            continue
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
        elif not punches and s_end is not None and now >= s_start and agent not in called:
            exceptions = ("no punches", *exceptions)
        # a call-out is said on the timesheet; the hours stay the punches' (leave is marked)
        shift = (s_start or start, s_end or end)
        away = [
            c.said(tz) for c in called.get(agent, ()) if c.start < shift[1] and c.end > shift[0]
        ]
        exceptions = (*away, *exceptions)
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
                regular_h=(worked.worked_s or 0.0) / 3600,
                next_week_s=worked_after(punches, next_week) if worked.worked_s else 0.0,
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

    from floorlead.domain.timesheets import PaySplit, split_week, workweek_start

    rules = settings.timesheets.overtime_rules
    start_weekday = week_first_day(settings)
    employee = {r[0]: r[1] for r in conn.execute(select(AGENT.c.id, AGENT.c.employee_id))}
    week: dict[str, list[tuple[date, float]]] = defaultdict(list)
    #: hours of shifts that ran past the end of their workweek, owed to the next one
    carry: dict[str, float] = {}
    out: list[TimesheetRow] = []
    # from the day before the first workweek: a night shift then may run into it
    day = workweek_start(first, start_weekday) - timedelta(days=1)
    while day <= last:
        if day == workweek_start(day, start_weekday):
            week.clear()
            for agent, hours in carry.items():
                week[agent].append((day, hours))
            carry.clear()
        for t in day_timesheets(conn, settings, day, now, names):
            # weekly overtime counts each hour in the fixed workweek it was worked in (29 CFR
            # 778.105); the California rule set keeps a shift whole on its day
            later_h = t.next_week_s / 3600 if rules != "california" else 0.0
            week[t.agent_id].append((day, (t.worked_s or 0.0) / 3600 - later_h))
            split = split_week(rules, week[t.agent_id])[-1]
            if later_h:
                carry[t.agent_id] = carry.get(t.agent_id, 0.0) + later_h
                owed = split_week(rules, [(day, carry[t.agent_id])])[-1]
                split = PaySplit(
                    split.regular_h + owed.regular_h,
                    split.overtime_h + owed.overtime_h,
                    split.double_h + owed.double_h,
                )
            if day < first:
                continue
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


def week_first_day(settings: Settings) -> int:
    """The workweek's first day from the settings (Monday = 0)."""
    weekdays = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    return weekdays.index(settings.timesheets.workweek_start.lower())


def week_timesheets(
    conn: Connection, settings: Settings, day: date, now: datetime, names: dict[str, str]
) -> list[TimesheetRow]:
    """One day's timesheets, with its pay split counted over its workweek so far."""
    return range_timesheets(conn, settings, day, day, now, names)


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
    blocks = reader.schedules(
        *reader.driver_of(conn), start - timedelta(hours=12), end + timedelta(hours=12)
    ).get(agent_id, [])
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
