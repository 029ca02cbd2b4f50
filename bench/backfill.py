"""Simulator backfill throughput: events generated and stored per second (the path
`floorlead demo --history` and `floorlead simulate` take). Prints medians of N runs.

    uv run python bench/backfill.py [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from floorlead.feeds.live import backfill
from floorlead.feeds.simulator import FloorSimulator, simulation_begin
from floorlead.store.db import open_database, resolve_target

NOW = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)
CASES = ((18, 7, "18 agents, 7 days of history"), (1000, 0, "1,000 agents, 5 hours"))


def one(agents: int, days: int) -> tuple[int, float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        db = open_database(resolve_target(str(Path(tmp) / "b.db")))
        sim = FloorSimulator(
            start=simulation_begin(NOW, "America/New_York", days),
            timezone="America/New_York",
            seed=1,
            agents=agents,
        )
        t0 = time.perf_counter()
        probe = FloorSimulator(start=sim.now, timezone="America/New_York", seed=1, agents=agents)
        generated = len(probe.setup_events()) + len(probe.advance(NOW))
        sim_only = time.perf_counter() - t0
        t1 = time.perf_counter()
        written = backfill(db, sim, NOW)
        total = time.perf_counter() - t1
        db.dispose()
        assert written == generated
        return written, sim_only, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    for agents, days, label in CASES:
        results = [one(agents, days) for _ in range(args.runs)]
        events = results[0][0]
        sim_s = statistics.median(r[1] for r in results)
        total_s = statistics.median(r[2] for r in results)
        print(
            f"{label}: {events} events; simulate {sim_s:.2f} s, simulate+store "
            f"{total_s:.2f} s = {events / total_s:,.0f} events/s (median of {args.runs})"
        )


if __name__ == "__main__":
    main()
