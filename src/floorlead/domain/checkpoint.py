"""A floor day's figures up to an instant, so that a later snapshot of the same day reads and
walks only what came after it.

``floorlead snapshot --json`` is a new process each time: without this it reads the whole day
(tens of thousands of state changes and contacts) to print one board. A checkpoint holds, for
the day so far, exactly the sums the definitions add up — each agent's busy, idle and adherent
seconds and contacts handled, each queue's counts and sums — so the figures at ``now`` are the
checkpoint plus the same definitions applied to what came after. Nothing is computed with
less than the definitions say: every figure is a sum over time or over contacts, and a sum
splits at any instant. Two instants split the day:
- ``through`` for contacts (queue figures, contacts handled): every contact summed had
  queued before it and finished (all its instants known) before the earliest window a
  snapshot counts on its own (the interval, the last hour's trend, the Erlang C window): the
  reader's :func:`earliest_window` is at or after ``settled_at``. Contacts queued before it
  but still open then (an email waiting for hours, a contact whose last event never came)
  are left out of the sums and named in ``open``: a snapshot reads them again, by id;
- ``states_through`` for agents' states (busy, idle, adherent seconds): no window limits it,
  so it runs close behind the clock and a snapshot walks minutes of state changes, not hours.

Nothing written since may change the day before them: the store deletes a checkpoint when a
contact it summed, a state change before ``states_through`` or a schedule block over the day
before it is written (the feed's batches say so themselves; triggers catch the rarer writes,
whoever makes them). And the day bounds, short-abandon threshold, queues' SL thresholds and
agents must be the same.

Pure: no database, no clock; :mod:`floorlead.store.checkpoints` keeps them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from floorlead.domain import metrics as mx

#: A label no scheduled activity wants: the run of wrong states carried in from before
#: ``through`` is walked as one segment with it.
_OUT = "offline"


@dataclass(frozen=True, slots=True)
class AgentCheckpoint:
    """One agent's day before the checkpoint."""

    last: mx.StateChange | None  # the last state change before ``states_through``
    busy_s: float  # these three: before ``states_through``
    idle_s: float
    adherent_s: float
    handled: int  # contacts queued before ``through``
    #: per scheduled activity, since when the agent had been out of it at ``states_through``
    #: (no entry: in it then)
    out_since: Mapping[str, datetime]


@dataclass(frozen=True, slots=True)
class Checkpoint:
    day_start: datetime
    day_end: datetime
    through: datetime
    settled_at: datetime  # every contact summed had finished by then
    states_through: datetime
    short_abandon_s: int
    agents: Mapping[str, AgentCheckpoint]
    #: per queue: its SL threshold then, and the metrics of its contacts queued before
    #: ``through`` (but those in ``open``)
    queues: Mapping[str, tuple[int, mx.QueueMetrics]]
    #: the contacts queued in [day_start, through) not summed: still open at the time
    open: frozenset[str] = frozenset()

    def summed(self, c: mx.ContactTimes) -> bool:
        """Whether ``c``'s figures are in the checkpoint (a snapshot must not count it)."""
        return self.day_start <= c.queued_at < self.through and c.contact_id not in self.open

    def serves(
        self,
        day_start: datetime,
        day_end: datetime,
        short_abandon_s: int,
        now: datetime,
        earliest: datetime,
        agents: Sequence[str],
        sl_seconds: Mapping[str, int],
    ) -> bool:
        """Whether a snapshot of this day at ``now``, whose windows begin at ``earliest``,
        can start here."""
        return (
            self.day_start == day_start
            and self.day_end == day_end
            and self.short_abandon_s == short_abandon_s
            and self.through <= earliest
            and self.settled_at <= earliest
            and self.states_through <= now
            and all(a in self.agents for a in agents)
            and all(self.queues.get(q, (None,))[0] == sl for q, sl in sl_seconds.items())
        )

    def figures(
        self,
        agent: str,
        history: Sequence[mx.StateChange],
        schedule: Sequence[mx.Segment],
        now: datetime,
        grace_s: float,
    ) -> tuple[mx.Adherence, float | None]:
        """Adherence and occupancy of ``agent`` at ``now``, as ``metrics.adherence`` and
        ``metrics.occupancy`` give them over the whole day, from here and the ``history``
        since ``states_through`` (:meth:`history`). ``schedule``: the agent's effective
        schedule of the day."""
        before, through = self.agents[agent], self.states_through
        segments = mx.state_segments(history, through, now)
        busy, idle = mx.busy_idle_s(segments)
        occupancy = mx.occupancy_of(before.busy_s + busy, before.idle_s + idle)
        since = mx.adherence(segments, schedule, now, grace_s)  # the whole schedule, states since
        adherent = before.adherent_s + since.adherent_s
        current = next((b for b in schedule if b.start <= now < b.end), None)
        if current is None:
            return mx.Adherence(since.scheduled_s, adherent, None, 0.0), occupancy
        start = mx.wrong_since(
            _newest_first(segments, before.out_since.get(current.label), through), current, now
        )
        wrong = (now - start).total_seconds() if start else 0.0
        return mx.Adherence(since.scheduled_s, adherent, wrong <= grace_s, wrong), occupancy

    def history(self, agent: str, since: Sequence[mx.StateChange]) -> list[mx.StateChange]:
        """The agent's state changes from ``states_through`` on (``since``), led by the one
        carried in."""
        last = self.agents[agent].last
        return [last, *since] if last is not None else list(since)


def earliest_window(
    now: datetime, day_start: datetime, interval_start: datetime, interval: timedelta
) -> datetime:
    """Where the earliest window a snapshot at ``now`` counts on its own begins: the
    interval, the Erlang C window (the last interval's length) or the trend's hour."""
    return min(interval_start, now - interval, mx.trend_start(now, day_start))


def _newest_first(
    segments: Sequence[mx.Segment], out_since: datetime | None, through: datetime
) -> Iterator[mx.Segment]:
    """The segments since ``through`` newest first, then the run of wrong states carried in."""
    yield from reversed(segments)
    if out_since is not None:
        yield mx.Segment(out_since, through, _OUT)


def _settled(c: mx.ContactTimes, before: datetime) -> datetime | None:
    """The contact's last instant if it had finished before ``before``, else None."""
    if c.wrapped_at is None and c.abandoned_at is None:
        return None
    last = max(
        t for t in (c.queued_at, c.answered_at, c.abandoned_at, c.ended_at, c.wrapped_at) if t
    )
    return last if last < before else None


def advance(
    mark: Checkpoint,
    contacts: Sequence[mx.ContactTimes],
    changes: Mapping[str, Sequence[mx.StateChange]],
    schedules: Mapping[str, Sequence[mx.Segment]],
    now: datetime,
    earliest: datetime,
    states_until: datetime,
) -> Checkpoint:
    """``mark`` moved on as far as the day allows at ``now``: for contacts to ``earliest``
    (see :func:`earliest_window`), each contact before it summed once finished before it and
    left ``open`` until then; for states to ``states_until`` (at most ``now``).
    ``contacts``: at least every contact queued since ``mark.through`` and those in
    ``mark.open``; ``changes``: each agent's state changes since ``mark.states_through``
    (without the one carried in); ``schedules``: the agents' effective schedules of the
    day."""
    through, states_through = mark.through, mark.states_through
    cut = max(earliest, through)
    moved: list[mx.ContactTimes] = []
    still_open: set[str] = set()
    settled_at = mark.settled_at
    for c in contacts:
        if not mark.day_start <= c.queued_at < cut or mark.summed(c):
            continue
        last = _settled(c, earliest)
        if last is None:
            still_open.add(c.contact_id)
        else:
            moved.append(c)
            settled_at = max(settled_at, last)
    handled: dict[str, int] = {}
    by_queue: dict[str, list[mx.ContactTimes]] = {}
    for c in moved:
        by_queue.setdefault(c.queue_id, []).append(c)
        if c.agent_id is not None and c.answered_at is not None and c.wrapped_at is not None:
            handled[c.agent_id] = handled.get(c.agent_id, 0) + 1
    queues = {
        q: (
            sl,
            mx.combine(
                [
                    before,
                    mx.queue_metrics(
                        by_queue.get(q, []),
                        start=mark.day_start,
                        end=cut,
                        now=now,
                        sl_seconds=sl,
                        short_abandon_s=mark.short_abandon_s,
                    ),
                ]
            ),
        )
        for q, (sl, before) in mark.queues.items()
    }
    until = max(min(states_until, now), states_through)
    agents = {}
    for agent, a in mark.agents.items():
        history = mark.history(agent, changes.get(agent, ()))
        segments = (
            mx.state_segments(history, states_through, until) if until > states_through else []
        )
        busy, idle = mx.busy_idle_s(segments)
        out_since = {}
        for label in mx.ADHERENT_STATES:
            start = mx.wrong_since(
                _newest_first(segments, a.out_since.get(label), states_through),
                mx.Segment(mark.day_start, until, label),
                until,
            )
            if start is not None:
                out_since[label] = start
        adherent = mx.adherence(segments, schedules.get(agent, ()), until, 0.0).adherent_s
        agents[agent] = AgentCheckpoint(
            last=next((h for h in reversed(history) if h.at < until), None),
            busy_s=a.busy_s + busy,
            idle_s=a.idle_s + idle,
            adherent_s=a.adherent_s + adherent,
            handled=a.handled + handled.get(agent, 0),
            out_since=out_since,
        )
    return Checkpoint(
        mark.day_start,
        mark.day_end,
        cut,
        settled_at,
        until,
        mark.short_abandon_s,
        agents,
        queues,
        frozenset(still_open),
    )


def start_of_day(
    day_start: datetime,
    day_end: datetime,
    short_abandon_s: int,
    carried: Mapping[str, mx.StateChange | None],
    sl_seconds: Mapping[str, int],
) -> Checkpoint:
    """The empty checkpoint at the day's start: ``carried``, each agent's state carried in
    (their last change before the day, or None), ``sl_seconds`` each queue's SL threshold."""
    agents = {agent: AgentCheckpoint(last, 0.0, 0.0, 0.0, 0, {}) for agent, last in carried.items()}
    return Checkpoint(
        day_start,
        day_end,
        day_start,
        day_start,
        day_start,
        short_abandon_s,
        agents,
        {q: (sl, mx.QueueMetrics()) for q, sl in sl_seconds.items()},
    )
