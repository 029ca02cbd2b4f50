"""Run the simulator into a database: backfill fast, then keep writing as the clock moves."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from floorlead.domain import events as ev
from floorlead.feeds.simulator import FloorSimulator
from floorlead.store.db import FloorDatabase
from floorlead.store.ingest import apply_events

log = logging.getLogger("floorlead.simulator")


class SimClock:
    """Simulated time: ``start`` plus wall time elapsed since creation, times ``speed``."""

    def __init__(self, start: datetime, speed: float = 1.0) -> None:
        self.start = start
        self.speed = speed
        self._t0 = time.monotonic()

    def __call__(self) -> datetime:
        return self.start + timedelta(seconds=(time.monotonic() - self._t0) * self.speed)


def store_events(db: FloorDatabase, events: list[ev.Event]) -> int:
    """One transaction for the whole batch: a reader sees all of it or none of it."""
    if not events:
        return 0
    with db.begin() as conn:
        result = apply_events(conn, events, actor="simulator")
    for index, reason in result.errors[:5]:
        log.error("simulator event %d refused: %s", index + 1, reason)
    return result.applied


def backfill(
    db: FloorDatabase, sim: FloorSimulator, until: datetime, step: timedelta = timedelta(hours=1)
) -> int:
    """Simulate up to ``until`` as fast as possible, one transaction per simulated hour."""
    total = store_events(db, sim.setup_events())
    at = sim.now
    while at < until:
        at = min(until, at + step)
        total += store_events(db, sim.advance(at))
    return total


class LiveSimulation(threading.Thread):
    """Keeps the simulated floor moving in the background until :meth:`stop`."""

    def __init__(
        self,
        db: FloorDatabase,
        sim: FloorSimulator,
        clock: Callable[[], datetime],
        *,
        tick: float = 0.5,
        on_error: Callable[[Exception], None] | None = None,
    ) -> None:
        super().__init__(name="floorlead-simulator", daemon=True)
        self.db = db
        self.sim = sim
        self.clock = clock
        self.tick = tick
        self.on_error = on_error
        self.written = 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        pending: list[ev.Event] = []
        while not self._stop_event.is_set():
            try:
                pending += self.sim.advance(self.clock())
                self.written += store_events(self.db, pending)
                pending = []  # kept until stored: a locked database delays, never drops
            except Exception as exc:  # keep the floor alive; report once per failure
                if self.on_error is not None:
                    self.on_error(exc)
            self._stop_event.wait(self.tick)

    def stop(self) -> None:
        self._stop_event.set()
