"""Intraday coverage: for every interval of the floor's day and every queue, the contacts
forecast and offered, the agents required, scheduled and staffed, and the gap.

Pure: the store hands in the day's contacts, state changes and schedule blocks (through the
one reader, as the board reads them) and the history the forecast is made from.

Rules, said on screen and in the help:
- **Forecast** (nothing imported): per queue and interval, the average of the same weekday over
  the last N weeks of the floor's own history, weeks with no contact at all left out; intervals
  are matched by their wall-clock start, so a day the clocks change lines up with its neighbours
  (the second 01:30 of a day the clocks go back takes the first's figures when the history has
  only one). AHT the same way, weighted by handled contacts (the queue's AHT over those days
  where an interval had contacts but none handled).
- **Reforecast**: once intervals of the day have passed, the rest of the day is scaled by
  actual ÷ forecast over the intervals passed (per queue).
- **Required**: Erlang C (or Erlang A, per queue) at the interval's (re)forecast volume and
  AHT for the queue's SL target. All queues together: the sum of the queues' requirements.
- **Scheduled**: the share of the interval each agent is scheduled to work; an agent skilled on
  several queues is one agent, shared between them in proportion to each queue's forecast
  workload in that interval (equally when there is none). **Staffed** (past and current
  intervals): the share of the interval each agent was available, on a contact or in ACW
  (of the part gone by, in the current one), shared the same way.
"""

from __future__ import annotations

import bisect
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from floorlead.domain import erlang
from floorlead.domain import metrics as mx
from floorlead.domain.when import day_bounds, local

#: Agent states that count as staffed (taking or able to take contacts).
STAFFED_STATES = frozenset({"available", "on_contact", "acw"})
#: How an agent on several queues is counted: said on the Coverage screen and in the help.
SHARE_RULE = (
    "An agent skilled on several queues counts once per interval, shared between them in "
    "proportion to each queue's forecast workload (equally when there is none)."
)
#: A gap this many agents or more above the requirement is overstaffed (room for coaching or
#: time off); any shortfall is understaffed.
OVER_BY = 2.0


@dataclass(frozen=True)
class Interval:
    start: datetime  # UTC
    end: datetime
    label: str  # its wall-clock start on the floor's clock, "09:30"
    nth: int = 0  # 1 for the second 01:30 of a day the clocks go back

    @property
    def key(self) -> tuple[str, int]:
        return self.label, self.nth

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()


def day_intervals(day: date, tz: str, day_start: str, minutes: int) -> list[Interval]:
    """The floor day's intervals, by the clock (23 or 25 hours on a day the clocks change)."""
    start, end = day_bounds(day, tz, day_start)
    step = timedelta(minutes=minutes)
    out: list[Interval] = []
    seen: dict[str, int] = defaultdict(int)
    at = start
    while at < end:
        label = local(at, tz).strftime("%H:%M")
        out.append(Interval(at, min(at + step, end), label, seen[label]))
        seen[label] += 1
        at += step
    return out


@dataclass(frozen=True)
class Demand:
    contacts: float
    aht_s: float | None


@dataclass(frozen=True)
class Forecast:
    """Per queue, per interval key: the demand expected."""

    demand: Mapping[str, Mapping[tuple[str, int], Demand]]
    how: str  # one sentence: how it was made, from how many weeks

    def of(self, queue: str, key: tuple[str, int]) -> Demand:
        by_key = self.demand.get(queue, {})
        found = by_key.get(key) or by_key.get((key[0], 0))
        return found or Demand(0.0, None)

    def knows(self, queue: str) -> bool:
        """Whether there is any forecast for ``queue`` (no history, nothing imported: none)."""
        return bool(self.demand.get(queue))


def interval_tally(
    contacts: Iterable[mx.ContactTimes],
    intervals: Sequence[Interval],
    short_abandon_s: int,
    now: datetime | None = None,
) -> dict[str, dict[tuple[str, int], tuple[int, int, float]]]:
    """Per queue and interval: (offered, handled, handle seconds) as known at ``now`` (all
    of it without), each interval's contacts counted by the board's own
    :func:`~floorlead.domain.metrics.queue_metrics` (a short abandon is not offered)."""
    if not intervals:
        return {}
    starts = [i.start for i in intervals]
    upto = now or datetime.max.replace(tzinfo=UTC)  # no instant: everything is known
    groups: dict[tuple[str, int], list[mx.ContactTimes]] = defaultdict(list)
    for c in contacts:
        if starts[0] <= c.queued_at < intervals[-1].end:
            groups[(c.queue_id, bisect.bisect_right(starts, c.queued_at) - 1)].append(c)
    out: dict[str, dict[tuple[str, int], tuple[int, int, float]]] = defaultdict(dict)
    for (queue, i), group in groups.items():
        iv = intervals[i]
        m = mx.queue_metrics(
            group,
            start=iv.start,
            end=iv.end,
            now=upto,
            sl_seconds=0,
            short_abandon_s=short_abandon_s,
        )
        if m.offered or m.short_abandoned:
            out[queue][iv.key] = (m.offered, m.handled, m.handle_time_s)
    return dict(out)


#: Per queue and interval key: (offered, handled, handle seconds) — one day's tally.
Tally = Mapping[str, Mapping[tuple[str, int], tuple[int, int, float]]]


def history_forecast(history: Mapping[date, Tally], weekday: str) -> Forecast:
    """The average of the same weekday's tallies in ``history`` (one per past day, by
    :func:`interval_tally` or the database's sums), days with no contact at all left out."""
    used = [
        d
        for d, tally in sorted(history.items())
        if any(v[0] for rows in tally.values() for v in rows.values())
    ]
    totals: dict[str, dict[tuple[str, int], list[float]]] = defaultdict(dict)
    for d in used:
        for q, rows in history[d].items():
            for key, (offered, handled, handle_s) in rows.items():
                t = totals[q].setdefault(key, [0.0, 0.0, 0.0])
                t[0] += offered
                t[1] += handled
                t[2] += handle_s
    weeks = len(used)
    demand: dict[str, dict[tuple[str, int], Demand]] = {}
    for q, sums in totals.items():
        # an interval with contacts but none handled takes the queue's AHT over the day
        done = sum(t[1] for t in sums.values())
        day_aht = sum(t[2] for t in sums.values()) / done if done else None
        demand[q] = {
            key: Demand(t[0] / weeks, t[2] / t[1] if t[1] else day_aht) for key, t in sums.items()
        }
    left = len(history) - weeks
    skipped = f", {left} left out with no data" if left else ""
    how = (
        f"Forecast: the average of the last {weeks} {weekday}{'s' if weeks != 1 else ''} "
        f"of this floor's history{skipped}."
        if weeks
        else f"No forecast: no {weekday} in the last {len(history)} weeks has any contact "
        "(import one with `floorlead forecast import`)."
    )
    return Forecast(demand, how)


@dataclass(frozen=True)
class Reforecast:
    """Per queue: actual ÷ forecast over the intervals passed (1.0 before any)."""

    factors: Mapping[str, float]
    how: str


def reforecast(
    forecast: Forecast,
    actual: Mapping[str, Mapping[tuple[str, int], tuple[int, int, float]]],
    passed: Sequence[Interval],
    queues: Iterable[str],
) -> Reforecast:
    factors = {}
    parts = []
    for q in queues:
        fc = sum(forecast.of(q, i.key).contacts for i in passed)
        act = sum(actual.get(q, {}).get(i.key, (0, 0, 0.0))[0] for i in passed)
        factors[q] = act / fc if fc > 0 and passed else 1.0
        if passed and fc > 0:
            parts.append(f"{q} ×{factors[q]:.2f}")
    how = (
        "Reforecast: the rest of the day scaled by actual ÷ forecast so far ("
        + ", ".join(parts)
        + ")."
        if parts
        else "No reforecast yet: no interval of the day has passed with a forecast."
    )
    return Reforecast(factors, how)


@dataclass(frozen=True)
class Staffing:
    """Who is scheduled or staffed per interval and queue (agents, fractional)."""

    scheduled: Mapping[tuple[str, int], Mapping[str, float]]
    staffed: Mapping[tuple[str, int], Mapping[str, float]]


def _shares(queues: Sequence[str], workload: Mapping[str, float]) -> dict[str, float]:
    """How one agent skilled on ``queues`` is shared: by each queue's workload, else equally."""
    loads = {q: max(0.0, workload.get(q, 0.0)) for q in queues}
    total = sum(loads.values())
    if total <= 0:
        return {q: 1 / len(queues) for q in queues}
    return {q: v / total for q, v in loads.items()}


def _spread(
    segments: Iterable[mx.Segment], bounds: Sequence[tuple[float, float]]
) -> dict[int, float]:
    """Seconds of ``segments`` in each interval (by index; ``bounds`` the intervals' start and
    end as POSIX seconds): each segment visits only the intervals it overlaps."""
    out: dict[int, float] = defaultdict(float)
    if not bounds:
        return out
    first, step, n = bounds[0][0], bounds[0][1] - bounds[0][0], len(bounds)
    for seg in segments:
        a, z = seg.start.timestamp(), seg.end.timestamp()
        i = max(0, int((a - first) // step))
        while i < n and bounds[i][0] < z:
            lo, hi = max(a, bounds[i][0]), min(z, bounds[i][1])
            if hi > lo:
                out[i] += hi - lo
            i += 1
    return out


def staffing(
    intervals: Sequence[Interval],
    skills: Mapping[str, Sequence[str]],
    schedules: Mapping[str, Sequence[mx.ScheduleBlock]],
    changes: Mapping[str, Sequence[mx.StateChange]],
    workload: Mapping[tuple[str, int], Mapping[str, float]],
    now: datetime,
) -> Staffing:
    """Scheduled (working activity) and staffed (available, on a contact, ACW; up to ``now``)
    agents per interval and queue, each agent shared by :func:`_shares`."""
    scheduled: dict[tuple[str, int], dict[str, float]] = {
        i.key: defaultdict(float) for i in intervals
    }
    staffed: dict[tuple[str, int], dict[str, float]] = {
        i.key: defaultdict(float) for i in intervals
    }
    if not intervals:
        return Staffing(scheduled, staffed)
    day_start, day_end = intervals[0].start, intervals[-1].end
    upto = min(now, day_end)
    # the current interval: staffed over the part of it gone by
    gone = [max(0.0, (min(iv.end, upto) - iv.start).total_seconds()) for iv in intervals]
    bounds = [(iv.start.timestamp(), iv.end.timestamp()) for iv in intervals]
    shares: dict[tuple[tuple[str, int], tuple[str, ...]], dict[str, float]] = {}
    for agent, queues in skills.items():
        if not queues:
            continue
        work = _spread(
            (
                s
                for s in mx.scheduled_segments(schedules.get(agent, ()), day_start, day_end)
                if s.label == "work"
            ),
            bounds,
        )
        there = (
            _spread(
                (
                    s
                    for s in mx.state_segments(changes.get(agent, ()), day_start, upto)
                    if s.label in STAFFED_STATES
                ),
                bounds,
            )
            if upto > day_start
            else {}
        )
        mine = tuple(queues)
        for i in sorted(set(work) | set(there)):
            iv = intervals[i]
            split = shares.get((iv.key, mine))
            if split is None:
                split = shares[(iv.key, mine)] = _shares(mine, workload.get(iv.key, {}))
            planned = work.get(i, 0.0) / iv.seconds
            present = there.get(i, 0.0) / gone[i] if gone[i] > 0 else 0.0
            for q, share in split.items():
                if planned > 0:
                    scheduled[iv.key][q] += planned * share
                if present > 0:
                    staffed[iv.key][q] += present * share
    return Staffing(scheduled, staffed)


@dataclass(frozen=True)
class QueueModel:
    id: str
    name: str
    sl_percent: int
    sl_seconds: int
    model: str = "erlang_c"  # or "erlang_a"
    patience_s: float | None = None  # Erlang A: the callers' mean patience


@dataclass(frozen=True)
class CoverageRow:
    interval: Interval
    queue: str  # a queue id, or "" for all queues together
    forecast: float
    forecast_aht_s: float | None
    expected: float  # the forecast, reforecast for intervals not yet begun
    actual: int | None  # offered so far (None for intervals not begun)
    actual_aht_s: float | None
    required: int | None
    scheduled: float
    staffed: float | None
    projected_sl: float | None  # from the scheduled agents
    projected_asa_s: float | None
    current: bool = False

    @property
    def variance(self) -> float | None:
        """Actual − forecast, as a fraction of the forecast; none for the interval still
        running (its contacts so far against a whole interval's forecast would mislead)."""
        if self.actual is None or self.forecast <= 0 or self.current:
            return None
        return (self.actual - self.forecast) / self.forecast

    @property
    def gap(self) -> float | None:
        return None if self.required is None else self.scheduled - self.required

    @property
    def standing(self) -> str:
        """understaffed, overstaffed or covered — words, not colour alone."""
        gap = self.gap
        if gap is None:
            return "no forecast" if self.queue else ""
        if gap < -1e-9:
            return "understaffed"
        if gap >= OVER_BY:
            return "overstaffed"
        return "covered"


@dataclass(frozen=True)
class CoverageInputs:
    """What a coverage was computed from: a what-if computes it again with a change."""

    day: date
    intervals: tuple[Interval, ...]
    queues: tuple[QueueModel, ...]
    forecast: Forecast
    actual: Mapping[str, Mapping[tuple[str, int], tuple[int, int, float]]]
    skills: Mapping[str, Sequence[str]]
    schedules: Mapping[str, Sequence[mx.ScheduleBlock]]
    changes: Mapping[str, Sequence[mx.StateChange]]
    now: datetime


@dataclass(frozen=True)
class Coverage:
    day: date
    intervals: tuple[Interval, ...]
    rows: tuple[CoverageRow, ...]  # per interval: all queues first, then each queue
    forecast_how: str
    reforecast_how: str
    share_rule: str = SHARE_RULE
    inputs: CoverageInputs | None = None

    def of(self, queue: str) -> list[CoverageRow]:
        return [r for r in self.rows if r.queue == queue]


def _required(q: QueueModel, volume: float, aht_s: float | None, seconds: float) -> int | None:
    """Agents the queue's SL target needs at ``volume`` and ``aht_s`` (None without an AHT)."""
    if volume <= 0:
        return 0
    if aht_s is None or aht_s <= 0:
        return None
    try:
        if q.model == "erlang_a" and q.patience_s:
            return erlang.agents_needed_a(
                volume / seconds,
                aht_s,
                q.patience_s,
                target_percent=q.sl_percent,
                target_s=q.sl_seconds,
            ).agents
        a = erlang.traffic(volume, aht_s, seconds)
        return erlang.agents_needed(
            a, aht_s, target_percent=q.sl_percent, target_s=q.sl_seconds
        ).agents
    except erlang.StaffingError:
        return None


def _projected(
    q: QueueModel, volume: float, aht_s: float | None, seconds: float, agents: float
) -> tuple[float | None, float | None]:
    if aht_s is None or aht_s <= 0 or volume <= 0:
        return None, None
    n = int(agents + 1e-9)
    try:
        if q.model == "erlang_a" and q.patience_s:
            s = erlang.evaluate_a(n, volume / seconds, aht_s, q.patience_s, q.sl_seconds)
        else:
            s = erlang.evaluate(n, erlang.traffic(volume, aht_s, seconds), aht_s, q.sl_seconds)
    except erlang.StaffingError:
        return None, None
    # fewer agents than the traffic: the queue never empties (no finite ASA to show)
    return s.service_level, s.asa_s if math.isfinite(s.asa_s) else None


def coverage(
    day: date,
    intervals: Sequence[Interval],
    queues: Sequence[QueueModel],
    forecast: Forecast,
    actual: Mapping[str, Mapping[tuple[str, int], tuple[int, int, float]]],
    skills: Mapping[str, Sequence[str]],
    schedules: Mapping[str, Sequence[mx.ScheduleBlock]],
    changes: Mapping[str, Sequence[mx.StateChange]],
    now: datetime,
    extra: Mapping[tuple[tuple[str, int], str], float] | None = None,
) -> Coverage:
    """The day's coverage at ``now``, every interval, each queue and all together;
    ``extra`` agents (a what-if's +N or −N) per (interval key, queue) on top of the
    schedule."""
    inputs = CoverageInputs(
        day, tuple(intervals), tuple(queues), forecast, actual, skills, schedules, changes, now
    )
    ids = [q.id for q in queues]
    passed = [i for i in intervals if i.end <= now]
    refc = reforecast(forecast, actual, passed, ids)
    expected: dict[tuple[str, int], dict[str, tuple[float, float | None]]] = {}
    workload: dict[tuple[str, int], dict[str, float]] = {}
    for iv in intervals:
        row = {}
        for q in queues:
            d = forecast.of(q.id, iv.key)
            volume = d.contacts * (refc.factors.get(q.id, 1.0) if iv.start > now else 1.0)
            row[q.id] = (volume, d.aht_s)
        expected[iv.key] = row
        workload[iv.key] = {q: v * (a or 0.0) for q, (v, a) in row.items()}
    staff = staffing(intervals, skills, schedules, changes, workload, now)
    rows: list[CoverageRow] = []
    for iv in intervals:
        begun = iv.start < now
        current = iv.start <= now < iv.end
        per_queue: list[CoverageRow] = []
        for q in queues:
            volume, aht = expected[iv.key][q.id]
            fc = forecast.of(q.id, iv.key)
            offered, handled, handle_s = actual.get(q.id, {}).get(iv.key, (0, 0, 0.0))
            need = _required(q, volume, aht, iv.seconds) if forecast.knows(q.id) else None
            sched = staff.scheduled[iv.key].get(q.id, 0.0)
            sched = max(0.0, sched + (extra or {}).get((iv.key, q.id), 0.0))
            sl, asa = _projected(q, volume, aht, iv.seconds, sched)
            per_queue.append(
                CoverageRow(
                    iv,
                    q.id,
                    fc.contacts,
                    fc.aht_s,
                    volume,
                    offered if begun else None,
                    handle_s / handled if begun and handled else None,
                    need,
                    sched,
                    staff.staffed[iv.key].get(q.id, 0.0) if begun else None,
                    sl,
                    asa,
                    current,
                )
            )
        needs = [r.required for r in per_queue]
        handled_all = sum(actual.get(q.id, {}).get(iv.key, (0, 0, 0.0))[1] for q in queues)
        handle_all = sum(actual.get(q.id, {}).get(iv.key, (0, 0, 0.0))[2] for q in queues)
        fc_all = sum(r.forecast for r in per_queue)
        fc_aht_w = sum(r.forecast * (r.forecast_aht_s or 0.0) for r in per_queue)
        rows.append(
            CoverageRow(
                iv,
                "",
                fc_all,
                fc_aht_w / fc_all if fc_all else None,
                sum(r.expected for r in per_queue),
                sum(r.actual or 0 for r in per_queue) if begun else None,
                handle_all / handled_all if begun and handled_all else None,
                None if any(n is None for n in needs) else sum(n or 0 for n in needs),
                sum(r.scheduled for r in per_queue),
                sum(r.staffed or 0.0 for r in per_queue) if begun else None,
                None,
                None,
                current,
            )
        )
        rows.extend(per_queue)
    return Coverage(day, tuple(intervals), tuple(rows), forecast.how, refc.how, inputs=inputs)


# -- what-if ----------------------------------------------------------------------------------

#: Activities a what-if can cancel for the agents of a queue over a span.
CANCELLABLE = ("meeting", "training", "coaching")


@dataclass(frozen=True)
class BlockChange:
    """One schedule block replaced by others (none: removed) — what applying writes."""

    agent: str
    old: mx.ScheduleBlock
    new: tuple[mx.ScheduleBlock, ...]


def cancelled(
    inputs: CoverageInputs, queue: str, start: datetime, end: datetime, activities: Sequence[str]
) -> list[BlockChange]:
    """The ``activities`` blocks of the agents skilled on ``queue`` (every agent for "")
    over ``[start, end)``, cut out of that span (the agent works then instead)."""
    out = []
    for agent, blocks in inputs.schedules.items():
        if queue and queue not in inputs.skills.get(agent, ()):
            continue
        for b in blocks:
            if b.activity in activities and b.start < end and b.end > start:
                keep = []
                if b.start < start:
                    keep.append(mx.ScheduleBlock(b.start, start, b.activity))
                if b.end > end:
                    keep.append(mx.ScheduleBlock(end, b.end, b.activity))
                out.append(BlockChange(agent, b, tuple(keep)))
    return out


def moved_break(
    inputs: CoverageInputs, agent: str, at: datetime, to: datetime
) -> list[BlockChange]:
    """The agent's break or lunch running at ``at``, moved to start at ``to`` (same length)."""
    for b in inputs.schedules.get(agent, ()):
        if b.activity in ("break", "lunch") and b.start <= at < b.end:
            return [
                BlockChange(agent, b, (mx.ScheduleBlock(to, to + (b.end - b.start), b.activity),))
            ]
    return []


def what_if(
    inputs: CoverageInputs,
    *,
    changes: Sequence[BlockChange] = (),
    extra: Mapping[tuple[tuple[str, int], str], float] | None = None,
) -> Coverage:
    """The coverage again, with schedule ``changes`` and ``extra`` agents, before changing
    anything."""
    schedules = {a: list(bs) for a, bs in inputs.schedules.items()}
    for c in changes:
        blocks = schedules.setdefault(c.agent, [])
        if c.old in blocks:
            blocks.remove(c.old)
        blocks.extend(c.new)
        blocks.sort(key=lambda b: b.start)
    return coverage(
        inputs.day,
        inputs.intervals,
        inputs.queues,
        inputs.forecast,
        inputs.actual,
        inputs.skills,
        schedules,
        inputs.changes,
        inputs.now,
        extra,
    )
