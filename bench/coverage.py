"""Intraday coverage at scale: 40 queues × 48 intervals on the 500-agent floor of
bench/large_floor.py (cached in bench/.cache/; built there if missing), its history the
forecast's weeks.

Prints medians of:
  - the whole coverage read (history forecast + the day's contacts, states and schedules +
    the figures), target ≤ 300 ms;
  - a re-read with the day's forecast kept (what the Coverage screen does on each new
    snapshot, in a worker off the UI thread);
  - the figures alone (pure, from rows already read);
  - the screen's UI work for one update (the table's cells for 48 intervals), against the
    board's 20 ms tick budget.

    uv run python bench/coverage.py [--runs 5] [--weeks 8]
"""

from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import replace

from large_floor import CACHE, build, floor_now
from machine import print_speed


def median_ms(fn: object, runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--weeks", type=int, default=8)
    parser.add_argument("--days", type=int, default=33)
    args = parser.parse_args()
    print_speed()
    path = CACHE / "floor-500x40.db"
    if not path.exists():
        build(path, args.days)
    at = floor_now(path)
    from floorlead.store.db import open_database, resolve_target

    open_database(resolve_target(str(path))).dispose()  # a cached floor of older code: migrate

    from floorlead.config import CoverageSettings, Settings
    from floorlead.domain.when import floor_date
    from floorlead.store import reader
    from floorlead.store.coverage import read_coverage, read_forecast
    from floorlead.tui.screens.coverage import CoverageScreen

    settings = replace(Settings(), coverage=CoverageSettings(weeks=args.weeks))
    f = settings.floor
    day = floor_date(at, f.timezone, f.day_start)
    conn = reader.open_file(path)
    try:
        conn.execute("ROLLBACK")
        cov, forecast = read_coverage(conn, settings, day, at)
        print(
            f"{len({r.queue for r in cov.rows if r.queue})} queues × {len(cov.intervals)} "
            f"intervals; {cov.forecast_how}"
        )
        whole = median_ms(lambda: read_coverage(conn, settings, day, at), args.runs)
        kept = median_ms(lambda: read_coverage(conn, settings, day, at, forecast), args.runs)
        history = median_ms(lambda: read_forecast(conn, settings, day), args.runs)
        from floorlead.domain.coverage import what_if

        assert cov.inputs is not None
        inputs = cov.inputs
        figures = median_ms(lambda: what_if(inputs), args.runs)
        shown = cov.of("")
        ui = median_ms(lambda: [CoverageScreen._cells(r) for r in shown], args.runs)
    finally:
        conn.close()
    print(f"coverage read, whole (target ≤ 300 ms): {whole:.0f} ms")
    print(f"  of which the forecast from {args.weeks} weeks of history: {history:.0f} ms")
    print(f"the figures alone, from rows already read (pure; a what-if): {figures:.0f} ms")
    print(f"re-read with the day's forecast kept (the screen, in a worker): {kept:.0f} ms")
    print(f"the screen's cells for one update (UI thread; tick budget 20 ms): {ui:.2f} ms")


if __name__ == "__main__":
    main()
