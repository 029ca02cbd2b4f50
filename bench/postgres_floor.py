"""The refresh worker on a PostgreSQL floor beside the same floor in SQLite: 200 agents,
10 queues, a simulated day up to 17:00 UTC; a contact stored between ticks, then the live
floor's read (only what moved) and a full read of the day, median of N.

    uv run python bench/postgres_floor.py [--runs 7] [--url postgresql+psycopg://…/postgres]

Without ``--url`` (a server's maintenance database; ``FLOORLEAD_TEST_POSTGRES`` too) it starts
a throwaway server from the machine's PostgreSQL binaries, as the tests do.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from machine import print_speed
from sqlalchemy import create_engine, text

from floorlead.config import Settings
from floorlead.domain.events import ContactQueued
from floorlead.feeds.live import backfill, store_events
from floorlead.feeds.simulator import FloorSimulator, simulation_begin
from floorlead.store.db import FloorDatabase, open_database, resolve_target
from floorlead.store.engine import FloorEngine
from floorlead.store.reader import driver_of

AT = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)


@contextmanager
def server(url: str | None) -> Iterator[str]:
    if url:
        yield url
        return
    sys.path.insert(0, str(Path(__file__).parent.parent))
    from tests.test_postgres import pg_server  # the tests' throwaway server

    running = pg_server._get_wrapped_function()()
    try:
        yield next(running)
    finally:
        for _ in running:
            pass


def measure(label: str, db: FloorDatabase, runs: int) -> None:
    live = FloorEngine(Settings(), clock=lambda: 0.0)  # never the periodic re-read
    with db.connect() as conn:
        live.snapshot(*driver_of(conn), AT)
    tick, full = [], []
    for i in range(runs):
        store_events(db, [ContactQueued(at=AT, contact=f"bench-{label}-{i}", queue="billing")])
        t0 = time.perf_counter()
        with db.connect() as conn:
            live.refresh(*driver_of(conn), AT)
        tick.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        with db.connect() as conn:  # the day's first read, as a fresh engine does it
            FloorEngine(Settings()).snapshot(*driver_of(conn), AT)
        full.append(time.perf_counter() - t0)
    print(
        f"{label}: refresh read {statistics.median(tick) * 1000:.0f} ms (target ≤ 20 ms for "
        f"the whole tick), a full read of the day {statistics.median(full) * 1000:.0f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--url", default=os.environ.get("FLOORLEAD_TEST_POSTGRES"))
    args = parser.parse_args()
    print_speed()
    with server(args.url) as url, tempfile.TemporaryDirectory() as tmp:
        name = f"bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        pg = open_database(resolve_target(url.rsplit("/", 1)[0] + f"/{name}"))
        lite = open_database(resolve_target(str(Path(tmp) / "floor.db")))
        try:
            for db in (lite, pg):
                sim = FloorSimulator(
                    start=simulation_begin(AT, "America/New_York", 0),
                    timezone="America/New_York",
                    seed=1,
                    agents=200,
                    queues=10,
                )
                backfill(db, sim, AT)
            measure("SQLite", lite, args.runs)
            measure("PostgreSQL", pg, args.runs)
        finally:
            pg.dispose()
            lite.dispose()
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
            admin.dispose()


if __name__ == "__main__":
    main()
