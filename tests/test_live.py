"""The refresh worker's in-memory floor must always equal a full read of the database."""

from __future__ import annotations

import dataclasses
import math
import random
from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from floorlead.config import Settings
from floorlead.domain import events as ev
from floorlead.feeds.live import store_events
from floorlead.store.db import open_database, resolve_target
from floorlead.store.floor import floor_snapshot
from floorlead.store.live import LiveFloor
from tests.conftest import FROZEN, make_simulator


def difference(a: Any, b: Any, path: str = "snapshot") -> str | None:
    """Where two snapshots differ, or None. Seconds summed in another order may differ in the
    last bits of a float, so floats are compared to a billionth."""
    if dataclasses.is_dataclass(a) and dataclasses.is_dataclass(b):
        if type(a) is not type(b):
            return f"{path}: {type(a).__name__} != {type(b).__name__}"
        for f in dataclasses.fields(a):
            found = difference(getattr(a, f.name), getattr(b, f.name), f"{path}.{f.name}")
            if found:
                return found
        return None
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        if len(a) != len(b):
            return f"{path}: {len(a)} items != {len(b)}"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            found = difference(x, y, f"{path}[{i}]")
            if found:
                return found
        return None
    if isinstance(a, float) and isinstance(b, float):
        return None if math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9) else f"{path}: {a} != {b}"
    return None if a == b else f"{path}: {a!r} != {b!r}"


def test_difference_sees_a_changed_figure() -> None:
    from floorlead.domain.metrics import QueueMetrics

    assert (
        difference(QueueMetrics(handle_time_s=0.1 + 0.2), QueueMetrics(handle_time_s=0.3)) is None
    )
    assert difference(QueueMetrics(offered=1), QueueMetrics(offered=2)) == (
        "snapshot.offered: 1 != 2"
    )
    assert difference((1.0,), (1.001,)) == "snapshot[0]: 1.0 != 1.001"


@settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    seed=st.integers(1, 10_000),
    steps=st.lists(st.sampled_from([1, 9, 45, 300, 1800]), min_size=8, max_size=20),
)
def test_live_floor_equals_floor_snapshot_tick_after_tick(
    tmp_path_factory: object, seed: int, steps: list[int]
) -> None:
    path = tmp_path_factory.mktemp("live") / "floor.db"  # type: ignore[attr-defined]
    db = open_database(resolve_target(str(path)))
    try:
        live_equals_floor_snapshot_tick_after_tick(db, seed, steps)
    finally:
        db.dispose()


def live_equals_floor_snapshot_tick_after_tick(db: Any, seed: int, steps: list[int]) -> None:
    """A simulated floor moving on (with late state changes now and then): the live floor's
    snapshot equals a full read at every tick, and after a step back in time."""
    sim = make_simulator(seed=seed % 7 + 1, agents=10)
    now = FROZEN - timedelta(hours=3)
    store_events(db, sim.setup_events() + sim.advance(now))
    floor_settings = Settings()
    live = LiveFloor(floor_settings, clock=lambda: 0.0)  # never the periodic re-read
    rng = random.Random(seed)
    agents = sorted({e.agent for e in sim.setup_events() if isinstance(e, ev.AgentUpsert)})
    for step in steps:
        now += timedelta(seconds=step)
        events = sim.advance(now)
        if rng.random() < 0.3:  # a late event: an earlier state change arriving now
            late = now - timedelta(seconds=rng.randrange(1, 600))
            events.append(ev.AgentStateChanged(at=late, agent=rng.choice(agents), state="meeting"))
        store_events(db, events)
        with db.connect() as conn:
            incremental = live.snapshot(conn, now)
            full = floor_snapshot(conn, floor_settings, now)
        assert difference(incremental, full) is None
    with db.connect() as conn:  # back in time (snapshot --at): counted again, still equal
        earlier = now - timedelta(minutes=rng.randrange(1, 240))
        back = live.snapshot(conn, earlier)
        assert difference(back, floor_snapshot(conn, floor_settings, earlier)) is None
    assert live.rebuilds == 1 + (now.date() != (FROZEN - timedelta(hours=3)).date())


def test_live_floor_rereads_when_the_day_turns_and_on_schedule(db: object) -> None:
    from floorlead.store.db import FloorDatabase

    assert isinstance(db, FloorDatabase)
    sim = make_simulator(agents=6)
    now = FROZEN
    store_events(db, sim.setup_events() + sim.advance(now))
    ticks = [0.0]
    live = LiveFloor(Settings(), clock=lambda: ticks[0])
    with db.connect() as conn:
        live.snapshot(conn, now)
        ticks[0] = 30.0
        live.snapshot(conn, now + timedelta(seconds=5))
        assert live.rebuilds == 1
        ticks[0] = 61.0  # REBUILD_S passed: read everything again
        live.snapshot(conn, now + timedelta(seconds=10))
        assert live.rebuilds == 2
        tomorrow = now + timedelta(days=1)
        assert live.snapshot(conn, tomorrow) == floor_snapshot(conn, Settings(), tomorrow)
        assert live.rebuilds == 3


def test_live_floor_sees_definitions_edited_in_place(db: object) -> None:
    """An upsert rewrites an agent or a queue row in place, a schedule block is added: the
    next tick shows both."""
    from floorlead.store.db import FloorDatabase

    assert isinstance(db, FloorDatabase)
    sim = make_simulator(agents=4)
    now = FROZEN
    store_events(db, sim.setup_events() + sim.advance(now))
    live = LiveFloor(Settings(), clock=lambda: 0.0)
    with db.connect() as conn:
        before = live.snapshot(conn, now)
    agent = before.agents[0]
    queue = before.queues[0]
    store_events(
        db,
        [
            ev.AgentUpsert(agent=agent.id, name="Zora Renamed", team="Night", queues=(queue.id,)),
            ev.QueueUpsert(
                queue=queue.id, name=queue.name, channel="chat", sl_target=ev.SlTarget(90, 30)
            ),
            ev.ScheduleBlock(
                agent=agent.id,
                start=now - timedelta(minutes=1),
                end=now + timedelta(minutes=30),
                activity="training",
            ),
        ],
    )
    with db.connect() as conn:
        after = live.snapshot(conn, now + timedelta(seconds=1))
        full = floor_snapshot(conn, Settings(), now + timedelta(seconds=1))
    renamed = next(a for a in after.agents if a.id == agent.id)
    assert (renamed.name, renamed.team, renamed.queues) == ("Zora Renamed", "Night", (queue.id,))
    assert renamed.scheduled_now == "training"  # a new schedule block, seen by its id
    edited = next(q for q in after.queues if q.id == queue.id)
    assert (edited.channel, edited.sl_target) == ("chat", "90/30")
    assert difference(after, full) is None
    assert live.rebuilds == 1  # seen by the tick, not by a periodic re-read


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    seed=st.integers(1, 10_000),
    hours=st.floats(0.1, 30),
    back=st.integers(0, 36 * 60),
    day_start=st.sampled_from(["00:00", "06:00"]),
)
def test_the_quick_snapshot_path_equals_floor_snapshot(
    tmp_path_factory: object, seed: int, hours: float, back: int, day_start: str
) -> None:
    """``snapshot --json`` on SQLite reads through the sqlite3 driver alone (``store.plain``);
    its queues and agents are those of the full read, at any instant of a simulated floor."""
    from floorlead.config import FloorSettings
    from floorlead.store import plain

    path = tmp_path_factory.mktemp("plain") / "floor.db"  # type: ignore[attr-defined]
    db = open_database(resolve_target(str(path)))
    try:
        sim = make_simulator(seed=seed % 7 + 1, agents=8, history=2)
        end = FROZEN - timedelta(hours=36) + timedelta(hours=hours)
        store_events(db, sim.setup_events() + sim.advance(end))
        floor_settings = dataclasses.replace(
            Settings(), floor=FloorSettings(timezone="America/New_York", day_start=day_start)
        )
        at = end - timedelta(minutes=back)
        with db.connect() as conn:
            full = floor_snapshot(conn, floor_settings, at)
        conn = plain.connect(path)
        try:
            quick = plain.board_snapshot(conn, floor_settings, at)
        finally:
            conn.close()
        assert full.queues and full.agents
        assert difference(quick.queues, full.queues) is None
        assert difference(quick.agents, full.agents) is None
        assert (quick.day_start, quick.interval_start) == (full.day_start, full.interval_start)
    finally:
        db.dispose()


def test_the_quick_path_declines_an_older_schema(tmp_path: Any) -> None:
    import sqlite3

    import pytest

    from floorlead.store import plain

    path = tmp_path / "floor.db"
    open_database(resolve_target(str(path))).dispose()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0006'")
    with pytest.raises(plain.NotPlain):
        plain.connect(path)
    with pytest.raises(plain.NotPlain):
        plain.connect(tmp_path / "missing.db")
