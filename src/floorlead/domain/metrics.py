"""Queue and agent metrics, exactly as defined in the design card (and the help screen).

Everything here is pure: contacts, state changes and schedule blocks come in as plain
records together with ``now``; nothing reads a clock or a database. The records a day is
made of (contacts, state changes, segments, schedule blocks) are named tuples: a day has tens
of thousands of them, and a frozen dataclass takes several times as long to build.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

WORKING_STATES = frozenset({"available", "on_contact", "acw"})
BUSY_STATES = frozenset({"on_contact", "acw"})
AUX_STATES = frozenset({"break", "lunch", "meeting", "training", "coaching"})
#: Minutes a step of the queue trend lines (twelve of them make the last hour).
TREND_STEP_MIN = 5

#: Which agent states count as "in the scheduled activity".
ADHERENT_STATES: dict[str, frozenset[str]] = {
    "work": WORKING_STATES,
    "break": frozenset({"break"}),
    "lunch": frozenset({"lunch"}),
    "meeting": frozenset({"meeting"}),
    "training": frozenset({"training"}),
    "coaching": frozenset({"coaching"}),
    # called out (sick, an emergency): the agent is expected away
    "absent": frozenset({"offline"}),
}


class ContactTimes(NamedTuple):
    queue_id: str
    queued_at: datetime
    answered_at: datetime | None = None
    abandoned_at: datetime | None = None
    ended_at: datetime | None = None
    wrapped_at: datetime | None = None
    agent_id: str | None = None
    hold_s: int = 0
    contact_id: str = ""


def _known(at: datetime | None, now: datetime) -> datetime | None:
    """An instant only counts once it has happened (snapshots may be taken in the past)."""
    return at if at is not None and at <= now else None


@dataclass(frozen=True)
class QueueMetrics:
    """Figures for one queue over one window (contacts counted in the window they queued)."""

    offered: int = 0
    answered: int = 0
    abandoned: int = 0
    short_abandoned: int = 0
    answered_in_target: int = 0
    handled: int = 0
    waiting: int = 0
    queue_time_answered_s: float = 0.0
    handle_time_s: float = 0.0

    @property
    def service_level(self) -> float | None:
        """Answered within T ÷ (answered + abandoned), short abandons excluded."""
        denominator = self.answered + self.abandoned
        return self.answered_in_target / denominator if denominator else None

    @property
    def asa_s(self) -> float | None:
        return self.queue_time_answered_s / self.answered if self.answered else None

    @property
    def aht_s(self) -> float | None:
        return self.handle_time_s / self.handled if self.handled else None

    @property
    def abandon_rate(self) -> float | None:
        return self.abandoned / self.offered if self.offered else None


def combine(parts: Iterable[QueueMetrics]) -> QueueMetrics:
    """The figures of several windows as one (every field is a count or a sum)."""
    n = [0, 0, 0, 0, 0, 0, 0]
    queue_time = handle_time = 0.0
    for p in parts:
        n[0] += p.offered
        n[1] += p.answered
        n[2] += p.abandoned
        n[3] += p.short_abandoned
        n[4] += p.answered_in_target
        n[5] += p.handled
        n[6] += p.waiting
        queue_time += p.queue_time_answered_s
        handle_time += p.handle_time_s
    return QueueMetrics(
        offered=n[0],
        answered=n[1],
        abandoned=n[2],
        short_abandoned=n[3],
        answered_in_target=n[4],
        handled=n[5],
        waiting=n[6],
        queue_time_answered_s=queue_time,
        handle_time_s=handle_time,
    )


def queue_metrics(
    contacts: Iterable[ContactTimes],
    *,
    start: datetime,
    end: datetime,
    now: datetime,
    sl_seconds: int,
    short_abandon_s: int,
) -> QueueMetrics:
    """Metrics of the contacts that entered the queue in ``[start, end)``, as known at ``now``."""
    offered = answered = abandoned = short = in_target = handled = waiting = 0
    queue_time = handle_time = 0.0
    for c in contacts:
        if not (start <= c.queued_at < end) or c.queued_at > now:
            continue
        answered_at = _known(c.answered_at, now)
        abandoned_at = _known(c.abandoned_at, now)
        if abandoned_at is not None and answered_at is None:
            wait = (abandoned_at - c.queued_at).total_seconds()
            if wait < short_abandon_s:
                short += 1
                continue
            offered += 1
            abandoned += 1
            continue
        offered += 1
        if answered_at is None:
            waiting += 1
            continue
        answered += 1
        wait = (answered_at - c.queued_at).total_seconds()
        queue_time += wait
        if wait <= sl_seconds:
            in_target += 1
        wrapped_at = _known(c.wrapped_at, now)
        if wrapped_at is not None:
            handled += 1
            handle_time += (wrapped_at - answered_at).total_seconds()
    return QueueMetrics(
        offered=offered,
        answered=answered,
        abandoned=abandoned,
        short_abandoned=short,
        answered_in_target=in_target,
        handled=handled,
        waiting=waiting,
        queue_time_answered_s=queue_time,
        handle_time_s=handle_time,
    )


def waiting_now(contacts: Iterable[ContactTimes], now: datetime) -> list[ContactTimes]:
    """Contacts still in queue at ``now``, oldest first."""
    still = [
        c
        for c in contacts
        if c.queued_at <= now
        and _known(c.answered_at, now) is None
        and _known(c.abandoned_at, now) is None
    ]
    return sorted(still, key=lambda c: c.queued_at)


def longest_wait_s(contacts: Iterable[ContactTimes], now: datetime) -> float | None:
    """now − queue entry of the oldest contact still waiting; None when nobody waits."""
    queue = waiting_now(contacts, now)
    return (now - queue[0].queued_at).total_seconds() if queue else None


# ---------------------------------------------------------------------- agents


class StateChange(NamedTuple):
    at: datetime
    state: str
    reason: str = ""


class Segment(NamedTuple):
    start: datetime
    end: datetime
    label: str

    @property
    def seconds(self) -> float:
        return max(0.0, (self.end - self.start).total_seconds())


def state_segments(changes: Sequence[StateChange], start: datetime, end: datetime) -> list[Segment]:
    """The agent's states over ``[start, end)``; before the first change they were offline.

    ``changes`` must be sorted and may begin before ``start`` (the state carried in).
    """
    out: list[Segment] = []
    current = "offline"
    since = start
    for change in changes:
        if change.at <= start:
            current = change.state
            continue
        if change.at >= end:
            break
        if change.at > since:
            out.append(Segment(since, change.at, current))
        current, since = change.state, change.at
    if end > since:
        out.append(Segment(since, end, current))
    return out


class ScheduleBlock(NamedTuple):
    start: datetime
    end: datetime
    activity: str


def scheduled_segments(
    blocks: Sequence[ScheduleBlock], start: datetime, end: datetime
) -> list[Segment]:
    """Effective schedule over ``[start, end)``: an absence overrides everything; breaks,
    lunches and meetings override work."""
    cuts = {start, end}
    for b in blocks:
        for t in (b.start, b.end):
            if start < t < end:
                cuts.add(t)
    points = sorted(cuts)
    out: list[Segment] = []
    for a, z in itertools.pairwise(points):
        covering = [b for b in blocks if b.start <= a and b.end >= z]
        if not covering:
            continue
        # an absence (a call-out) overrides everything; breaks, lunches and meetings, work
        absent = [b for b in covering if b.activity == "absent"]
        specific = [b for b in covering if b.activity != "work"]
        activity = (absent or specific or covering)[-1].activity
        if out and out[-1].label == activity and out[-1].end == a:
            out[-1] = Segment(out[-1].start, z, activity)
        else:
            out.append(Segment(a, z, activity))
    return out


def scheduled_activity_at(schedule: Sequence[Segment], at: datetime) -> str | None:
    """The activity at ``at`` in an effective schedule (:func:`scheduled_segments`)."""
    return next((s.label for s in schedule if s.start <= at < s.end), None)


def overlap_s(a: Segment, b: Segment) -> float:
    """Seconds two segments share."""
    lo, hi = max(a.start, b.start), min(a.end, b.end)
    return max(0.0, (hi - lo).total_seconds())


def time_in_states(segments: Iterable[Segment]) -> dict[str, float]:
    totals: dict[str, float] = {}
    for s in segments:
        totals[s.label] = totals.get(s.label, 0.0) + s.seconds
    return totals


def busy_idle_s(segments: Iterable[Segment]) -> tuple[float, float]:
    """Seconds on contacts and in ACW, and seconds available (idle): occupancy's two sums."""
    totals = time_in_states(segments)
    return sum(totals.get(s, 0.0) for s in BUSY_STATES), totals.get("available", 0.0)


def occupancy_of(busy_s: float, idle_s: float) -> float | None:
    """(time on contacts + ACW) ÷ (that + available idle time)."""
    return busy_s / (busy_s + idle_s) if busy_s + idle_s > 0 else None


def occupancy(segments: Iterable[Segment]) -> float | None:
    """(time on contacts + ACW) ÷ (that + available idle time)."""
    return occupancy_of(*busy_idle_s(segments))


@dataclass(frozen=True)
class Adherence:
    scheduled_s: float
    adherent_s: float
    in_adherence_now: bool | None
    wrong_for_s: float

    @property
    def percent(self) -> float | None:
        """Minutes in the scheduled activity ÷ scheduled minutes, as a fraction."""
        return self.adherent_s / self.scheduled_s if self.scheduled_s > 0 else None


def adherence(
    states: Sequence[Segment],
    schedule: Sequence[Segment],
    now: datetime,
    grace_s: float,
) -> Adherence:
    """Adherence of one agent up to ``now``; out of adherence after ``grace_s`` in a wrong state.

    Unscheduled time (no block) is not judged: an agent working off-schedule is not adherent
    time, but also not scheduled time.
    """
    scheduled = adherent = 0.0
    first = 0  # both lists are in time order: walk them together, not one inside the other
    for block in schedule:
        if block.start >= now:
            continue
        block = Segment(block.start, min(block.end, now), block.label)
        scheduled += block.seconds
        wanted = ADHERENT_STATES.get(block.label, frozenset())
        while first < len(states) and states[first].end <= block.start:
            first += 1
        for s in states[first:]:
            if s.start >= block.end:
                break
            if s.label in wanted:
                adherent += overlap_s(block, s)
    current_block = next((b for b in schedule if b.start <= now < b.end), None)
    if current_block is None:
        return Adherence(scheduled, adherent, None, 0.0)
    wrong_for = wrong_state_s(reversed(states), current_block, now)
    return Adherence(scheduled, adherent, wrong_for <= grace_s, wrong_for)


def wrong_state_s(newest_first: Iterable[Segment], block: Segment, now: datetime) -> float:
    """How long, up to ``now``, the agent has been out of ``block``'s activity without a
    break (never counted from before the block began)."""
    since = wrong_since(newest_first, block, now)
    return (now - since).total_seconds() if since else 0.0


def wrong_since(newest_first: Iterable[Segment], block: Segment, now: datetime) -> datetime | None:
    """Since when the agent has been out of ``block``'s activity, or None if they are in it."""
    wanted = ADHERENT_STATES.get(block.label, frozenset())
    since: datetime | None = None
    for seg in newest_first:
        if seg.start >= now:
            continue
        if seg.label in wanted:
            break
        since = seg.start
    return max(since, block.start) if since else None


@dataclass(frozen=True)
class Trend:
    """Samples every ``step_min`` minutes over the last hour, oldest first."""

    waiting: tuple[int, ...]
    service_level: tuple[float | None, ...]


def trend_start(
    now: datetime, origin: datetime, minutes: int = 60, step_min: int = TREND_STEP_MIN
) -> datetime:
    """Where the first step of :func:`trend`'s hour begins."""
    step = timedelta(minutes=step_min)
    current = origin + step * ((now - origin) // step)
    return current - step * (minutes // step_min - 1)


def trend(
    contacts: Sequence[ContactTimes],
    *,
    now: datetime,
    origin: datetime,
    sl_seconds: int,
    short_abandon_s: int,
    minutes: int = 60,
    step_min: int = TREND_STEP_MIN,
) -> Trend:
    """The last hour in steps on the clock (``origin`` + k × step, the last one running up to
    ``now``): contacts waiting at the end of each step (at ``now`` for the running one) and
    the SL of the contacts that queued in it.

    Steps on the clock rather than counted back from ``now`` do not move between refreshes,
    so a finished step's figures can be kept (``domain.tally``).
    """
    waiting: list[int] = []
    levels: list[float | None] = []
    step = timedelta(minutes=step_min)
    buckets = minutes // step_min
    first_start = trend_start(now, origin, minutes, step_min)
    first_end = min(first_start + step, now)
    # Only contacts that can count: queued within the hour, or still waiting when the first
    # step ended. A day's contacts shrink to the last hour's before the 2 × 12 passes below.
    contacts = [
        c
        for c in contacts
        if c.queued_at >= first_start
        or (_known(c.answered_at, first_end) is None and _known(c.abandoned_at, first_end) is None)
    ]
    for k in range(buckets):
        start = first_start + step * k
        waiting.append(len(waiting_now(contacts, min(start + step, now))))
        m = queue_metrics(
            contacts,
            start=start,
            end=start + step,
            now=now,
            sl_seconds=sl_seconds,
            short_abandon_s=short_abandon_s,
        )
        levels.append(m.service_level)
    return Trend(tuple(waiting), tuple(levels))


SPARK = "▁▂▃▄▅▆▇█"


def sparkline(values: Sequence[float | None], top: float | None = None) -> str:
    """A text trend line (works in monochrome); gaps where there is no figure."""
    known = [v for v in values if v is not None]
    high = top if top is not None else max(known, default=0.0)
    out = []
    for v in values:
        if v is None:
            out.append(" ")
        elif high <= 0:
            out.append(SPARK[0])
        else:
            out.append(SPARK[min(len(SPARK) - 1, int(v / high * (len(SPARK) - 1) + 0.5))])
    return "".join(out)
