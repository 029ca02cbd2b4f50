"""Launch-to-first-board: wall time from starting a process to the queue board showing a
real snapshot, on a seeded simulated floor (18 and 200 agents). Prints the median of N runs.

    uv run python bench/cold_start.py [--runs 7]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

CHILD = r"""
import sys, time, io
from floorlead.config import Settings
from floorlead.tui.app import FloorleadApp

class Bench(FloorleadApp):
    def render_screen(self, screen):
        super().render_screen(screen)
        if self.snapshot is not None and not getattr(self, "_done", False):
            self._done = True
            print(time.time(), flush=True)
            self.exit()

def open_floor():  # as `floorlead` does: the store loads in a worker after the first paint
    from floorlead.store.db import open_database, resolve_target
    return open_database(resolve_target(sys.argv[1]))

Bench(open_floor, Settings()).run(headless=True, size=(110, 32))
"""


def build(path: Path, agents: int) -> None:
    from floorlead.feeds.live import backfill
    from floorlead.feeds.simulator import FloorSimulator, simulation_begin
    from floorlead.store.db import open_database, resolve_target

    now = datetime.now(UTC)
    db = open_database(resolve_target(str(path)))
    sim = FloorSimulator(
        start=simulation_begin(now, "America/New_York"),
        timezone="America/New_York",
        seed=1,
        agents=agents,
    )
    backfill(db, sim, now)
    db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for agents in (18, 200):
            path = Path(tmp) / f"floor-{agents}.db"
            build(path, agents)
            times = []
            for _ in range(args.runs):
                start = time.time()
                out = subprocess.run(
                    [sys.executable, "-c", CHILD, str(path)],
                    capture_output=True,
                    text=True,
                    check=True,
                ).stdout
                times.append(float(out.strip().splitlines()[-1]) - start)
            print(
                f"launch to first board, {agents:>4} agents: median "
                f"{statistics.median(times) * 1000:.0f} ms over {args.runs} runs "
                f"(min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f})"
            )


if __name__ == "__main__":
    main()
