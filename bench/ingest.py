"""Feed throughput: events read, checked and stored per second (median of N runs).

    uv run python bench/ingest.py [--runs 3] [--agents 200]

Cases, each on a fresh SQLite file, timed from the first line read to the last commit
(Python start-up and creating the database are left out):
  - native JSON Lines (every event with an id, as vendor feeds have);
  - the same while a TUI's refresh worker polls the database (the live floor's snapshot on
    every commit it notices, half a second apart), and while another process reads the whole
    floor in a tight loop, a far heavier reader (refreshes per second printed for both);
  - an Asterisk AMI capture and Amazon Connect contact records made from the same floor.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import statistics
import tempfile
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from machine import print_speed

from floorlead.config import Settings
from floorlead.domain import events as ev
from floorlead.domain.event_json import to_json
from floorlead.domain.when import iso_utc
from floorlead.feeds import jsonl
from floorlead.feeds.ami import AmiTranslator
from floorlead.feeds.connect import ConnectTranslator
from floorlead.feeds.pipeline import FeedRun, Quarantine, tune_for_bulk
from floorlead.feeds.simulator import FloorSimulator, simulation_begin
from floorlead.store.db import open_database, resolve_target

NOW = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)
#: CPU seconds of each timed run: far below the wall-clock seconds means the machine was busy
CPU: list[float] = []
TZ = "America/New_York"


def floor_events(agents: int) -> list[ev.Event]:
    sim = FloorSimulator(start=simulation_begin(NOW, TZ, 1), timezone=TZ, seed=1, agents=agents)
    return sim.setup_events() + sim.advance(NOW)


def native_lines(events: list[ev.Event]) -> list[str]:
    out = []
    for i, e in enumerate(events):
        record = json.loads(to_json(e))
        record["id"] = f"e{i}"
        out.append(json.dumps(record, separators=(",", ":")) + "\n")
    return out


def ami_lines(events: list[ev.Event]) -> list[str]:
    """The floor's contacts and states as an AMI capture (timestampevents=yes)."""
    agent_of: dict[str, str] = {}
    queue_of: dict[str, str] = {}
    out: list[str] = []

    def block(name: str, at: datetime, **fields: str) -> None:
        out.extend([f"Event: {name}\r\n", f"Timestamp: {at.timestamp():.6f}\r\n"])
        out.extend(f"{k}: {v}\r\n" for k, v in fields.items())
        out.append("\r\n")

    for e in events:
        if isinstance(e, ev.ContactQueued):
            queue_of[e.contact] = e.queue
            block("QueueCallerJoin", e.at, Queue=e.queue, Uniqueid=e.contact, Position="1")
        elif isinstance(e, ev.ContactAnswered):
            agent_of[e.contact] = e.agent
            block(
                "AgentConnect",
                e.at,
                Queue=queue_of.get(e.contact, "q"),
                Uniqueid=e.contact,
                Interface=e.agent,
                MemberName=e.agent,
            )
        elif isinstance(e, ev.ContactAbandoned):
            block(
                "QueueCallerAbandon", e.at, Queue=queue_of.get(e.contact, "q"), Uniqueid=e.contact
            )
        elif isinstance(e, ev.ContactEnded):
            block(
                "AgentComplete",
                e.at,
                Queue=queue_of.get(e.contact, "q"),
                Uniqueid=e.contact,
                Interface=agent_of.get(e.contact, "?"),
                TalkTime="100",
            )
        elif isinstance(e, ev.AgentStateChanged) and e.state in ("available", "break", "lunch"):
            paused = "0" if e.state == "available" else "1"
            block(
                "QueueMemberStatus",
                e.at,
                Queue="billing",
                Interface=e.agent,
                MemberName=e.agent,
                Status="1",
                Paused=paused,
                PausedReason="" if paused == "0" else e.state,
            )
    return out


def ctr_lines(events: list[ev.Event]) -> list[str]:
    """One Amazon Connect contact record a line for every finished contact of the floor."""
    contacts: dict[str, dict[str, Any]] = {}
    for e in events:
        if isinstance(e, ev.ContactQueued):
            contacts[e.contact] = {"q": e.queue, "queued": e.at}
        elif isinstance(e, ev.ContactAnswered):
            contacts[e.contact].update(answered=e.at, agent=e.agent)
        elif isinstance(e, ev.ContactAbandoned):
            contacts[e.contact]["gone"] = e.at
        elif isinstance(e, ev.ContactEnded):
            contacts[e.contact]["ended"] = e.at
        elif isinstance(e, ev.ContactWrapped):
            contacts[e.contact]["wrapped"] = e.at
    out = []
    for cid, c in contacts.items():
        last = c.get("wrapped") or c.get("gone") or c.get("ended") or c["queued"]
        agent = None
        if "answered" in c:
            agent = {
                "Username": c["agent"],
                "ConnectedToAgentTimestamp": iso_utc(c["answered"]),
                "AfterContactWorkStartTimestamp": iso_utc(c.get("ended")),
                "AfterContactWorkEndTimestamp": iso_utc(c.get("wrapped")),
                "CustomerHoldDuration": 0,
            }
        record = {
            "ContactId": cid,
            "Channel": "VOICE",
            "LastUpdateTimestamp": iso_utc(last + timedelta(seconds=1)),
            "DisconnectTimestamp": iso_utc(c.get("ended") or c.get("gone")),
            "Queue": {
                "Name": c["q"],
                "EnqueueTimestamp": iso_utc(c["queued"]),
                "DequeueTimestamp": iso_utc(c.get("answered") or c.get("gone")),
            },
            "Agent": agent,
        }
        out.append(json.dumps(record) + "\n")
    return out


def timed(
    setup: list[str], lines: list[str], records: Callable[[Iterable[str]], Iterable[Any]]
) -> tuple[float, int, int]:
    with tempfile.TemporaryDirectory() as tmp:
        db = open_database(resolve_target(str(Path(tmp) / "f.db")))
        jsonl.ingest_lines(db, setup)
        run = FeedRun(db, "bench", window_s=5, quarantine=Quarantine(None, "bench"))
        t0, c0 = time.perf_counter(), time.process_time()
        counts = run.run(r for r in records(lines) if r is not None)
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
        db.dispose()
    CPU.append(cpu)
    return seconds, counts.applied, counts.quarantined


def _reader(path: str, stop: Any, refreshes: Any, tui: bool) -> None:
    """``tui``: as the TUI's refresh worker does (the engine asked what moved every half
    second, a snapshot when something did); else the whole day read by a fresh engine in a
    tight loop, a far heavier reader than any screen."""
    from floorlead.store.engine import FloorEngine
    from floorlead.store.reader import driver_of

    db = open_database(resolve_target(path), create=False)
    settings = Settings()
    live = FloorEngine(settings)
    while not stop.is_set():
        if tui:
            with db.connect() as conn:
                if live.refresh(*driver_of(conn), NOW) is not None:
                    refreshes.value += 1
            stop.wait(0.5)
            continue
        with db.connect() as conn:  # the whole day read again, as a fresh engine does
            FloorEngine(settings).snapshot(*driver_of(conn), NOW)
        refreshes.value += 1
    db.dispose()


def timed_with_reader(setup: list[str], lines: list[str], tui: bool) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "f.db")
        db = open_database(resolve_target(path))
        jsonl.ingest_lines(db, setup)
        ctx = multiprocessing.get_context("spawn")
        stop, refreshes = ctx.Event(), ctx.Value("i", 0)
        reader = ctx.Process(target=_reader, args=(path, stop, refreshes, tui))
        reader.start()
        time.sleep(2.0)  # let the reader import and start refreshing
        start_count = refreshes.value
        run = FeedRun(db, "bench", window_s=5, quarantine=Quarantine(None, "bench"))
        t0 = time.perf_counter()
        run.run(r for r in jsonl.records(lines) if r is not None)
        seconds = time.perf_counter() - t0
        done = refreshes.value - start_count
        stop.set()
        reader.join()
        db.dispose()
    return seconds, done / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--agents", type=int, default=200)
    args = parser.parse_args()
    events = floor_events(args.agents)
    definitions = [e for e in events if isinstance(e, (ev.QueueUpsert, ev.AgentUpsert))]
    setup = [to_json(e) for e in definitions]
    native = native_lines(events)
    ami = ami_lines(events)
    ctr = ctr_lines(events)
    settings = Settings()
    states = settings.feeds.states
    tune_for_bulk()  # as `floorlead ingest` does once it has started
    print(f"floor: {args.agents} agents, one day and a shift, {len(native):,} native events")
    print_speed()

    def report(label: str, results: list[tuple[float, int, int]], unit: str) -> None:
        seconds = statistics.median(r[0] for r in results)
        applied = results[0][1]
        cpu = statistics.median(CPU[-len(results) :])
        print(
            f"{label}: {applied:,} {unit} applied in {seconds:.2f} s = "
            f"{applied / seconds:,.0f} {unit}/s (median of {len(results)}; CPU {cpu:.2f} s = "
            f"{applied / cpu:,.0f}/s of CPU; quarantined {results[0][2]})"
        )

    report(
        "native JSON Lines", [timed([], native, jsonl.records) for _ in range(args.runs)], "events"
    )
    for tui, label in (
        (True, "while a TUI refreshes the floor (live floor, polled every 0.5 s)"),
        (False, "while another process reads the whole floor in a loop"),
    ):
        with_reader = [timed_with_reader(setup, native, tui) for _ in range(args.runs)]
        seconds = statistics.median(r[0] for r in with_reader)
        print(
            f"native JSON Lines {label}: {len(native) / seconds:,.0f} lines/s; reader "
            f"{statistics.median(r[1] for r in with_reader):.1f} snapshots/s "
            f"(median of {args.runs})"
        )
    report(
        "Asterisk AMI capture",
        [timed(setup, ami, lambda ls: AmiTranslator(states).records(ls)) for _ in range(args.runs)],
        "events",
    )
    report(
        "Amazon Connect CTRs",
        [
            timed(setup, ctr, lambda ls: ConnectTranslator(states).records(ls, "ctr"))
            for _ in range(args.runs)
        ],
        "events",
    )


if __name__ == "__main__":
    main()
