"""The live floor's running tallies against the plain definitions, refresh after refresh."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from floorlead.domain import metrics as mx
from floorlead.domain.tally import AgentTally, FloorTally

DAY = datetime(2026, 11, 23, 11, tzinfo=UTC)  # the floor's day began here
INTERVAL = timedelta(minutes=30)

# Whole minutes, so that moments often fall exactly on step, interval and refresh boundaries.
minutes = st.integers
contact_specs = st.tuples(
    minutes(-60, 240).map(lambda m: m * 60),  # queued, after the day began (some carried in)
    st.sampled_from(["answered", "abandoned", "waiting"]),
    st.one_of(  # seconds waited: a few, minutes, or over the trend line's hour
        st.integers(0, 30),
        minutes(0, 15).map(lambda m: m * 60),
        minutes(50, 180).map(lambda m: m * 60),
    ),
    st.one_of(st.none(), minutes(1, 15).map(lambda m: m * 60)),  # talk + wrap-up, if finished
)


def make(queue: str, spec: tuple[int, str, int, int | None], n: int) -> mx.ContactTimes:
    queued_s, fate, wait, handle = spec
    queued = DAY + timedelta(seconds=queued_s)
    gone = queued + timedelta(seconds=wait)
    answered = gone if fate == "answered" else None
    wrapped = answered + timedelta(seconds=handle) if answered and handle else None
    return mx.ContactTimes(
        queue,
        queued,
        answered_at=answered,
        abandoned_at=gone if fate == "abandoned" else None,
        wrapped_at=wrapped,
        agent_id=f"a{n % 3}" if answered else None,
        contact_id=f"c{n}",
    )


def same(a: mx.QueueMetrics, b: mx.QueueMetrics) -> bool:
    ints = [f for f in a.__dataclass_fields__ if isinstance(getattr(a, f), int)]
    floats = ["queue_time_answered_s", "handle_time_s"]
    return all(getattr(a, f) == getattr(b, f) for f in ints) and all(
        math.isclose(getattr(a, f), getattr(b, f), abs_tol=1e-6) for f in floats
    )


@settings(max_examples=150, deadline=None)
@given(
    st.lists(contact_specs, max_size=40),
    st.lists(
        st.tuples(minutes(1, 20).map(lambda m: m * 60), st.one_of(st.none(), contact_specs)),
        max_size=12,
    ),
)
def test_queue_tally_equals_the_definitions_as_time_moves_and_contacts_change(
    initial: list[tuple[int, str, int, int | None]],
    steps: list[tuple[int, tuple[int, str, int, int | None] | None]],
) -> None:
    floor = FloorTally(DAY, {"q": 20}, 5)
    contacts: dict[str, mx.ContactTimes] = {}
    for n, spec in enumerate(initial):
        contacts[f"c{n}"] = make("q", spec, n)
        floor.put(f"c{n}", n, contacts[f"c{n}"])
    now = DAY + timedelta(hours=1)
    for k, (step_s, change) in enumerate(steps):
        now += timedelta(seconds=step_s)
        if change is not None and contacts:  # a contact rewritten (a vendor record), or new
            n = k % (len(contacts) + 1)
            cid = f"c{n}"
            contacts[cid] = make("q", change, n)
            floor.put(cid, n, contacts[cid])
        tally = floor.queue("q", 20)
        everyone = sorted(contacts.values(), key=lambda c: (c.queued_at, int(c.contact_id[1:])))
        for start, end in [
            (DAY, DAY + timedelta(days=1)),
            (
                DAY + INTERVAL * ((now - DAY) // INTERVAL),
                DAY + INTERVAL * ((now - DAY) // INTERVAL + 1),
            ),
        ]:
            want = mx.queue_metrics(
                everyone, start=start, end=end, now=now, sl_seconds=20, short_abandon_s=5
            )
            assert same(tally.window(start, end, now), want)
        recent = mx.queue_metrics(
            everyone,
            start=now - INTERVAL,
            end=now + timedelta(seconds=1),
            now=now,
            sl_seconds=20,
            short_abandon_s=5,
        )
        assert tally.recent_offered(now, INTERVAL) == recent.offered
        assert tally.waiting_now(now) == mx.waiting_now(everyone, now)
        assert tally.trend(now) == mx.trend(
            everyone, now=now, origin=DAY, sl_seconds=20, short_abandon_s=5
        )
        calls, handled = floor.calls(now)
        for agent in ("a0", "a1", "a2"):
            mine = [c for c in everyone if c.agent_id == agent and c.answered_at <= now]  # type: ignore[operator]
            busy = [c for c in mine if c.wrapped_at is None or c.wrapped_at > now]
            done = [c for c in mine if c not in busy and c.queued_at >= DAY]
            assert calls.get(agent) == (busy[-1] if busy else None)
            assert handled.get(agent, 0) == len(done)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(-600, 6 * 3600),
            st.sampled_from(
                sorted(mx.ADHERENT_STATES["work"] | {"break", "lunch", "offline", "meeting"})
            ),
        ),
        max_size=8,
    ),
    st.lists(
        st.one_of(minutes(1, 40).map(lambda m: m * 60), st.integers(1, 90)),
        min_size=1,
        max_size=16,
    ),
)
def test_agent_tally_equals_adherence_and_occupancy(
    raw_changes: list[tuple[int, str]], steps: list[int]
) -> None:
    changes = sorted(
        (mx.StateChange(DAY + timedelta(seconds=s), state) for s, state in raw_changes),
        key=lambda c: c.at,
    )
    blocks = [  # gaps between blocks: a block may end with nothing after it
        mx.ScheduleBlock(DAY, DAY + timedelta(hours=3), "work"),
        mx.ScheduleBlock(DAY + timedelta(hours=1), DAY + timedelta(hours=1, minutes=15), "break"),
        mx.ScheduleBlock(DAY + timedelta(hours=4), DAY + timedelta(hours=6), "work"),
        mx.ScheduleBlock(DAY + timedelta(hours=5), DAY + timedelta(hours=5, minutes=30), "lunch"),
    ]
    day_end = DAY + timedelta(days=1)
    schedule = mx.scheduled_segments(blocks, DAY, day_end)
    tally = AgentTally()
    now = DAY
    history: list[mx.StateChange] = []
    for step in steps:
        now += timedelta(seconds=step)
        seen = [c for c in changes if c.at <= now]
        if seen != history:  # the live floor hands in the same list while nothing changed
            history = seen
        adherence, occupancy = tally.figures(history, schedule, DAY, now, 180)
        segs = mx.state_segments(history, DAY, now)
        want = mx.adherence(segs, schedule, now, 180)
        assert math.isclose(adherence.scheduled_s, want.scheduled_s, abs_tol=1e-6)
        assert math.isclose(adherence.adherent_s, want.adherent_s, abs_tol=1e-6)
        assert adherence.in_adherence_now == want.in_adherence_now
        assert math.isclose(adherence.wrong_for_s, want.wrong_for_s, abs_tol=1e-6)
        want_occupancy = mx.occupancy(segs)
        assert (occupancy is None) == (want_occupancy is None)
        if occupancy is not None and want_occupancy is not None:
            assert math.isclose(occupancy, want_occupancy, abs_tol=1e-9)


def test_a_long_wait_ending_mid_step_shows_on_the_next_refresh() -> None:
    """The trend line is kept between refreshes; a contact queued two hours ago (outside the
    line's hour) that is answered within the running step must still leave it."""
    floor = FloorTally(DAY, {"q": 20}, 5)
    now = DAY + timedelta(hours=3, minutes=1)
    waited = mx.ContactTimes(
        "q", now - timedelta(hours=2), answered_at=now + timedelta(seconds=30), contact_id="c1"
    )
    floor.put("c1", 1, waited)
    tally = floor.queue("q", 20)
    assert tally.trend(now).waiting[-1] == 1
    later = now + timedelta(minutes=1)  # the same 5-minute step
    assert tally.trend(later).waiting[-1] == 0
    assert tally.trend(later) == mx.trend(
        [waited], now=later, origin=DAY, sl_seconds=20, short_abandon_s=5
    )
