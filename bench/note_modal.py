"""Quick coaching note: time from the `c` key press to the note dialog mounted and focused, on
the demo floor (18 agents). Median of N presses.

    uv run python bench/note_modal.py [--runs 15]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from floorlead.config import Settings
from floorlead.feeds.live import backfill
from floorlead.feeds.simulator import FloorSimulator, simulation_begin
from floorlead.store.db import open_database, resolve_target
from floorlead.tui.app import FloorleadApp
from floorlead.tui.widgets.note_modal import NoteModal

NOW = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)


async def measure(app: FloorleadApp, runs: int) -> list[float]:
    times = []
    async with app.run_test(size=(110, 32)) as pilot:
        for _ in range(300):
            await pilot.pause()
            if app.snapshot is not None:
                break
        await pilot.press("2")
        await pilot.pause()
        for _ in range(runs):
            start = time.perf_counter()
            await pilot.press("c")
            while not (isinstance(app.screen, NoteModal) and app.screen.focused is not None):
                await asyncio.sleep(0)
            times.append(time.perf_counter() - start)
            await pilot.press("escape")
            await pilot.pause()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = open_database(resolve_target(str(Path(tmp) / "floor.db")))
        sim = FloorSimulator(
            start=simulation_begin(NOW, "America/New_York"), timezone="America/New_York", seed=1
        )
        backfill(db, sim, NOW)
        app = FloorleadApp(db, Settings(), clock=lambda: NOW, poll_interval=3600)
        times = asyncio.run(measure(app, args.runs))
        db.dispose()
    print(
        f"`c` to the note dialog focused: median {statistics.median(times) * 1000:.0f} ms "
        f"(min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f}) over {args.runs} presses"
    )


if __name__ == "__main__":
    main()
