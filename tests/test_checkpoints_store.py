"""Floor checkpoints in the SQLite file: the quick snapshot that uses one equals the full
read, and any write into the day they sum drops them (migration 0009's triggers)."""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from floorlead.config import FloorSettings, Settings
from floorlead.domain import events as ev
from floorlead.feeds.live import store_events
from floorlead.feeds.simulator import FloorSimulator
from floorlead.store import plain
from floorlead.store.db import FloorDatabase, open_database, resolve_target
from floorlead.store.floor import floor_snapshot
from tests.conftest import FROZEN, make_simulator
from tests.test_live import difference


@contextmanager
def simulated_floor(path: Path, seed: int) -> Iterator[tuple[FloorDatabase, FloorSimulator]]:
    """A floor file at ``path`` holding a simulated day of six agents up to FROZEN."""
    db = open_database(resolve_target(str(path)))
    try:
        sim = make_simulator(seed=seed, agents=6)
        store_events(db, sim.setup_events() + sim.advance(FROZEN))
        yield db, sim
    finally:
        db.dispose()


def kept(path: Path) -> list[tuple[str, str, str]]:
    with sqlite3.connect(path) as conn:
        return conn.execute(
            "SELECT day_start, through, states_through FROM floor_checkpoint"
        ).fetchall()


def assert_the_full_reads_board(db: Any, path: Path, floor_settings: Settings, now: Any) -> None:
    """The quick path's board at ``now`` (keeping or using the checkpoint) is the full read's."""
    quick = plain.board_at(path, floor_settings, now)
    with db.connect() as conn:
        full = floor_snapshot(conn, floor_settings, now)
    assert quick is not None
    assert difference(quick.queues, full.queues) is None
    assert difference(quick.agents, full.agents) is None


@settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    seed=st.integers(1, 10_000),
    start=st.floats(2, 20),
    steps=st.lists(st.sampled_from([30, 200, 420, 900, 2400]), min_size=6, max_size=14),
    day_start=st.sampled_from(["00:00", "06:00"]),
)
def test_snapshots_through_a_kept_checkpoint_equal_the_full_read(
    tmp_path_factory: Any, seed: int, start: float, steps: list[int], day_start: str
) -> None:
    """The floor moves on between snapshots (as a feed writes it); each ``snapshot --json``
    keeps a checkpoint that the next one starts from."""
    path = tmp_path_factory.mktemp("kept") / "floor.db"
    db = open_database(resolve_target(str(path)))
    try:
        sim = make_simulator(seed=seed % 7 + 1, agents=8, history=2)
        now = FROZEN - timedelta(hours=36) + timedelta(hours=start)
        store_events(db, sim.setup_events() + sim.advance(now))
        floor_settings = dataclasses.replace(
            Settings(), floor=FloorSettings(timezone="America/New_York", day_start=day_start)
        )
        used = 0
        for step in steps:
            now += timedelta(seconds=step)
            store_events(db, sim.advance(now))
            before = kept(path)
            assert_the_full_reads_board(db, path, floor_settings, now)
            used += bool(before)
        assert kept(path), "no checkpoint was ever kept"
        assert used >= len(steps) // 2
    finally:
        db.dispose()


def test_writing_into_the_day_a_checkpoint_sums_drops_it(tmp_path: Path) -> None:
    path = tmp_path / "floor.db"
    with simulated_floor(path, seed=2) as (db, sim):
        settings_ = Settings()
        agent = next(e.agent for e in sim.setup_events() if isinstance(e, ev.AgentUpsert))
        queue = next(e.queue for e in sim.setup_events() if isinstance(e, ev.QueueUpsert))

        def keep() -> None:
            assert plain.board_at(path, settings_, FROZEN) is not None
            assert kept(path), "the snapshot kept no checkpoint"

        early = FROZEN - timedelta(hours=3)
        # what comes after the checkpoint leaves it alone
        keep()
        store_events(
            db,
            [
                ev.ContactQueued(at=FROZEN, contact="late-1", queue=queue),
                ev.AgentStateChanged(at=FROZEN, agent=agent, state="break"),
            ],
        )
        assert kept(path)
        # a contact queued before it (new, answered late, rewritten by a vendor record), a
        # state change before it, a schedule block over it: from the feed, in one batch
        with sqlite3.connect(path) as conn:
            (old, old_queue, queued), (done, _queue, wrapped) = conn.execute(
                "SELECT id, queue_id, wrapped_at || '+00:00' FROM contact "
                "WHERE wrapped_at IS NOT NULL AND queued_at < ? ORDER BY queued_at DESC LIMIT 2",
                (early.strftime("%Y-%m-%d %H:%M:%S"),),
            ).fetchall()
        queued_at = datetime.fromisoformat(queued) - timedelta(minutes=10)
        for events in (
            [ev.ContactQueued(at=early, contact="late-2", queue=queue)],
            [  # a late wrap-up of a contact long finished
                ev.ContactWrapped(
                    at=datetime.fromisoformat(wrapped) + timedelta(seconds=1), contact=done
                )
            ],
            [
                ev.ContactRecord(
                    updated=FROZEN,
                    contact=old,
                    queue=old_queue,
                    queued_at=queued_at,
                    abandoned_at=queued_at + timedelta(seconds=30),
                )
            ],
            [ev.AgentStateChanged(at=early, agent=agent, state="lunch")],
            [
                ev.ScheduleBlock(
                    agent=agent,
                    start=early,
                    end=early + timedelta(minutes=15),
                    activity="meeting",
                )
            ],
        ):
            keep()
            store_events(db, events)
            assert not kept(path), f"{events} left the checkpoint in place"
        # a contact the checkpoint left open (queued before it, not finished) is read again
        # by every snapshot: its ending leaves the checkpoint in place
        keep()
        with sqlite3.connect(path) as conn:
            (open_ids,) = conn.execute("SELECT open_ids FROM floor_checkpoint").fetchone()
        assert "late-2" in open_ids
        store_events(db, [ev.ContactAbandoned(at=early + timedelta(minutes=9), contact="late-2")])
        assert kept(path)
        assert_the_full_reads_board(db, path, settings_, FROZEN)
        # ... and by any other writer, for the rarer writes
        for sql in (
            "UPDATE agent_state SET state = 'break' WHERE at < ?",
            "DELETE FROM contact WHERE queued_at < ? AND id = (SELECT min(id) FROM contact)",
        ):
            keep()
            with sqlite3.connect(path) as conn:
                conn.execute("PRAGMA foreign_keys = OFF")
                conn.execute(sql, (early.strftime("%Y-%m-%d %H:%M:%S"),))
            assert not kept(path), f"{sql} left the checkpoint in place"
        # and the answer is still the full read's
        assert_the_full_reads_board(db, path, settings_, FROZEN)


def test_a_snapshot_earlier_in_the_day_leaves_the_newer_checkpoint(tmp_path: Path) -> None:
    path = tmp_path / "floor.db"
    with simulated_floor(path, seed=4):
        plain.board_at(path, Settings(), FROZEN)
        newest = kept(path)
        assert newest
        plain.board_at(path, Settings(), FROZEN - timedelta(hours=2))
        assert kept(path) == newest


def test_a_floor_a_feed_is_writing_is_still_read(tmp_path: Path) -> None:
    """Keeping a checkpoint is best effort and never waits: with the write lock held by a
    feed, the snapshot is read and nothing is kept."""
    path = tmp_path / "floor.db"
    with simulated_floor(path, seed=5), sqlite3.connect(path) as conn:
        conn.execute("BEGIN IMMEDIATE")  # a feed holds the write lock
        snap = plain.board_at(path, Settings(), FROZEN)
        conn.rollback()
    assert snap is not None and snap.agents
    assert not kept(path)


def test_a_floor_in_a_folder_this_user_may_only_read_is_still_read(tmp_path: Path) -> None:
    import os

    import pytest

    if os.geteuid() == 0:
        pytest.skip("root can write read-only files")
    path = tmp_path / "floor.db"
    with simulated_floor(path, seed=6):
        pass
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA journal_mode = DELETE")  # no -wal/-shm files left to need
    path.chmod(0o444)
    tmp_path.chmod(0o555)
    try:
        snap = plain.board_at(path, Settings(), FROZEN)
        assert snap is not None and snap.agents
    finally:
        tmp_path.chmod(0o755)
        path.chmod(0o644)


def test_a_floor_that_cannot_be_opened_for_writing_is_read_without_keeping(
    tmp_path: Path, monkeypatch: Any
) -> None:
    """As root (CI) file modes do not stop writes: the open refused for writing, simulated."""
    path = tmp_path / "floor.db"
    with simulated_floor(path, seed=7):
        pass
    opened = plain.connect

    def read_only(where: Path, write: bool = False) -> sqlite3.Connection:
        if write:
            raise plain.NotPlain("attempt to write a readonly database")
        return opened(where)

    monkeypatch.setattr(plain, "connect", read_only)
    snap = plain.board_at(path, Settings(), FROZEN)
    assert snap is not None and snap.agents
    assert not kept(path)


def test_a_checkpoint_stays_behind_the_feeds_reorder_window(tmp_path: Path) -> None:
    """A feed holds events up to ``[feeds] reorder_window_s`` to put them in order: the
    checkpoint's states stop before that, so those events never arrive behind it."""
    base = Settings()
    held = dataclasses.replace(base, feeds=dataclasses.replace(base.feeds, reorder_window_s=600))
    path = tmp_path / "floor.db"
    with simulated_floor(path, seed=8):
        plain.board_at(path, held, FROZEN)
        [(_day, _through, states_through)] = kept(path)
    assert datetime.fromisoformat(states_through + "+00:00") <= FROZEN - timedelta(minutes=12)
