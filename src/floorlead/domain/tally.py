"""Running figures for the floor's engine (``store.engine``): what a refresh needs, kept
between refreshes.

``domain.figures.floor_figures`` computes every figure from the whole day's rows, the plain
reading of the definitions; on a floor of 500 agents that is most of a refresh. These tallies
give the same figures while redoing only what can have changed:

* per queue, the figures of each 5-minute slice of queue entries (the trend line's steps), kept
  until one of the slice's contacts changes or one of its stored instants comes due (a
  snapshot does not count an event stamped after it). The day and the interval are sums of
  slices; waiting counts come from two sorted lists, entries and departures;
* per agent (``domain.agent_tally``), the state segments before the last state change with
  their occupancy and adherence sums; a refresh adds only the segment still running.

Time may only move forward between refreshes; :class:`FloorTally` starts again when it does
not. Property tests hold the result to the definitions (tests/test_tally.py, and tests/test_live.py
through the engine against ``floor_figures``).
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from floorlead.domain import metrics as mx
from floorlead.domain.agent_tally import AgentTally as AgentTally
from floorlead.domain.agent_tally import holds

SLICE = timedelta(minutes=mx.TREND_STEP_MIN)


def _departure(c: mx.ContactTimes) -> datetime | None:
    """When the contact stopped waiting (answered or abandoned), never before it queued."""
    gone = [t for t in (c.answered_at, c.abandoned_at) if t is not None]
    return max(min(gone), c.queued_at) if gone else None


def _due_after(contacts: Sequence[mx.ContactTimes], now: datetime) -> datetime | None:
    """The first stored instant after ``now``: until then the contacts' figures hold."""
    soonest: datetime | None = None
    for c in contacts:
        for t in (c.queued_at, c.answered_at, c.abandoned_at, c.wrapped_at):
            if t is not None and t > now and (soonest is None or t < soonest):
                soonest = t
    return soonest


@dataclass(slots=True)
class _Slice:
    contacts: dict[str, mx.ContactTimes] = field(default_factory=dict)
    figures: mx.QueueMetrics | None = None
    since: datetime | None = None  # the ``now`` the figures were computed at
    until: datetime | None = None  # they hold while now < until (None: for ever)


class QueueTally:
    """One queue's contacts and the figures of its slices."""

    def __init__(self, origin: datetime, sl_seconds: int, short_abandon_s: int) -> None:
        self.origin = origin
        self.sl_seconds = sl_seconds
        self.short_abandon_s = short_abandon_s
        self.slices: dict[int, _Slice] = {}
        self.entries: list[datetime] = []
        self.departures: list[datetime] = []
        #: contacts still waiting when last looked at, with their order on the floor
        self.pending: dict[str, tuple[int, mx.ContactTimes]] = {}
        self.version = 0
        self._windows: dict[tuple[datetime, datetime], tuple[int, datetime, Any, Any]] = {}
        self._recent: tuple[int, datetime, Any, int] | None = None
        self._trend: tuple[int, datetime, Any, mx.Trend] | None = None

    def index(self, at: datetime) -> int:
        return (at - self.origin) // SLICE

    def add(self, cid: str, order: int, c: mx.ContactTimes) -> None:
        self.version += 1
        piece = self.slices.setdefault(self.index(c.queued_at), _Slice())
        piece.contacts[cid] = c
        piece.figures = None
        bisect.insort(self.entries, c.queued_at)
        gone = _departure(c)
        if gone is not None:
            bisect.insort(self.departures, gone)
        self.pending[cid] = (order, c)

    def remove(self, cid: str, c: mx.ContactTimes) -> None:
        self.version += 1
        piece = self.slices[self.index(c.queued_at)]
        del piece.contacts[cid]
        piece.figures = None
        _remove(self.entries, c.queued_at)
        gone = _departure(c)
        if gone is not None:
            _remove(self.departures, gone)
        self.pending.pop(cid, None)

    # -- figures -----------------------------------------------------------------------------

    def _figures(self, k: int, piece: _Slice, now: datetime) -> tuple[mx.QueueMetrics, Any]:
        if piece.figures is None or not holds(piece.since, piece.until, now):
            start = self.origin + SLICE * k
            contacts = list(piece.contacts.values())
            piece.figures = self._metrics(contacts, start, start + SLICE, now)
            piece.since, piece.until = now, _due_after(contacts, now)
        return piece.figures, piece.until

    def _metrics(
        self, contacts: list[mx.ContactTimes], start: datetime, end: datetime, now: datetime
    ) -> mx.QueueMetrics:
        return mx.queue_metrics(
            contacts,
            start=start,
            end=end,
            now=now,
            sl_seconds=self.sl_seconds,
            short_abandon_s=self.short_abandon_s,
        )

    def _around(self, start: datetime, end: datetime) -> list[mx.ContactTimes]:
        """The contacts of every slice ``[start, end]`` touches (a window not on slices)."""
        return [
            c
            for k in range(self.index(start), self.index(end) + 1)
            if (piece := self.slices.get(k)) is not None
            for c in piece.contacts.values()
        ]

    def window(self, start: datetime, end: datetime, now: datetime) -> mx.QueueMetrics:
        """The figures of the contacts that queued in ``[start, end)``, known at ``now``."""
        if (start - self.origin) % SLICE or (end - self.origin) % SLICE:
            return self._metrics(self._around(start, end), start, end, now)
        kept = self._windows.get((start, end))
        if kept is not None:
            version, since, until, figures = kept
            if version == self.version and holds(since, until, now):
                return figures  # type: ignore[no-any-return]
        parts, until = [], None
        for k in range(self.index(start), self.index(end)):
            piece = self.slices.get(k)
            if piece is None or not piece.contacts:
                continue
            figures, due = self._figures(k, piece, now)
            parts.append(figures)
            if due is not None and (until is None or due < until):
                until = due
        total = mx.combine(parts)
        self._windows[(start, end)] = (self.version, now, until, total)
        return total

    def recent_offered(self, now: datetime, length: timedelta) -> int:
        """Offered over ``[now - length, now + 1 s)``, the window Erlang C is fed with; kept
        until a contact changes, comes due or leaves the window."""
        kept = self._recent
        if kept is not None:
            version, since, until, offered = kept
            if version == self.version and holds(since, until, now):
                return offered
        start, end = now - length, now + timedelta(seconds=1)
        contacts = self._around(start, end)
        offered = self._metrics(contacts, start, end, now).offered
        moments = [t - timedelta(seconds=1) for c in contacts if (t := c.queued_at) >= end]
        moments += [c.queued_at + length for c in contacts if start <= c.queued_at < end]
        due = _due_after(contacts, now)  # an answer or abandon becomes known at its instant
        if due is not None:
            moments.append(due)
        until = min(moments, default=None)
        # a contact queued in a slice not looked at yet enters the window at its next slice
        edge = self.origin + SLICE * (self.index(end) + 1) - timedelta(seconds=1)
        until = edge if until is None else min(until, edge)
        self._recent = (self.version, now, until, offered)
        return offered

    def waiting_at(self, at: datetime) -> int:
        """Contacts queued by ``at`` and neither answered nor abandoned by then."""
        return bisect.bisect_right(self.entries, at) - bisect.bisect_right(self.departures, at)

    def waiting_now(self, now: datetime) -> list[mx.ContactTimes]:
        """The contacts waiting at ``now``, oldest first (floor order among equal times)."""
        still: list[tuple[datetime, int, mx.ContactTimes]] = []
        for cid, (order, c) in list(self.pending.items()):
            gone = _departure(c)
            if gone is not None and gone <= now:
                del self.pending[cid]  # time only moves forward: it never waits again
                continue
            if c.queued_at <= now:
                still.append((c.queued_at, order, c))
        still.sort(key=lambda item: (item[0], item[1]))
        return [item[2] for item in still]

    def trend(self, now: datetime, steps: int = 12) -> mx.Trend:
        """As ``metrics.trend`` with the same steps on the clock; kept until the running
        step ends, a contact arrives or leaves, or a slice's figures come due."""
        kept = self._trend
        if kept is not None:
            version, since, until, figures = kept
            if version == self.version and holds(since, until, now):
                return figures
        current = self.index(now)
        waiting: list[int] = []
        levels: list[float | None] = []
        moments = [self.origin + SLICE * (current + 1)]
        for values in (self.entries, self.departures):
            i = bisect.bisect_right(values, now)
            if i < len(values):
                moments.append(values[i])
        for k in range(current - steps + 1, current + 1):
            end = self.origin + SLICE * (k + 1)
            waiting.append(self.waiting_at(min(end, now)))
            piece = self.slices.get(k)
            if piece is None or not piece.contacts:
                levels.append(None)
                continue
            step, due = self._figures(k, piece, now)
            levels.append(step.service_level)
            if due is not None:
                moments.append(due)
        trend = mx.Trend(tuple(waiting), tuple(levels))
        self._trend = (self.version, now, min(moments), trend)
        return trend


def _remove(values: list[datetime], value: datetime) -> None:
    i = bisect.bisect_left(values, value)
    if i < len(values) and values[i] == value:
        del values[i]


class FloorTally:
    """The day's contacts by queue and by agent, kept up to date one contact at a time."""

    def __init__(self, day_start: datetime, sl_of: dict[str, int], short_abandon_s: int) -> None:
        self.day_start = day_start
        self.short_abandon_s = short_abandon_s
        self.sl_of = sl_of
        self.queues: dict[str, QueueTally] = {}
        self.agents: dict[str, AgentTally] = {}
        self.contacts: dict[str, tuple[int, mx.ContactTimes]] = {}
        #: answered contacts not wrapped up when last looked at
        self.on_contact: dict[str, tuple[int, mx.ContactTimes]] = {}
        #: per agent, when each of today's handled contacts was done, sorted
        self.handled: dict[str, list[datetime]] = {}
        self.seen: datetime | None = None

    def queue(self, queue_id: str, sl_seconds: int | None = None) -> QueueTally:
        """The queue's tally; counted again when its service-level threshold changed."""
        tally = self.queues.get(queue_id)
        if sl_seconds is not None and sl_seconds != self.sl_of.get(queue_id):
            self.sl_of[queue_id] = sl_seconds
            if tally is not None and tally.sl_seconds != sl_seconds:
                tally = None
        if tally is None:
            sl = self.sl_of.get(queue_id, 20)
            tally = QueueTally(self.day_start, sl, self.short_abandon_s)
            self.queues[queue_id] = tally
            for cid, (order, c) in self.contacts.items():
                if c.queue_id == queue_id:
                    tally.add(cid, order, c)
        return tally

    def put(self, cid: str, order: int, c: mx.ContactTimes) -> None:
        self.drop(cid)
        queue = self.queue(c.queue_id)
        self.contacts[cid] = (order, c)
        queue.add(cid, order, c)
        if c.agent_id is not None and c.answered_at is not None:
            self.on_contact[cid] = (order, c)
            if c.wrapped_at is not None and c.queued_at >= self.day_start:
                done = max(c.queued_at, c.answered_at, c.wrapped_at)
                bisect.insort(self.handled.setdefault(c.agent_id, []), done)

    def drop(self, cid: str) -> None:
        kept = self.contacts.pop(cid, None)
        if kept is None:
            return
        c = kept[1]
        self.queue(c.queue_id).remove(cid, c)
        self.on_contact.pop(cid, None)
        if (
            c.agent_id is not None
            and c.answered_at is not None
            and c.wrapped_at is not None
            and c.queued_at >= self.day_start
        ):
            done = max(c.queued_at, c.answered_at, c.wrapped_at)
            _remove(self.handled.get(c.agent_id, []), done)

    def moves_back(self, now: datetime) -> bool:
        """True when ``now`` is before the last refresh (the tally must be counted again)."""
        return self.seen is not None and now < self.seen

    def calls(self, now: datetime) -> tuple[dict[str, mx.ContactTimes], dict[str, int]]:
        """Each agent's contact in progress at ``now`` and their contacts handled today."""
        best: dict[str, tuple[int, mx.ContactTimes]] = {}
        for cid, (order, c) in list(self.on_contact.items()):
            if c.wrapped_at is not None and c.wrapped_at <= now:
                del self.on_contact[cid]  # done for good: time only moves forward
                continue
            if c.queued_at > now or c.answered_at is None or c.answered_at > now:
                continue
            agent = c.agent_id
            assert agent is not None
            held = best.get(agent)
            if held is None or (c.queued_at, order) > (held[1].queued_at, held[0]):
                best[agent] = (order, c)
        handled = {
            agent: n
            for agent, done in self.handled.items()
            if (n := bisect.bisect_right(done, now))
        }
        return {agent: c for agent, (_order, c) in best.items()}, handled

    def agent(self, agent_id: str) -> AgentTally:
        tally = self.agents.get(agent_id)
        if tally is None:
            tally = self.agents[agent_id] = AgentTally()
        return tally
