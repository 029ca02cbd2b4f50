"""A day's checkpoint plus the rows since it gives the figures of the whole day."""

from __future__ import annotations

import math
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from floorlead.domain import checkpoint as ck
from floorlead.domain import metrics as mx
from tests.test_tally import DAY, INTERVAL, contact_specs, make, minutes, same

DAY_END = DAY + timedelta(days=1)
AGENTS = ("a0", "a1", "a2")
BLOCKS = [  # gaps between blocks, overrides, a block running past every ``now`` below
    mx.ScheduleBlock(DAY, DAY + timedelta(hours=3), "work"),
    mx.ScheduleBlock(DAY + timedelta(hours=1), DAY + timedelta(hours=1, minutes=15), "break"),
    mx.ScheduleBlock(DAY + timedelta(hours=4), DAY + timedelta(hours=9), "work"),
    mx.ScheduleBlock(DAY + timedelta(hours=5), DAY + timedelta(hours=5, minutes=30), "lunch"),
]
SCHEDULE = mx.scheduled_segments(BLOCKS, DAY, DAY_END)
states = st.sampled_from(sorted(mx.ADHERENT_STATES["work"] | {"break", "lunch", "offline"}))
change_specs = st.tuples(st.sampled_from(AGENTS), st.integers(-600, 8 * 3600), states)


def histories(raw: list[tuple[str, int, str]]) -> dict[str, list[mx.StateChange]]:
    out: dict[str, list[mx.StateChange]] = {a: [] for a in AGENTS}
    for agent, s, state in sorted(raw, key=lambda r: r[1]):
        out[agent].append(mx.StateChange(DAY + timedelta(seconds=s), state))
    return out


def close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, abs_tol=1e-6)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(change_specs, max_size=30),
    st.lists(contact_specs, max_size=30),
    st.lists(minutes(5, 120).map(lambda m: timedelta(minutes=m)), min_size=1, max_size=4),
    st.integers(0, 59).map(lambda s: timedelta(seconds=s)),
    st.integers(0, 600).map(lambda s: timedelta(seconds=s)),
)
def test_a_checkpoint_moved_on_through_the_day_gives_the_whole_days_figures(
    raw_changes: list[tuple[str, int, str]],
    specs: list[tuple[int, str, int, int | None]],
    steps: list[timedelta],
    jitter: timedelta,
    lag: timedelta,
) -> None:
    changes = histories(raw_changes)
    contacts = [make("q", spec, n) for n, spec in enumerate(specs)]
    carried = {a: next((c for c in reversed(h) if c.at < DAY), None) for a, h in changes.items()}
    mark = ck.start_of_day(DAY, DAY_END, 5, carried, {"q": 20})
    now = DAY + timedelta(hours=1) + jitter
    for step in steps:
        now += step
        interval_start = DAY + INTERVAL * ((now - DAY) // INTERVAL)
        earliest = ck.earliest_window(now, DAY, interval_start, INTERVAL)
        assert mark.serves(DAY, DAY_END, 5, now, earliest, AGENTS, {"q": 20})
        since = {
            a: [c for c in h if mark.states_through <= c.at <= now] for a, h in changes.items()
        }
        for agent in AGENTS:
            whole = mx.state_segments([c for c in changes[agent] if c.at <= now], DAY, now)
            want = mx.adherence(whole, SCHEDULE, now, 180)
            got, occupancy = mark.figures(
                agent, mark.history(agent, since[agent]), SCHEDULE, now, 180
            )
            assert close(got.scheduled_s, want.scheduled_s)
            assert close(got.adherent_s, want.adherent_s)
            assert got.in_adherence_now == want.in_adherence_now
            assert close(got.wrong_for_s, want.wrong_for_s)
            assert close(occupancy, mx.occupancy(whole))
            done = [
                c
                for c in contacts
                if c.agent_id == agent
                and c.queued_at >= DAY
                and c.wrapped_at is not None
                and c.wrapped_at <= now
            ]
            later = [c for c in done if not mark.summed(c)]
            assert mark.agents[agent].handled + len(later) == len(done)
        # the day's queue figures: the checkpoint's plus those of the contacts since
        sl, before = mark.queues["q"]
        seen = [c for c in contacts if c.queued_at <= now]
        today = mx.queue_metrics(
            seen, start=DAY, end=DAY_END, now=now, sl_seconds=sl, short_abandon_s=5
        )
        rest = mx.queue_metrics(
            [c for c in seen if not mark.summed(c)],
            start=DAY,
            end=DAY_END,
            now=now,
            sl_seconds=sl,
            short_abandon_s=5,
        )
        assert same(mx.combine([before, rest]), today)
        # ... and no contact summed changes a window a snapshot counts on its own
        for c in seen:
            if mark.summed(c):
                assert c.wrapped_at is not None or c.abandoned_at is not None
                assert max(t for t in c[1:6] if t is not None) <= mark.settled_at <= earliest
            elif DAY <= c.queued_at < mark.through:
                assert c.contact_id in mark.open
        mark = ck.advance(
            mark,
            seen,
            since,
            {a: SCHEDULE for a in AGENTS},
            now,
            earliest,
            now - lag,
        )
        assert mark.through <= earliest
        assert mark.states_through <= now


def test_a_checkpoint_leaves_a_contact_still_open_out_of_its_sums() -> None:
    waiting = mx.ContactTimes("q", DAY + timedelta(minutes=10), contact_id="c-open")
    done = mx.ContactTimes(
        "q",
        DAY + timedelta(minutes=5),
        answered_at=DAY + timedelta(minutes=6),
        ended_at=DAY + timedelta(minutes=8),
        wrapped_at=DAY + timedelta(minutes=9),
        agent_id="a0",
    )
    mark = ck.start_of_day(DAY, DAY_END, 5, dict.fromkeys(AGENTS), {"q": 20})
    now = DAY + timedelta(hours=3)
    moved = ck.advance(mark, [waiting, done], {}, {}, now, now - timedelta(hours=1), now)
    assert moved.through == now - timedelta(hours=1)
    assert moved.open == {waiting.contact_id}  # still waiting: read again, not summed
    assert moved.settled_at == done.wrapped_at
    assert moved.queues["q"][1].handled == 1
    assert moved.agents["a0"].handled == 1
    # the agents and queues of another day, or other thresholds, are not served
    earliest = now - timedelta(hours=1)
    assert not moved.serves(DAY, DAY_END, 4, now, earliest, AGENTS, {"q": 20})
    assert not moved.serves(DAY, DAY_END, 5, now, earliest, AGENTS, {"q": 30})
    assert not moved.serves(DAY, DAY_END, 5, now, earliest, (*AGENTS, "a9"), {"q": 20})
    assert not moved.serves(DAY, DAY_END, 5, now, DAY + timedelta(minutes=9), AGENTS, {"q": 20})
    assert not moved.serves(DAY, DAY_END, 5, now - timedelta(seconds=1), earliest, AGENTS, {})
    assert moved.serves(DAY, DAY_END, 5, now, earliest, AGENTS, {"q": 20})
