"""One way to read the floor: reading commands never write, and `snapshot --watch` is one
process holding the engine, printing a line when the floor changes."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from floorlead.domain import events as ev
from floorlead.feeds.live import backfill, store_events
from floorlead.store.db import FloorDatabase
from tests.conftest import FROZEN, make_simulator
from tests.test_cli import run

#: Every command that only reads the floor, on a day with data.
READING = (
    ("snapshot", "--json"),
    ("snapshot", "--json", "--at", "2026-11-23T17:00:00Z"),
    ("snapshot", "--json", "--at", "2026-11-23T12:00"),  # the floor's clock: pendulum
    ("report", "shift", "--date", "2026-11-23", "--format", "csv"),
    ("report", "week", "--week", "2026-W48", "--format", "md"),
    ("escalations", "list"),
    ("timesheets", "show", "--date", "2026-11-23"),
    ("coaching", "export", "--agent", "a01"),
    ("policy", "show"),
    ("db", "check"),
    ("coverage", "--date", "2026-11-23", "--json"),
    ("alerts", "test", "--date", "2026-11-23", "--every", "600"),
)


def _fingerprint(path: Path) -> dict[str, str]:
    """The floor file and its write-ahead log, byte for byte. The shared-memory index is not
    the floor (every reader uses it), and an empty log is no log: SQLite makes one for a
    read-only connection to a WAL floor when the last writer folded and removed it."""
    out = {}
    for name in (path.name, f"{path.name}-wal"):
        f = path.with_name(name)
        data = f.read_bytes() if f.exists() else b""
        out[name] = hashlib.sha256(data).hexdigest() if data else "no log"
    return out


@pytest.mark.parametrize("with_log", [True, False], ids=["wal-kept", "wal-folded"])
def test_reading_commands_never_write_to_the_floor(
    floor_db: FloorDatabase, db_path: Path, with_log: bool
) -> None:
    """Hash the floor (and its WAL) before and after each reading command: unchanged, whether
    the last writer left its log behind or folded it into the file."""
    import sqlite3

    if with_log:  # a feed that is still running leaves pages in the log
        keep = sqlite3.connect(db_path)  # a second connection keeps the log from being folded
        keep.execute("SELECT count(*) FROM agent").fetchone()
        store_events(floor_db, [ev.AgentStateChanged(at=FROZEN, agent="a01", state="break")])
    floor_db.dispose()
    try:
        if with_log:
            assert (db_path.with_name(f"{db_path.name}-wal")).stat().st_size > 0
        for command in READING:
            before = _fingerprint(db_path)
            result = run("--db", str(db_path), *command)
            assert result.returncode == 0, (command, result.stderr)
            assert result.stdout, command
            assert _fingerprint(db_path) == before, f"{' '.join(command)} wrote to the floor"
    finally:
        if with_log:
            keep.close()


def test_a_reading_command_on_an_older_floor_asks_for_the_upgrade(
    floor_db: FloorDatabase, db_path: Path
) -> None:
    """An older schema is not migrated by a command that only reads: one sentence says what
    to run, and the file is left as it was."""
    import sqlite3

    floor_db.dispose()
    with sqlite3.connect(db_path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0012'")
    before = _fingerprint(db_path)
    for command in (("snapshot", "--json"), ("report", "shift", "--date", "2026-11-23")):
        result = run("--db", str(db_path), *command)
        assert result.returncode == 1 and not result.stdout, command
        assert "run `floorlead db upgrade` to reach 0015" in result.stderr
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert _fingerprint(db_path) == before


def _watch(db_path: Path, *more: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "floorlead", "--db", str(db_path), "snapshot", "--watch", *more],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
    )


def _line(process: subprocess.Popen[str]) -> dict[str, object]:
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line, process.stderr.read() if process.stderr else "no output"
    document: dict[str, object] = json.loads(line)
    return document


def test_snapshot_watch_prints_a_line_each_time_the_floor_changes(
    db: FloorDatabase, db_path: Path
) -> None:
    """One process holds the engine: a document at start, then one for a contact queued (and
    none while nothing changes: the second line is the contact's, not a repeat)."""
    sim = make_simulator(agents=3)
    store_events(db, sim.setup_events())
    queue = next(e.queue for e in sim.setup_events() if isinstance(e, ev.QueueUpsert))
    watching = _watch(db_path, "--count", "2")
    try:
        first = _line(watching)
        waiting = {q["id"]: q["waiting"] for q in first["queues"]}  # type: ignore[attr-defined]
        assert waiting[queue] == 0
        store_events(db, [ev.ContactQueued(at=datetime.now(UTC), contact="w-1", queue=queue)])
        second = _line(watching)
        waiting = {q["id"]: q["waiting"] for q in second["queues"]}  # type: ignore[attr-defined]
        assert waiting[queue] == 1
        assert watching.wait(timeout=60) == 0
    finally:
        watching.kill()
        watching.wait()


def test_snapshot_watch_every_prints_when_nothing_changes(floor_db: FloorDatabase) -> None:
    path = floor_db.target.path
    assert path is not None
    watching = _watch(path, "--every", "0.2", "--count", "3")
    try:
        documents = [_line(watching) for _ in range(3)]
        assert watching.wait(timeout=60) == 0
    finally:
        watching.kill()
        watching.wait()
    assert all(d["format"] == 1 for d in documents)


def test_snapshot_watch_options_are_checked(db_path: Path, floor_db: FloorDatabase) -> None:
    for args, said in (
        (("--watch", "--at", "2026-11-23T17:00Z"), "--watch follows the clock"),
        (("--every", "5"), "go with --watch"),
    ):
        result = run("--db", str(db_path), "snapshot", *args)
        assert result.returncode == 1 and said in result.stderr, result.stderr


def test_snapshot_of_a_backfilled_floor_equals_the_definitions(
    db: FloorDatabase, db_path: Path
) -> None:
    """What `snapshot --json` prints is the engine's board: the same as the definitions'."""
    from floorlead.config import Settings
    from floorlead.reports.snapshot import snapshot_json
    from tests.reference import reference_snapshot

    backfill(db, make_simulator(agents=6, history=1), FROZEN)
    with db.connect() as conn:
        full = reference_snapshot(conn, Settings(), FROZEN)
    printed = run("--db", str(db_path), "snapshot", "--json", "--at", FROZEN.isoformat())
    assert printed.returncode == 0, printed.stderr
    board = json.loads(printed.stdout)
    assert board == json.loads(snapshot_json(full))
