"""`floorlead snapshot --json` polled by a script while a feed writes the floor, as on a live
floor: the simulator moves the floor on by ``--every`` seconds between snapshots (its events
stored as the feed stores them), and each snapshot is taken at the floor's new instant.

Prints the median process time beyond Python start-up, and how many snapshots found the
floor's checkpoint in place (the others read the whole day and keep a new one).

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

from floorlead.feeds.live import store_events
from floorlead.feeds.simulator import FloorSimulator, simulation_begin
from floorlead.store.db import open_database, resolve_target

NOW = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)
TZ = "America/New_York"


def kept(path: Path) -> bool:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT count(*) FROM floor_checkpoint").fetchone()[0] > 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--agents", type=int, default=300)
    parser.add_argument("--queues", type=int, default=20)
    parser.add_argument("--every", type=int, default=20, help="floor seconds between snapshots")
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
            f"{NOW:%H:%M} UTC; a snapshot every {args.every} s of the floor's time"
        )
        bare = []
        for _ in range(5):
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-c", "pass"], check=True)
            bare.append(time.perf_counter() - t0)
        at, times, found, written = NOW, [], 0, 0
        for _ in range(args.runs):
            at += timedelta(seconds=args.every)
            events = sim.advance(at)
            written += len(events)
            store_events(db, events)
            found += kept(path)
            cmd = [sys.executable, "-m", "floorlead", "--db", str(path), "snapshot", "--json"]
            t0 = time.perf_counter()
            subprocess.run([*cmd, "--at", at.isoformat()], check=True, capture_output=True)
            times.append(time.perf_counter() - t0)
        db.dispose()
    b = statistics.median(bare)
    print(
        f"snapshot --json while a feed writes ({written:,} events over {args.runs} snapshots): "
        f"median {(statistics.median(times) - b) * 1000:.0f} ms beyond start-up; "
        f"{found} of {args.runs} found the floor's checkpoint in place; slowest "
        f"{(max(times) - b) * 1000:.0f} ms (bare Python {b * 1000:.0f} ms)"
    )


if __name__ == "__main__":
    main()
