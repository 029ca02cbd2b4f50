"""The path every feed shares: bulk apply, reorder window, quarantine, replay, follow mode."""

from __future__ import annotations

import json
import random
import threading
import time
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from floorlead.domain import events as ev
from floorlead.domain.event_json import to_json
from floorlead.feeds import jsonl
from floorlead.feeds.pipeline import FeedRun, Quarantine, Record, Reorder
from floorlead.feeds.sources import follow_lines
from floorlead.store.db import FloorDatabase, open_database, resolve_target
from floorlead.store.ingest import apply_batch, apply_each
from tests.conftest import FROZEN, make_simulator

TABLES = {
    "contact": "id, queue_id, agent_id, queued_at, answered_at, abandoned_at, ended_at, "
    "wrapped_at, hold_s",
    "agent_state": "agent_id, at, state, reason",
    "punch": "agent_id, at, kind",
    "schedule": 'agent_id, start, "end", activity',
    "escalation": "id, contact_id, agent_id, priority, amount_cents",
    "applied_event": "id",
}


def dump(db: FloorDatabase) -> dict[str, list[tuple[object, ...]]]:
    with db.connect() as conn:
        return {
            table: sorted(tuple(row) for row in conn.execute(text(f"SELECT {cols} FROM {table}")))
            for table, cols in TABLES.items()
        }


def simulated_events(seed: int = 3) -> list[ev.Event]:
    sim = make_simulator(seed=seed, agents=6)
    return sim.setup_events() + sim.advance(FROZEN - timedelta(hours=2))


def spoil(events: list[ev.Event], rng: random.Random) -> list[ev.Event]:
    """Some events that break the rules, mixed in: duplicates, unknowns, impossible orders."""
    out = list(events)
    contacts = [e for e in events if isinstance(e, ev.ContactQueued)]
    for _ in range(40):
        c = rng.choice(contacts)
        bad = rng.choice(
            [
                ev.ContactQueued(at=c.at, contact=c.contact, queue=c.queue),
                ev.ContactEnded(at=c.at, contact="ghost-" + c.contact),
                ev.ContactAnswered(at=c.at - timedelta(seconds=9), contact=c.contact, agent="a01"),
                ev.ContactAbandoned(at=c.at, contact=c.contact, id="dup-id"),
                ev.AgentStateChanged(at=c.at, agent="nobody", state="available"),
                ev.Punch(at=c.at, agent="a02", kind="in", id=f"p-{rng.randrange(5)}"),
                # A vendor's record of the same contact, newer or older than another copy.
                ev.ContactRecord(
                    updated=c.at + timedelta(minutes=rng.randrange(1, 9)),
                    contact=c.contact,
                    queue=c.queue,
                    queued_at=c.at,
                    abandoned_at=c.at + timedelta(seconds=30),
                ),
            ]
        )
        out.insert(rng.randrange(len(out)), bad)
    return out


def test_bulk_apply_stores_exactly_what_one_event_at_a_time_stores(tmp_path: Path) -> None:
    rng = random.Random(7)
    events = spoil(simulated_events(), rng)
    numbered = list(enumerate(events, start=1))
    results = []
    dumps = []
    for name, apply in (("bulk", apply_batch), ("each", apply_each)):
        db = open_database(resolve_target(str(tmp_path / f"{name}.db")))
        with db.begin() as conn:
            results.append(apply(conn, numbered))
        dumps.append(dump(db))
        db.dispose()
    bulk, each = results
    assert bulk.errors == each.errors
    assert (bulk.applied, bulk.duplicates) == (each.applied, each.duplicates)
    assert len(bulk.errors) >= 20  # most spoiled events were refused, each with its number
    assert dumps[0] == dumps[1]


def test_replaying_a_file_with_ids_changes_nothing(db: FloorDatabase) -> None:
    lines = [
        json.dumps({**json.loads(to_json(e)), "id": f"e{i}"})
        for i, e in enumerate(simulated_events())
    ]
    first = jsonl.ingest_lines(db, lines)
    before = dump(db)
    again = jsonl.ingest_lines(db, lines)
    assert first.applied == len(lines) and not first.errors
    assert (again.applied, again.duplicates, again.errors) == (0, len(lines), [])
    assert dump(db) == before


QUEUE = '{"type":"queue.upsert","queue":"billing","name":"Billing","channel":"voice"}'
AGENT = '{"type":"agent.upsert","agent":"a1","name":"Dana","queues":["billing"]}'


def _line(kind: str, second: int, **extra: str) -> str:
    at = f"2026-11-23T15:00:{second:02d}Z"
    return json.dumps({"type": kind, "at": at, "contact": "c1", **extra})


def test_events_out_of_order_within_the_window_are_applied_in_time_order(
    db: FloorDatabase,
) -> None:
    late_first = [
        QUEUE,
        AGENT,
        _line("contact.answered", 12, agent="a1"),  # arrives before its queuing
        _line("contact.queued", 2, queue="billing"),
        _line("contact.ended", 40),
    ]
    strict = jsonl.ingest_lines(db, late_first, window_s=0)
    assert [n for n, _ in strict.errors] == [3, 5]
    with db.begin() as conn:
        conn.execute(text("DELETE FROM contact"))
    tolerant = jsonl.ingest_lines(db, late_first, window_s=30)
    assert tolerant.errors == [] and tolerant.applied == 5
    with db.connect() as conn:
        row = conn.execute(text("SELECT answered_at, ended_at FROM contact")).one()
    assert row[0].startswith("2026-11-23 15:00:12") and row[1].startswith("2026-11-23 15:00:40")


def test_reorder_releases_held_events_by_the_window_and_by_the_wall_clock() -> None:
    reorder = Reorder(10)
    at = FROZEN
    e1 = ev.ContactEnded(at=at + timedelta(seconds=5), contact="x")
    e0 = ev.ContactEnded(at=at, contact="y")
    assert reorder.push(1, "", e1) == []
    assert reorder.push(2, "", e0) == []
    definition = ev.AgentUpsert(agent="a", name="A", team=None, queues=None)
    assert reorder.push(3, "", definition) == [(3, "", definition)]  # definitions never wait
    later = ev.ContactEnded(at=at + timedelta(seconds=15), contact="z")
    assert [n for n, _r, _e in reorder.push(4, "", later)] == [2, 1]
    assert reorder.due(at + timedelta(seconds=24)) == []
    assert [n for n, _r, _e in reorder.due(at + timedelta(seconds=25))] == [4]


def test_quarantine_keeps_line_number_reason_and_text(db: FloorDatabase, tmp_path: Path) -> None:
    path = tmp_path / "q" / "bad.jsonl"
    run = FeedRun(db, "jsonl", window_s=0, quarantine=Quarantine(path, "floor.jsonl"))
    lines = [QUEUE, "{broken", "", '{"type":"contact.teleported","at":"2026-11-23T15:00:00Z"}']
    counts = run.run(r for r in jsonl.records(lines) if r is not None)
    assert (counts.read, counts.applied, counts.quarantined) == (3, 1, 2)
    kept = [json.loads(line) for line in path.read_text().splitlines()]
    assert [(k["line"], k["source"]) for k in kept] == [(2, "floor.jsonl"), (4, "floor.jsonl")]
    assert kept[0]["raw"] == "{broken" and "not valid JSON" in kept[0]["reason"]
    assert "unknown event type 'contact.teleported'" in kept[1]["reason"]
    assert path.stat().st_mode & 0o777 == 0o600
    assert "quarantined 2 (in " in run.summary()


def test_follow_waits_for_a_half_written_line_and_survives_truncation(tmp_path: Path) -> None:
    path = tmp_path / "growing.jsonl"
    path.write_text(QUEUE + "\n" + AGENT[:20])
    stop = threading.Event()
    seen: list[str] = []

    def read() -> None:
        for line in follow_lines(path, stop, poll_s=0.02):
            if line is not None:
                seen.append(line.strip())

    reader = threading.Thread(target=read)
    reader.start()
    try:
        deadline = time.monotonic() + 5
        while not seen and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.1)
        assert seen == [QUEUE]  # the half line is not handed on
        with path.open("a") as f:
            f.write(AGENT[20:] + "\n")
        while len(seen) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert seen == [QUEUE, AGENT]
        path.write_text("{}\n")  # truncated (rotated in place): read again from the start
        while len(seen) < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert seen[-1] == "{}"
    finally:
        stop.set()
        reader.join(5)


def test_ingest_follow_applies_a_growing_file_until_interrupted(tmp_path: Path) -> None:
    import os
    import signal
    import sqlite3
    import subprocess
    import sys

    db_path = tmp_path / "floor.db"
    feed = tmp_path / "feed.jsonl"
    feed.write_text(QUEUE + "\n")
    proc = subprocess.Popen(
        [sys.executable, "-m", "floorlead", "--db", str(db_path), "ingest", "--follow", str(feed)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        with feed.open("a") as f:
            f.write(AGENT + "\n" + _line("contact.queued", 1, queue="billing") + "\n")
        # a loaded machine may take long to start the command: wait for the state, bounded
        # generously, never for a time that only an idle machine meets
        deadline = time.monotonic() + 180
        count = 0
        while time.monotonic() < deadline and count == 0:
            time.sleep(0.2)
            try:  # the command may still be creating the file: ask again
                with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as probe:
                    count = probe.execute("SELECT count(*) FROM contact").fetchone()[0]
            except sqlite3.Error:
                continue
        assert count == 1  # applied while the command still runs
    finally:
        os.kill(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    assert "read 3, applied 3, duplicates skipped 0, quarantined 0" in out, err
    assert proc.returncode == 0


ADAPTER_FORMATS = (
    "jsonl",
    "ami",
    "connect-ctr",
    "connect-agent",
    "taskrouter",
    "csv-roster",
    "csv-schedule",
    "csv-punches",
)
PIECES = st.sampled_from(
    [
        "Event: QueueCallerJoin",
        "Timestamp: 1700000000.5",
        "Uniqueid: 17.1",
        "Queue: sales",
        "Status: 9",
        "Paused: 1",
        '{"type":"agent.state","at":"2026-11-23T10:00:00Z"}',
        '{"ContactId":"x","LastUpdateTimestamp":"nope","Queue":{"Name":""}}',
        '{"EventType":"STATE_CHANGE","CurrentAgentSnapshot":{"Configuration":{}}}',
        "EventType=task.canceled&Timestamp=99999999999999&TaskSid=WT1",
        "agent,start,end,activity",
        "a1,2026-03-08 02:30,2026-03-08 03:30,work",
        "[",
        "]",
        "",
        ":",
        "\x00",
    ]
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    fmt=st.sampled_from(ADAPTER_FORMATS),
    lines=st.lists(st.one_of(PIECES, st.text(max_size=40)), max_size=12),
)
def test_no_input_makes_an_adapter_raise(fmt: str, lines: list[str]) -> None:
    from floorlead.cli_feeds import adapter
    from floorlead.config import Settings

    out = list(adapter(fmt, Settings())[0]([line + "\n" for line in lines]))
    for record in out:
        assert record is None or isinstance(record, Record)
        if isinstance(record, Record):
            assert record.error is None or record.error.strip()


def test_a_busy_feed_commits_without_waiting_for_a_full_batch(
    db: FloorDatabase, monkeypatch: object
) -> None:
    """A live source that never falls idle still reaches the board within LIVE_FLUSH_S."""
    import floorlead.feeds.pipeline as pipeline

    run = FeedRun(db, "jsonl", window_s=0, quarantine=Quarantine(None, "jsonl"))
    clock = [1000.0]
    monkeypatch.setattr(pipeline.time, "monotonic", lambda: clock[0])  # type: ignore[attr-defined]
    run._last_flush = clock[0]
    run.add(Record(1, QUEUE, [ev.parse_line(QUEUE)]))
    assert run.counts.applied == 0  # held for the batch
    clock[0] += pipeline.LIVE_FLUSH_S
    run.add(Record(2, AGENT, [ev.parse_line(AGENT)]))
    assert run.counts.applied == 2  # committed: a quarter second passed


def test_the_bulk_statements_compile_for_postgresql() -> None:
    """The shared-floor path (PostgreSQL) builds its statements through SQLAlchemy Core;
    each must compile for that dialect, with the conflict keys the upserts rely on."""
    from sqlalchemy.dialects import postgresql

    from floorlead.store.bulk import _WRITES, _core

    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    for _event, (kind, table, columns, key) in _WRITES.items():
        sql = str(_core(kind, table, columns, key).compile(dialect=dialect))
        assert table.name in sql
        if kind == "upsert":
            assert f"ON CONFLICT ({', '.join(key)}) DO UPDATE" in sql
        if kind == "update":
            assert sql.startswith(f"UPDATE {table.name} SET") and "WHERE" in sql
