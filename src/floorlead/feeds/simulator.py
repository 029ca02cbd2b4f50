"""A deterministic simulated contact-center floor, for the demo, tests and benchmarks.

Discrete-event simulation: Poisson arrivals whose rate follows the day's staffing curve, skills
routing to the longest-idle agent, lognormal talk and after-call times, callers who abandon
when their patience runs out, scheduled breaks and lunches (with the odd drift and late
return), clock punches (with the odd missing one) and escalations raised from contacts. The
same seed, agent count and start give the same events.

Pure: it produces :mod:`floorlead.domain.events`; the runner in ``feeds.live`` stores them.
"""

from __future__ import annotations

import hashlib
import heapq
import math
import random
from bisect import bisect_right
from collections import deque
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal

from floorlead.domain import events as ev
from floorlead.domain import when
from floorlead.feeds.simulated_floor import (
    FIRST,
    KINDS,
    LAST,
    MAX_QUEUES,
    PRIORITY_WEIGHTS,
    REASONS,
    TEAMS,
    QueueSpec,
    queue_specs,
)

SHIFT_OFFSETS_MIN = tuple(range(0, 330, 30))  # staggered starts over five and a half hours
SHIFT_LENGTH = timedelta(hours=8, minutes=30)


@dataclass
class Shift:
    start: datetime
    end: datetime
    blocks: list[tuple[datetime, datetime, str]]  # breaks, lunch, meetings (not work)


@dataclass
class SimAgent:
    id: str
    name: str
    team: str
    skills: tuple[str, ...]
    offset_min: int
    state: str = "offline"
    idle_since: datetime | None = None
    reserved: bool = False
    contact: str | None = None
    shift: Shift | None = None
    due: list[tuple[int, str]] = field(default_factory=list)  # pending block index / "end"
    in_block: int | None = None
    drifted: set[int] = field(default_factory=set)


@dataclass
class SimContact:
    id: str
    queue: QueueSpec
    queued_at: datetime
    agent: str | None = None
    done: bool = False


class FloorSimulator:
    """Generates a floor's events in time order; call :meth:`advance` with later instants."""

    def __init__(
        self,
        *,
        start: datetime,
        timezone: str,
        seed: int = 1,
        agents: int = 18,
        queues: int = 5,
        shift_anchor: str | None = None,
        load: float = 0.8,
    ) -> None:
        if not 1 <= agents <= 1000:
            raise ValueError("the simulator runs 1 to 1,000 agents")
        if not 3 <= queues <= MAX_QUEUES:
            raise ValueError(f"the simulator runs 3 to {MAX_QUEUES} queues")
        self.rng = random.Random(seed)
        self.tz = timezone
        self.now = start
        self.load = load
        self.queues = queue_specs(queues)
        self._spec = {q.id: q for q in self.queues}
        self._idle: dict[str, SimAgent] = {}  # available agents, longest idle first
        total = sum(q.weight for q in self.queues)
        self.share = {q.id: q.weight / total for q in self.queues}
        loc = when.local(start, timezone)
        anchor = shift_anchor or f"{loc.hour:02d}:{(loc.minute // 30) * 30:02d}"
        self.anchor_h, self.anchor_m = (int(p) for p in anchor.split(":"))
        self.token = _base36(int(start.timestamp()) // 60 % 36**5 + seed * 36**5)
        self._seq = 0
        self._payloads: dict[int, object] = {}
        self._contacts: dict[str, SimContact] = {}
        self._waiting: dict[str, deque[str]] = {q.id: deque() for q in self.queues}
        self._heap: list[tuple[datetime, int, str, str]] = []
        self._starts: list[datetime] = []
        self._ends: list[datetime] = []
        self._planned: set[date] = set()
        self._n_contacts = 0
        self._n_escalations = 0
        self._out: list[ev.Event] = []
        self.agents = self._make_agents(agents)
        self._by_id = {a.id: a for a in self.agents}
        self._lambda_max = {
            q.id: self.share[q.id] * load * agents * 1.3 / (q.talk_mean_s + q.acw_mean_s)
            for q in self.queues
        }
        self._plan_day(when.floor_date(start, timezone))
        for q in self.queues:
            self._push(start + timedelta(seconds=self._gap(q.id)), "arrival", q.id)

    # ------------------------------------------------------------------ set-up

    def _make_agents(self, n: int) -> list[SimAgent]:
        out: list[SimAgent] = []
        # primary skills in proportion to each queue's share of the work
        self._primary_cycle = [
            q.id for q in self.queues for _ in range(max(1, round(q.weight * 20)))
        ]
        self.rng.shuffle(self._primary_cycle)
        ids = [q.id for q in self.queues]
        weights = [q.weight for q in self.queues]
        for i in range(n):
            first = FIRST[i % len(FIRST)]
            last = LAST[(i * 7 + i // len(FIRST)) % len(LAST)]
            name = f"{first} {last}" if n <= len(FIRST) else f"{first} {last} {i // len(FIRST) + 1}"
            primary = self._primary_cycle[i % len(self._primary_cycle)]
            extra = self.rng.choices(ids, weights=weights, k=2)
            skills = tuple(dict.fromkeys([primary, *extra]))
            out.append(
                SimAgent(
                    id=f"a{i + 1:02d}" if n < 100 else f"a{i + 1:04d}",
                    name=name,
                    team=TEAMS[(i * len(TEAMS)) // n],
                    skills=skills,
                    offset_min=SHIFT_OFFSETS_MIN[i % len(SHIFT_OFFSETS_MIN)],
                )
            )
        return out

    def setup_events(self) -> list[ev.Event]:
        """Queues and agents, to send before any other event."""
        out: list[ev.Event] = [
            ev.QueueUpsert(
                queue=q.id, name=q.name, channel=q.channel, sl_target=ev.SlTarget.parse(q.sl_target)
            )
            for q in self.queues
        ]
        out += [
            ev.AgentUpsert(agent=a.id, name=a.name, team=a.team, queues=a.skills)
            for a in self.agents
        ]
        return out

    def _plan_day(self, day: date) -> None:
        """Publish the schedule of one floor day and queue its shift events."""
        if day in self._planned:
            return
        self._planned.add(day)
        import pendulum

        base = when.to_utc(
            pendulum.datetime(
                day.year, day.month, day.day, self.anchor_h, self.anchor_m, tz=self.tz
            )
        )
        for a in self.agents:
            start = base + timedelta(minutes=a.offset_min)
            end = start + SHIFT_LENGTH
            blocks = [
                (start + timedelta(hours=2), start + timedelta(hours=2, minutes=15), "break"),
                (start + timedelta(hours=4), start + timedelta(hours=4, minutes=30), "lunch"),
                (
                    start + timedelta(hours=6, minutes=30),
                    start + timedelta(hours=6, minutes=45),
                    "break",
                ),
            ]
            if int(a.id[1:]) % 6 == 3:
                blocks.append(
                    (
                        start + timedelta(hours=5),
                        start + timedelta(hours=5, minutes=30),
                        "training" if day.day % 2 else "meeting",
                    )
                )
                blocks.sort()
            self._out.append(ev.ScheduleBlock(agent=a.id, start=start, end=end, activity="work"))
            for b_start, b_end, activity in blocks:
                self._out.append(
                    ev.ScheduleBlock(agent=a.id, start=b_start, end=b_end, activity=activity)
                )
            if end <= self.now:
                continue
            shift = Shift(start, end, blocks)
            self._push(max(start, self.now), "shift_start", a.id, shift)
            self._starts.insert(bisect_right(self._starts, start), start)
            self._ends.insert(bisect_right(self._ends, end), end)
        next_day = day + timedelta(days=1)
        plan_at = when.day_bounds(next_day, self.tz)[0] - timedelta(hours=1)
        self._push(max(plan_at, self.now), "plan", next_day.isoformat())

    # ------------------------------------------------------------------ mechanics

    def _push(self, at: datetime, kind: str, key: str, payload: object = None) -> None:
        self._seq += 1
        if payload is not None:
            self._payloads[self._seq] = payload
        heapq.heappush(self._heap, (at, self._seq, kind, key))

    def _emit(self, event: ev.Event) -> None:
        """Every event with an id made of what it says: a simulator run again after a crash
        (same seed, same day) sends the same events, which the floor skips as duplicates."""
        if event.id is None:
            digest = hashlib.blake2b(repr(event).encode(), digest_size=12).hexdigest()
            event = replace(event, id=f"sim-{digest}")
        self._out.append(event)

    def _state(self, agent: SimAgent, state: str, at: datetime, reason: str = "") -> None:
        if agent.state == state:
            return
        if agent.state == "available":
            self._idle.pop(agent.id, None)
        agent.state = state
        if state == "available":
            agent.idle_since = at
            self._idle[agent.id] = agent
        self._emit(ev.AgentStateChanged(at=at, agent=agent.id, state=state, reason=reason))

    def _punch(self, agent: SimAgent, kind: str, at: datetime, miss: float = 0.0) -> None:
        if miss and self.rng.random() < miss:
            return
        self._emit(ev.Punch(at=at, agent=agent.id, kind=kind))

    def _working(self, at: datetime) -> int:
        return bisect_right(self._starts, at) - bisect_right(self._ends, at)

    def _rate(self, queue: str, at: datetime) -> float:
        q = self._spec[queue]
        hours = at.timestamp() / 3600
        wave = 1.0 + 0.16 * math.sin(hours * 2 * math.pi / 3.1) + 0.08 * math.sin(hours * 5.3)
        erlangs = self.load * self._working(at) * 0.85 * wave
        return max(0.0, self.share[queue] * erlangs / (q.talk_mean_s + q.acw_mean_s))

    def _gap(self, queue: str) -> float:
        return self.rng.expovariate(self._lambda_max[queue])

    def _lognormal(self, mean: float, sigma: float = 0.55) -> float:
        mu = math.log(mean) - sigma * sigma / 2
        return self.rng.lognormvariate(mu, sigma)

    # ------------------------------------------------------------------ routing

    def _free_agent_for(self, queue: str) -> SimAgent | None:
        """The longest-idle available agent with the skill (the idle dict keeps that order)."""
        for a in self._idle.values():
            if not a.reserved and not a.due and queue in a.skills:
                return a
        return None

    def _offer(self, agent: SimAgent, at: datetime) -> None:
        """A freed agent takes the oldest waiting contact among their skills."""
        if agent.state != "available" or agent.reserved or agent.due:
            return
        oldest: SimContact | None = None
        for q in agent.skills:
            line = self._waiting.get(q)
            while line and (line[0] not in self._contacts or self._contacts[line[0]].done):
                line.popleft()
            if line:
                c = self._contacts[line[0]]
                if oldest is None or c.queued_at < oldest.queued_at:
                    oldest = c
        if oldest is not None:
            self._waiting[oldest.queue.id].popleft()
            self._reserve(agent, oldest, at)

    def _reserve(self, agent: SimAgent, contact: SimContact, at: datetime) -> None:
        agent.reserved = True
        contact.agent = agent.id
        ring = self.rng.uniform(2, 7) if contact.queue.channel != "email" else 1.0
        self._push(at + timedelta(seconds=ring), "answer", contact.id)

    # ------------------------------------------------------------------ the clock

    def advance(self, until: datetime) -> list[ev.Event]:
        """Everything that happens up to ``until``, in time order."""
        while self._heap and self._heap[0][0] <= until:
            at, seq, kind, key = heapq.heappop(self._heap)
            self.now = at
            payload = self._payloads.pop(seq, None)
            getattr(self, f"_on_{kind}")(at, key, payload)
        self.now = max(self.now, until)
        out, self._out = self._out, []
        return out

    def _on_plan(self, at: datetime, key: str, _p: object) -> None:
        self._plan_day(date.fromisoformat(key))

    def _on_shift_start(self, at: datetime, key: str, payload: object) -> None:
        agent = self._by_id[key]
        assert isinstance(payload, Shift)
        agent.shift, agent.due, agent.in_block, agent.drifted = payload, [], None, set()
        late = self.rng.random() < 0.07
        delay = self.rng.uniform(300, 900) if late else self.rng.gauss(-60, 90)
        start = max(at, payload.start + timedelta(seconds=delay))
        self._push(start, "clock_in", key)
        for i, (b_start, _b_end, _a) in enumerate(payload.blocks):
            if b_start > at:
                self._push(b_start, "block_due", key, i)
        self._push(max(payload.end, at), "shift_end", key)

    def _on_clock_in(self, at: datetime, key: str, _p: object) -> None:
        agent = self._by_id[key]
        self._punch(agent, "in", at, miss=0.01)
        self._state(agent, "available", at, "logged in")
        self._offer(agent, at)

    def _on_block_due(self, at: datetime, key: str, payload: object) -> None:
        agent = self._by_id[key]
        assert isinstance(payload, int)
        if agent.state in ("available",) and not agent.reserved:
            if payload not in agent.drifted and self.rng.random() < 0.1:
                agent.drifted.add(payload)  # stays on the phones a few minutes too long
                self._push(
                    at + timedelta(seconds=self.rng.uniform(240, 540)), "block_due", key, payload
                )
                return
            self._start_block(agent, payload, at)
        elif agent.state != "offline":
            agent.due.append((payload, "block"))

    def _start_block(self, agent: SimAgent, index: int, at: datetime) -> None:
        assert agent.shift is not None
        b_start, b_end, activity = agent.shift.blocks[index]
        agent.in_block = index
        self._state(agent, activity, at, f"scheduled {activity}")
        if activity in ("break", "lunch"):
            self._punch(agent, "meal_start" if activity == "lunch" else "break_start", at, 0.01)
        length = (b_end - b_start).total_seconds()
        late = self.rng.random() < 0.1
        extra = self.rng.uniform(180, 600) if late else abs(self.rng.gauss(0, 45))
        self._push(at + timedelta(seconds=max(60.0, length + extra)), "block_end", agent.id, index)

    def _on_block_end(self, at: datetime, key: str, payload: object) -> None:
        agent = self._by_id[key]
        assert agent.shift is not None and isinstance(payload, int)
        activity = agent.shift.blocks[payload][2]
        agent.in_block = None
        if activity in ("break", "lunch"):
            self._punch(agent, "meal_end" if activity == "lunch" else "break_end", at, 0.02)
        if any(kind == "end" for _i, kind in agent.due):
            self._finish_shift(agent, at)
            return
        self._state(agent, "available", at, f"back from {activity}")
        self._offer(agent, at)

    def _on_shift_end(self, at: datetime, key: str, _p: object) -> None:
        agent = self._by_id[key]
        if agent.state == "offline" and agent.in_block is None:
            return
        if agent.state in ("on_contact", "acw") or agent.reserved or agent.in_block is not None:
            agent.due.append((-1, "end"))
            return
        agent.due.append((-1, "end"))  # not offered any more contacts while logging out
        self._push(at + timedelta(seconds=self.rng.uniform(0, 120)), "log_out", key)

    def _on_log_out(self, at: datetime, key: str, _p: object) -> None:
        agent = self._by_id[key]
        if agent.state != "offline":
            self._finish_shift(agent, at)

    def _finish_shift(self, agent: SimAgent, at: datetime) -> None:
        self._state(agent, "offline", at, "logged out")
        self._punch(agent, "out", at, miss=0.03)
        agent.due, agent.shift, agent.in_block = [], None, None

    def _after_contact(self, agent: SimAgent, at: datetime) -> None:
        """When a contact is wrapped: take a due break, end the shift, or go available."""
        agent.reserved = False
        if any(kind == "end" for _i, kind in agent.due) and agent.in_block is None:
            self._finish_shift(agent, at)
            return
        blocks = [i for i, kind in agent.due if kind == "block"]
        if blocks:
            agent.due = [d for d in agent.due if d[1] != "block"]
            assert agent.shift is not None
            if agent.shift.blocks[blocks[-1]][1] > at:
                self._start_block(agent, blocks[-1], at)
                return
        self._state(agent, "available", at)
        self._offer(agent, at)

    # ------------------------------------------------------------------ contacts

    def _on_arrival(self, at: datetime, key: str, _p: object) -> None:
        self._push(at + timedelta(seconds=self._gap(key)), "arrival", key)
        if self.rng.random() * self._lambda_max[key] > self._rate(key, at):
            return  # thinning: this candidate arrival is not one
        spec = self._spec[key]
        self._n_contacts += 1
        contact = SimContact(f"c{self.token}-{self._n_contacts}", spec, at)
        self._contacts[contact.id] = contact
        self._emit(ev.ContactQueued(at=at, contact=contact.id, queue=key))
        agent = self._free_agent_for(key)
        if agent is not None:
            self._reserve(agent, contact, at)
            return
        self._waiting[key].append(contact.id)
        if spec.patience_mean_s is not None:
            patience = self.rng.expovariate(1 / spec.patience_mean_s)
            self._push(at + timedelta(seconds=patience), "abandon", contact.id)

    def _on_abandon(self, at: datetime, key: str, _p: object) -> None:
        contact = self._contacts.get(key)
        if contact is None or contact.done or contact.agent is not None:
            return
        contact.done = True
        self._emit(ev.ContactAbandoned(at=at, contact=key))
        del self._contacts[key]

    def _on_answer(self, at: datetime, key: str, _p: object) -> None:
        contact = self._contacts[key]
        assert contact.agent is not None
        agent = self._by_id[contact.agent]
        contact.done = True
        agent.contact = key
        self._emit(ev.ContactAnswered(at=at, contact=key, agent=agent.id))
        self._state(agent, "on_contact", at, contact.queue.id)
        talk = self._lognormal(contact.queue.talk_mean_s)
        self._push(at + timedelta(seconds=talk), "talk_end", key)

    def _on_talk_end(self, at: datetime, key: str, _p: object) -> None:
        contact = self._contacts[key]
        assert contact.agent is not None
        agent = self._by_id[contact.agent]
        self._emit(ev.ContactEnded(at=at, contact=key))
        self._state(agent, "acw", at)
        long_acw = self.rng.random() < 0.04
        acw = self._lognormal(contact.queue.acw_mean_s) * (4 if long_acw else 1)
        if self.rng.random() < 0.012:
            self._escalate(contact, agent, at)
        self._push(at + timedelta(seconds=acw), "wrap_end", key)

    def _on_wrap_end(self, at: datetime, key: str, _p: object) -> None:
        contact = self._contacts.pop(key)
        assert contact.agent is not None
        agent = self._by_id[contact.agent]
        agent.contact = None
        self._emit(ev.ContactWrapped(at=at, contact=key))
        self._after_contact(agent, at)

    def _escalate(self, contact: SimContact, agent: SimAgent, at: datetime) -> None:
        self._n_escalations += 1
        kind = self.rng.choices([k for k, _ in KINDS], weights=[w for _, w in KINDS])[0]
        priority = self.rng.choices(
            [p for p, _ in PRIORITY_WEIGHTS], weights=[w for _, w in PRIORITY_WEIGHTS]
        )[0]
        amount: Decimal | None = None
        if kind == "refund":
            amount = Decimal(str(round(self.rng.uniform(20, 900), 2)))
        elif kind == "approval":
            amount = Decimal(str(round(self._lognormal(3500, 0.9), 2)))
        customer = f"{self.rng.choice(FIRST)[0]}. {self.rng.choice(LAST)}"
        self._emit(
            ev.EscalationRaised(
                at=at,
                escalation=f"e{self.token}-{self._n_escalations}",
                contact=contact.id,
                agent=agent.id,
                queue=contact.queue.id,
                priority=priority,
                kind=kind,
                reason=self.rng.choice(REASONS[kind]),
                customer=customer,
                amount=amount,
            )
        )


def _base36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if n == 0:
            return out


def simulation_begin(
    now: datetime, timezone: str, history_days: int = 0, warmup: timedelta = timedelta(hours=5)
) -> datetime:
    """Where a simulation starts so that agents are on shift ``now``: the shifts are anchored
    at ``now - warmup``, and ``history_days`` whole days before it are backfilled."""
    begin = now - warmup
    loc = when.local(begin, timezone)
    begin = when.to_utc(loc.replace(minute=(loc.minute // 30) * 30, second=0, microsecond=0))
    return begin - timedelta(days=history_days)
