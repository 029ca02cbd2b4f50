"""The simulated floor: deterministic under a seed, consistent, and realistic in shape."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from floorlead.domain import events as ev
from floorlead.domain.event_json import to_json
from floorlead.feeds.live import backfill
from floorlead.store.db import FloorDatabase
from floorlead.store.ingest import apply_batch
from tests.conftest import FROZEN, make_simulator


def day_of_events(seed: int, agents: int = 18) -> list[str]:
    sim = make_simulator(seed=seed, agents=agents)
    return [to_json(e) for e in sim.setup_events() + sim.advance(FROZEN + timedelta(hours=4))]


def test_same_seed_same_floor() -> None:
    assert day_of_events(11) == day_of_events(11)


def test_another_seed_another_floor() -> None:
    assert day_of_events(11) != day_of_events(12)


def test_events_come_in_time_order_and_make_sense() -> None:
    sim = make_simulator(seed=5)
    events = sim.setup_events() + sim.advance(FROZEN + timedelta(hours=6))
    stamped = [e for e in events if hasattr(e, "at")]
    times = [e.at for e in stamped]  # type: ignore[attr-defined]
    assert times == sorted(times)
    queued: dict[str, object] = {}
    answered: set[str] = set()
    for e in stamped:
        if isinstance(e, ev.ContactQueued):
            assert e.contact not in queued
            queued[e.contact] = e.at
        elif isinstance(e, ev.ContactAnswered | ev.ContactAbandoned):
            assert e.contact in queued and e.contact not in answered
            answered.add(e.contact)
        elif isinstance(e, ev.ContactEnded | ev.ContactWrapped):
            assert e.contact in answered


def test_a_day_has_the_whole_floor_in_it() -> None:
    sim = make_simulator(seed=2)
    events = sim.setup_events() + sim.advance(FROZEN + timedelta(hours=10))
    kinds = Counter(type(e).__name__ for e in events)
    assert 3 <= kinds["QueueUpsert"] <= 6
    assert kinds["AgentUpsert"] == 18
    assert kinds["ContactQueued"] > 1000
    assert kinds["ContactAbandoned"] > 10
    assert kinds["EscalationRaised"] > 5
    states = Counter(e.state for e in events if isinstance(e, ev.AgentStateChanged))
    assert states["break"] > 0 and states["lunch"] > 0 and states["acw"] > 0
    punches = Counter(e.kind for e in events if isinstance(e, ev.Punch))
    assert punches["in"] > 0 and punches["meal_start"] > 0
    channels = {e.channel for e in events if isinstance(e, ev.QueueUpsert)}
    assert channels == {"voice", "chat", "email"}
    amounts = [e.amount for e in events if isinstance(e, ev.EscalationRaised) and e.amount]
    assert amounts


def test_imperfections_show_up_over_a_few_days() -> None:
    """Missing punches and late returns are the point of a timesheet screen."""
    sim = make_simulator(seed=4, history=3)
    events = sim.setup_events() + sim.advance(FROZEN)
    reasons = Counter(e.reason for e in events if isinstance(e, ev.AgentStateChanged))
    assert reasons["logged in"] > 18 * 3
    punches = Counter(e.kind for e in events if isinstance(e, ev.Punch))
    assert punches["in"] > punches["out"]  # the odd agent forgets to clock out
    schedules = [e for e in events if isinstance(e, ev.ScheduleBlock) and e.activity == "work"]
    assert len(schedules) >= 18 * 4


def test_every_simulated_event_is_accepted_by_the_store(db: FloorDatabase) -> None:
    sim = make_simulator(seed=8)
    events = sim.setup_events() + sim.advance(FROZEN)
    with db.begin() as conn:
        outcome = apply_batch(conn, list(enumerate(events, start=1)))
    assert outcome.errors == []
    assert outcome.applied == len(events)


def test_backfill_fills_the_database(db: FloorDatabase) -> None:
    written = backfill(db, make_simulator(seed=9), FROZEN)
    with db.connect() as conn:
        contacts = conn.execute(text("SELECT count(*) FROM contact")).scalar()
        agents = conn.execute(text("SELECT count(*) FROM agent")).scalar()
    assert written > 1000 and contacts and agents == 18


@pytest.mark.parametrize("agents", [1, 1000])
def test_agent_counts_at_the_limits(agents: int) -> None:
    sim = make_simulator(agents=agents)
    events = sim.setup_events() + sim.advance(FROZEN - timedelta(hours=4, minutes=30))
    assert sum(isinstance(e, ev.AgentUpsert) for e in events) == agents
    ids = [e.agent for e in events if isinstance(e, ev.AgentUpsert)]
    assert len(set(ids)) == agents


def test_refuses_out_of_range_floors() -> None:
    with pytest.raises(ValueError, match="1 to 1,000"):
        make_simulator(agents=1001)


def test_a_simulator_run_again_after_a_crash_doubles_nothing(
    db: FloorDatabase, tmp_path: Path
) -> None:
    """`simulate` restarted (same seed, same day) sends the same events again: their ids make
    every one a duplicate, so no state change or punch is stored twice."""
    from floorlead.store.db import open_database, resolve_target
    from tests.conftest import FROZEN, make_simulator

    def counts(floor: FloorDatabase) -> tuple[int, int, int]:
        with floor.connect() as conn:
            return (
                conn.execute(text("SELECT count(*) FROM agent_state")).scalar_one(),
                conn.execute(text("SELECT count(*) FROM punch")).scalar_one(),
                conn.execute(text("SELECT count(*) FROM contact")).scalar_one(),
            )

    backfill(db, make_simulator(), FROZEN - timedelta(hours=1))  # crashed an hour ago
    backfill(db, make_simulator(), FROZEN)  # started again
    clean = open_database(resolve_target(str(tmp_path / "clean.db")))
    try:
        backfill(clean, make_simulator(), FROZEN)  # one run, never stopped
        assert counts(db) == counts(clean) and all(counts(clean))
    finally:
        clean.dispose()
