"""A script following the floor while a feed writes it, as on a live floor: the simulator moves
the floor on by ``--every`` seconds between reads (its events stored as the feed stores them).

Two ways a script follows the floor, both printed as medians:
  - ``floorlead snapshot --json`` run once a poll: a new process reads the whole day each time
    (time beyond Python start-up);
  - ``floorlead snapshot --watch``: one process holds the engine; each update is what its loop
    does per change (ask what moved, read it, compute the board, write the line), measured in
    this process (target ≤ 20 ms per update).

    uv run python bench/snapshot_feed.py [--agents 300] [--queues 20] [--every 20] [--runs 60]
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from machine import print_speed

from floorlead.config import Settings
from floorlead.feeds.live import store_events
from floorlead.feeds.simulator import FloorSimulator, simulation_begin
from floorlead.reports.snapshot import snapshot_line
from floorlead.store import reader
from floorlead.store.db import open_database, resolve_target
from floorlead.store.engine import FloorEngine

NOW = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)
TZ = "America/New_York"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--agents", type=int, default=300)
    parser.add_argument("--queues", type=int, default=20)
    parser.add_argument("--every", type=int, default=20, help="floor seconds between reads")
    parser.add_argument("--runs", type=int, default=60)
    args = parser.parse_args()
    print_speed()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "floor.db"
        db = open_database(resolve_target(str(path)))
        sim = FloorSimulator(
            start=simulation_begin(NOW, TZ, 0),
            timezone=TZ,
            seed=1,
            agents=args.agents,
            queues=args.queues,
        )
        store_events(db, sim.setup_events() + sim.advance(NOW))
        with sqlite3.connect(path) as conn:
            contacts = conn.execute("SELECT count(*) FROM contact").fetchone()[0]
        print(
            f"floor: {args.agents} agents, {args.queues} queues, {contacts:,} contacts by "
            f"{NOW:%H:%M} UTC; a read every {args.every} s of the floor's time"
        )
        bare = []
        for _ in range(5):
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-c", "pass"], check=True)
            bare.append(time.perf_counter() - t0)
        watch = FloorEngine(Settings())
        with db.connect() as conn:
            watch.board(*reader.driver_of(conn), NOW)
        at, times, updates, written = NOW, [], [], 0
        for _ in range(args.runs):
            at += timedelta(seconds=args.every)
            events = sim.advance(at)
            written += len(events)
            store_events(db, events)
            cmd = [sys.executable, "-m", "floorlead", "--db", str(path), "snapshot", "--json"]
            t0 = time.perf_counter()
            subprocess.run([*cmd, "--at", at.isoformat()], check=True, capture_output=True)
            times.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            with db.connect() as conn:
                board = watch.refresh(*reader.driver_of(conn), at, complete=False)
            assert board is not None
            snapshot_line(board)
            updates.append(time.perf_counter() - t0)
        db.dispose()
    b = statistics.median(bare)
    print(
        f"snapshot --json once a poll while a feed writes ({written:,} events over {args.runs} "
        f"polls): median {(statistics.median(times) - b) * 1000:.0f} ms beyond start-up; "
        f"slowest {(max(times) - b) * 1000:.0f} ms (bare Python {b * 1000:.0f} ms)"
    )
    print(
        f"snapshot --watch, per update (target ≤ 20 ms): median "
        f"{statistics.median(updates) * 1000:.1f} ms, slowest {max(updates) * 1000:.1f} ms"
    )


if __name__ == "__main__":
    main()
