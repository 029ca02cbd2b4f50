"""This machine's speed right now, printed by every benchmark so that figures taken on a
busier or slower machine (or day) can be told apart and compared."""

from __future__ import annotations

import statistics
import time


def reference_loop() -> float:
    """Seconds for ten million additions in pure Python, median of three (0.72 s on the
    quick machine of 2026-11-23, 1.68 s on the slower one of 2026-12-03)."""
    runs = []
    for _ in range(3):
        t0 = time.perf_counter()
        total = 0
        for i in range(10_000_000):
            total += i
        runs.append(time.perf_counter() - t0)
    return statistics.median(runs)


def print_speed() -> None:
    print(f"machine speed: reference loop {reference_loop():.2f} s (lower is faster)", flush=True)
