"""The board's figures, defined once: every queue's and agent's row from the floor day's rows.

:func:`floor_figures` is the plain reading of the definitions (``DESIGN.md``) over rows already
read; it is the reference the running engine (``store.engine``, with the tallies of
``domain.tally``) is held to by property tests. The pieces (:func:`agent_row`,
:func:`queue_row`, :func:`staffing`) are what the engine builds its rows with, so the two
differ only in how they add up.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import Any

from floorlead.config import Settings
from floorlead.domain import erlang, when
from floorlead.domain import metrics as mx
from floorlead.domain.board import AgentRow, FloorRows, FloorSnapshot, QueueRow


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

    def snapshot(
        self, now: datetime, queues: list[QueueRow], agents: list[AgentRow], **more: Any
    ) -> FloorSnapshot:
        """The snapshot at ``now`` of this day: its windows, the rows, and ``more`` fields
        (escalations, notes, names) where the caller has them."""
        return FloorSnapshot(
            taken_at=now,
            timezone=self.timezone,
            day=self.day,
            day_start=self.day_start,
            interval_start=self.interval_start,
            interval_end=self.interval_end,
            short_abandon_s=self.short_abandon_s,
            queues=tuple(queues),
            agents=tuple(agents),
            **more,
        )


@dataclass(frozen=True)
class Definitions:
    """Active agents (by name), the queues each can take, and the queues (by name)."""

    agents: Sequence[Any]
    skills: dict[str, list[str]]
    queues: Sequence[Any]

    @cached_property
    def names(self) -> dict[str, str]:
        """Agent names by id (worked out once: the live floor keeps one object per change)."""
        return {a.id: a.name for a in self.agents}


def agent_row(
    a: Any,
    skills: dict[str, list[str]],
    history: list[mx.StateChange],
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
    contacts: list[mx.ContactTimes],
    q: Any,
    d: FloorDay,
    now: datetime,
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


def floor_figures(
    d: FloorDay,
    defs: Definitions,
    rows: FloorRows,
    now: datetime,
) -> tuple[list[QueueRow], list[AgentRow]]:
    """Every queue's and every agent's row at ``now``: the plain reading of the definitions
    over the day's rows (the engine reaches the same figures from running tallies)."""
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
        blocks = schedules.get(a.id, [])
        sched = mx.scheduled_segments(blocks, d.day_start, d.day_end)
        history = changes.get(a.id, [])
        segs = mx.state_segments(history, d.day_start, now)
        figures = (mx.adherence(segs, sched, now, d.grace_s), mx.occupancy(segs))
        done = handled[a.id]
        scheduled_now = mx.scheduled_activity_at(sched, now)
        current = on_contact_of.get(a.id)
        agents.append(agent_row(a, defs.skills, history, figures, scheduled_now, current, done))

    by_queue: dict[str, list[mx.ContactTimes]] = defaultdict(list)
    for c in contacts:
        by_queue[c.queue_id].append(c)
    staff = staffing(agents)
    queues = [
        queue_row(
            q,
            queue_figures(by_queue.get(q.id, []), q, d, now),
            staff.get(q.id, NO_STAFF),
            d,
        )
        for q in defs.queues
    ]
    return queues, agents
