"""The floor's running engine must always equal the definitions over a full read of the day."""

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
from floorlead.store import reader
from floorlead.store.db import open_database, resolve_target
from floorlead.store.engine import FloorEngine
from tests.conftest import FROZEN, make_simulator
from tests.reference import reference_snapshot


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
    live = FloorEngine(floor_settings, clock=lambda: 0.0)  # never the periodic re-read
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
            incremental = live.snapshot(*reader.driver_of(conn), now)
            full = reference_snapshot(conn, floor_settings, now)
        assert difference(incremental, full) is None
    with db.connect() as conn:  # back in time (snapshot --at): counted again, still equal
        earlier = now - timedelta(minutes=rng.randrange(1, 240))
        back = live.snapshot(*reader.driver_of(conn), earlier)
        assert difference(back, reference_snapshot(conn, floor_settings, earlier)) is None
    assert live.rebuilds == 1 + (now.date() != (FROZEN - timedelta(hours=3)).date())


def test_live_floor_rereads_when_the_day_turns_and_on_schedule(db: object) -> None:
    from floorlead.store.db import FloorDatabase

    assert isinstance(db, FloorDatabase)
    sim = make_simulator(agents=6)
    now = FROZEN
    store_events(db, sim.setup_events() + sim.advance(now))
    ticks = [0.0]
    live = FloorEngine(Settings(), clock=lambda: ticks[0])
    with db.connect() as conn:
        live.snapshot(*reader.driver_of(conn), now)
        ticks[0] = 30.0
        live.snapshot(*reader.driver_of(conn), now + timedelta(seconds=5))
        assert live.rebuilds == 1
        ticks[0] = 61.0  # REBUILD_S passed: read everything again
        live.snapshot(*reader.driver_of(conn), now + timedelta(seconds=10))
        assert live.rebuilds == 2
        tomorrow = now + timedelta(days=1)
        assert live.snapshot(*reader.driver_of(conn), tomorrow) == reference_snapshot(
            conn, Settings(), tomorrow
        )
        assert live.rebuilds == 3


def test_live_floor_sees_definitions_edited_in_place(db: object) -> None:
    """An upsert rewrites an agent or a queue row in place, a schedule block is added: the
    next tick shows both."""
    from floorlead.store.db import FloorDatabase

    assert isinstance(db, FloorDatabase)
    sim = make_simulator(agents=4)
    now = FROZEN
    store_events(db, sim.setup_events() + sim.advance(now))
    live = FloorEngine(Settings(), clock=lambda: 0.0)
    with db.connect() as conn:
        before = live.snapshot(*reader.driver_of(conn), now)
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
        after = live.snapshot(*reader.driver_of(conn), now + timedelta(seconds=1))
        full = reference_snapshot(conn, Settings(), now + timedelta(seconds=1))
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
def test_the_board_read_through_sqlite3_alone_equals_the_definitions(
    tmp_path_factory: object, seed: int, hours: float, back: int, day_start: str
) -> None:
    """``snapshot`` and the TUI's first board read a floor file through the sqlite3 driver
    alone (``engine.file_board``); its queues and agents are the definitions', at any instant
    of a simulated floor."""
    from floorlead.config import FloorSettings
    from floorlead.store.engine import file_board

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
            full = reference_snapshot(conn, floor_settings, at)
        quick = file_board(FloorEngine(floor_settings), path, at)
        assert quick is not None and not quick.complete
        assert full.queues and full.agents
        assert difference(quick.queues, full.queues) is None
        assert difference(quick.agents, full.agents) is None
        assert (quick.day_start, quick.interval_start) == (full.day_start, full.interval_start)
    finally:
        db.dispose()


def test_a_file_at_an_older_schema_is_not_read_through_sqlite3(tmp_path: Any) -> None:
    import sqlite3

    import pytest

    path = tmp_path / "floor.db"
    open_database(resolve_target(str(path))).dispose()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0006'")
    with pytest.raises(reader.NotReady):
        reader.open_file(path)
    with pytest.raises(reader.NotReady):
        reader.open_file(tmp_path / "missing.db")


def _first_waiting(db: Any) -> tuple[str, str, str]:
    """A floor with one contact waiting: (agent, its queue, the contact)."""
    sim = make_simulator(agents=4)
    store_events(db, sim.setup_events() + sim.advance(FROZEN))
    queue = next(e.queue for e in sim.setup_events() if isinstance(e, ev.QueueUpsert))
    agent = next(e.agent for e in sim.setup_events() if isinstance(e, ev.AgentUpsert))
    store_events(db, [ev.ContactQueued(at=FROZEN, contact="token-1", queue=queue)])
    return agent, queue, "token-1"


def _writes(agent: str, contact: str, queue: str) -> list[tuple[str, ev.Event]]:
    """Writes the board must show that no new row id announces: an update in place, a new
    schedule block, a definition edited in place."""
    return [
        ("a contact answered", ev.ContactAnswered(at=FROZEN, contact=contact, agent=agent)),
        (
            "a schedule block added",
            ev.ScheduleBlock(
                agent=agent,
                start=FROZEN - timedelta(minutes=1),
                end=FROZEN + timedelta(hours=1),
                activity="training",
            ),
        ),
        (
            "an SL target changed",
            ev.QueueUpsert(
                queue=queue, name="Renamed", channel="chat", sl_target=ev.SlTarget(90, 30)
            ),
        ),
    ]


def engine_notices_every_write(db: Any) -> None:
    """The engine's marks are the floor's one change token: nothing written, nothing to show;
    each kind of write, a fresh board equal to the definitions."""
    agent, queue, contact = _first_waiting(db)
    engine = FloorEngine(Settings(), clock=lambda: 0.0)
    with db.connect() as conn:
        assert engine.refresh(*reader.driver_of(conn), FROZEN) is not None  # the first read
        assert engine.refresh(*reader.driver_of(conn), FROZEN) is None  # nothing written
    for what, event in _writes(agent, contact, queue):
        store_events(db, [event])
        with db.connect() as conn:
            seen = engine.refresh(*reader.driver_of(conn), FROZEN + timedelta(seconds=1))
            assert seen is not None, f"{what} did not move the change token"
            assert difference(seen, reference_snapshot(conn, Settings(), seen.taken_at)) is None
    assert engine.rebuilds == 1  # seen by the marks, not by a periodic re-read


def test_the_engine_notices_every_kind_of_write(db: Any) -> None:
    engine_notices_every_write(db)


async def writes_reach_the_screen_at_the_next_poll(db: Any) -> None:
    """The TUI polls the engine: each write shows at the next poll (no periodic re-read)."""
    from floorlead.tui.app import FloorleadApp

    agent, queue, contact = _first_waiting(db)
    app = FloorleadApp(db, Settings(), clock=lambda: FROZEN)

    def agent_of(s: Any) -> Any:
        return next(a for a in s.agents if a.id == agent)

    shows = {
        "a contact answered": lambda s: agent_of(s).contact_id == contact,
        "a schedule block added": lambda s: agent_of(s).scheduled_now == "training",
        "an SL target changed": lambda s: (
            next(q for q in s.queues if q.id == queue).sl_target == "90/30"
        ),
    }
    async with app.run_test() as pilot:
        for _ in range(200):
            await pilot.pause(0.05)
            if app.snapshot is not None and app.snapshot.complete:
                break
        for what, event in _writes(agent, contact, queue):
            snap = app.snapshot
            assert snap is not None and not shows[what](snap), what
            loads = app.loads
            store_events(db, [event])
            for _ in range(200):  # the next poll, however long a loaded machine takes
                await pilot.pause(0.05)
                if app.loads > loads:
                    break
            assert app.snapshot is not None and shows[what](app.snapshot), f"{what}: not shown"


async def test_writes_reach_the_screen_at_the_next_poll(db: Any) -> None:
    await writes_reach_the_screen_at_the_next_poll(db)
