"""Running figures for the live floor: what a refresh needs, kept between refreshes.

``store.floor.floor_snapshot`` computes every figure from the whole day's rows, the plain
reading of the definitions; on a floor of 500 agents that is most of a refresh. These tallies
give the same figures while redoing only what can have changed:

* per queue, the figures of each 5-minute slice of queue entries (the trend line's steps), kept
  until one of the slice's contacts changes or one of its stored instants comes due (a
  snapshot does not count an event stamped after it). The day and the interval are sums of
  slices; waiting counts come from two sorted lists, entries and departures;
* per agent, the state segments before the last state change with their occupancy and
  adherence sums; a refresh adds only the segment still running.

Time may only move forward between refreshes; :class:`FloorTally` starts again when it does
not. A property test holds the result to ``floor_snapshot`` (tests/test_live.py).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from floorlead.domain import metrics as mx

SLICE = timedelta(minutes=mx.TREND_STEP_MIN)
_WANTED = mx.ADHERENT_STATES
_NOTHING: frozenset[str] = frozenset()


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


def _holds(since: datetime | None, until: datetime | None, now: datetime) -> bool:
    """Whether figures worked out at ``since`` still stand at ``now`` (nothing they count can
    change before ``until``; time only moves forward from ``since``)."""
    return since is not None and since <= now and (until is None or now < until)


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
        if piece.figures is None or not _holds(piece.since, piece.until, now):
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
            if version == self.version and _holds(since, until, now):
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
            if version == self.version and _holds(since, until, now):
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
            if version == self.version and _holds(since, until, now):
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


@dataclass(frozen=True, slots=True)
class _Line:
    """An agent's figures from ``start`` until the next schedule boundary (``until``): with
    the state and the block unchanged, every one of them grows by the second or stays."""

    start: datetime
    until: datetime | None
    busy_s: float
    idle_s: float
    busy_grows: bool
    idle_grows: bool
    scheduled_s: float
    adherent_s: float
    in_block: bool
    adherent_grows: bool
    wrong_since: datetime | None
    activity: str | None  # the scheduled activity all along

    def at(self, now: datetime, grace_s: float) -> tuple[mx.Adherence, float | None]:
        dt = (now - self.start).total_seconds()
        busy = self.busy_s + dt if self.busy_grows else self.busy_s
        idle = self.idle_s + dt if self.idle_grows else self.idle_s
        occupancy = mx.occupancy_of(busy, idle)
        if not self.in_block:
            return mx.Adherence(self.scheduled_s, self.adherent_s, None, 0.0), occupancy
        adherent = self.adherent_s + dt if self.adherent_grows else self.adherent_s
        since = self.wrong_since
        wrong = (now - since).total_seconds() if since else 0.0
        return mx.Adherence(self.scheduled_s + dt, adherent, wrong <= grace_s, wrong), occupancy


class AgentTally:
    """One agent's day before their last state change: segments and sums that a refresh
    only extends by the segment still running."""

    def __init__(self) -> None:
        # what the sums were made from, held (not just their ids) so a new list is never
        # taken for the old one
        self.key: tuple[object, ...] | None = None
        self.closed: list[mx.Segment] = []
        self.busy_s = 0.0
        self.idle_s = 0.0
        self.adherent_s = 0.0
        self.line: _Line | None = None

    def figures(
        self,
        changes: Sequence[mx.StateChange],
        schedule: Sequence[mx.Segment],
        day_start: datetime,
        now: datetime,
        grace_s: float,
    ) -> tuple[mx.Adherence, float | None]:
        """Adherence and occupancy as ``metrics.adherence``/``metrics.occupancy`` give them."""
        last = changes[-1] if changes else None
        if now <= day_start or (last is not None and last.at >= now):
            segs = mx.state_segments(changes, day_start, now)  # the rare case: all of it
            return mx.adherence(segs, schedule, now, grace_s), mx.occupancy(segs)
        cut = last.at if last is not None and last.at > day_start else day_start
        key = (changes, schedule, day_start)
        if (
            self.key is None
            or self.key[0] is not changes
            or self.key[1] is not schedule
            or self.key[2] != day_start
        ):
            self._close(changes, schedule, day_start, cut)
            self.key = key
            self.line = None
        line = self.line
        if line is not None and _holds(line.start, line.until, now):
            return line.at(now, grace_s)
        state = last.state if last is not None else "offline"
        running_s = max(0.0, (now - cut).total_seconds())
        busy, idle = self.busy_s, self.idle_s
        if state in mx.BUSY_STATES:
            busy += running_s
        elif state == "available":
            idle += running_s
        # plain instants, no Segment objects: this runs for every agent on every refresh
        scheduled, adherent = 0.0, self.adherent_s
        current: mx.Segment | None = None
        until: datetime | None = None  # the next block boundary: the figures bend there
        for block in schedule:
            start = block.start
            if start >= now:
                if start == now:  # begins now: current, and bends where it ends
                    current = block
                    start = block.end
                if until is None or start < until:
                    until = start
                continue
            end = block.end
            if end > now:
                current = block
                if until is None or end < until:
                    until = end
                end = now
            if end > start:
                scheduled += (end - start).total_seconds()
            if state in _WANTED.get(block.label, _NOTHING):
                lo, hi = max(start, cut), end
                if hi > lo:
                    adherent += (hi - lo).total_seconds()
        since = None
        if current is not None:
            since = mx.wrong_since(
                _newest_first(mx.Segment(cut, now, state), self.closed), current, now
            )
        in_block = current is not None
        self.line = _Line(
            start=now,
            until=until,
            busy_s=busy,
            idle_s=idle,
            busy_grows=state in mx.BUSY_STATES,
            idle_grows=state == "available",
            scheduled_s=scheduled,
            adherent_s=adherent,
            in_block=in_block,
            adherent_grows=in_block and state in _WANTED.get(current.label, _NOTHING),  # type: ignore[union-attr]
            wrong_since=since,
            activity=current.label if current is not None else None,
        )
        return self.line.at(now, grace_s)

    def activity(self, schedule: Sequence[mx.Segment], now: datetime) -> str | None:
        """The scheduled activity at ``now`` (after :meth:`figures` for the same instant)."""
        line = self.line
        if line is not None and _holds(line.start, line.until, now):
            return line.activity
        return mx.scheduled_activity_at(schedule, now)

    def _close(
        self,
        changes: Sequence[mx.StateChange],
        schedule: Sequence[mx.Segment],
        day_start: datetime,
        cut: datetime,
    ) -> None:
        closed = mx.state_segments(changes, day_start, cut) if cut > day_start else []
        self.closed = closed
        self.busy_s, self.idle_s = mx.busy_idle_s(closed)
        # both lists are in time order and without overlaps (as ``metrics.adherence`` walks
        # them): each block looks only at the segments it meets, not at the whole day
        adherent, first, count = 0.0, 0, len(closed)
        for block in schedule:
            wanted = _WANTED.get(block.label, _NOTHING)
            while first < count and closed[first].end <= block.start:
                first += 1
            i = first
            while i < count and closed[i].start < block.end:
                seg = closed[i]
                if seg.label in wanted:
                    adherent += mx.overlap_s(block, seg)
                i += 1
        self.adherent_s = adherent


def _newest_first(running: mx.Segment, closed: list[mx.Segment]) -> Iterator[mx.Segment]:
    yield running
    yield from reversed(closed)


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
