"""One agent's running figures for the live floor (``domain.tally``): the day before their
last state change summed once, and between schedule boundaries a straight line, so a refresh
is a few float operations per agent. A property test holds them to ``metrics.adherence`` and
``metrics.occupancy`` (tests/test_tally.py).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from floorlead.domain import metrics as mx

_WANTED = mx.ADHERENT_STATES
_NOTHING: frozenset[str] = frozenset()


def holds(since: datetime | None, until: datetime | None, now: datetime) -> bool:
    """Whether figures worked out at ``since`` still stand at ``now`` (nothing they count can
    change before ``until``; time only moves forward from ``since``)."""
    return since is not None and since <= now and (until is None or now < until)


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
        if line is not None and holds(line.start, line.until, now):
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
        if line is not None and holds(line.start, line.until, now):
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
