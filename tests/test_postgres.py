"""The same floor on PostgreSQL: several supervisors share one floor through a server database.

Runs against ``FLOORLEAD_TEST_POSTGRES`` (a SQLAlchemy URL of a server's maintenance database)
or, without it, a throwaway server this module starts from the machine's PostgreSQL binaries
(``initdb``; as root, run as the ``postgres`` user). Each test gets a database of its own.
Without either, the tests are skipped and say why; `.ci/run` installs PostgreSQL first.

Most tests are the SQLite suite's own tests handed a PostgreSQL database, so both backends are
held to one set of expectations; the floor read from PostgreSQL must equal the same floor read
from SQLite.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from floorlead.config import Settings
from floorlead.feeds.jsonl import ingest_lines
from floorlead.feeds.live import backfill
from floorlead.store import reader
from floorlead.store.db import FloorDatabase, open_database, resolve_target
from floorlead.store.engine import FloorEngine
from tests import test_coverage, test_escalations, test_live, test_store, test_timesheets
from tests.conftest import FROZEN, make_simulator
from tests.reference import reference_snapshot
from tests.test_live import difference


def _binaries() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return versions[-1].parent if versions else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """A maintenance URL of a PostgreSQL server (given, or started here for the session)."""
    given = os.environ.get("FLOORLEAD_TEST_POSTGRES")
    if given:
        yield given
        return
    bin_dir = _binaries()
    if bin_dir is None:
        pytest.skip("no PostgreSQL server binaries (initdb) on this machine")
    as_root = os.geteuid() == 0
    run_as = ["runuser", "-u", "postgres", "--"] if as_root else []
    home = Path(tempfile.mkdtemp(prefix="floorlead-pg-"))
    if as_root:
        shutil.chown(home, "postgres")
    data, port = home / "data", _free_port()
    try:
        subprocess.run(
            [*run_as, str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "floor"],
            check=True,
            capture_output=True,
            timeout=120,
        )
        options = f"-p {port} -k {home} -c listen_addresses=127.0.0.1 -c fsync=off"
        # the server's output to its log file: a pipe would stay open as long as it runs
        log = home / "server.log"
        start = ["-D", str(data), "-o", options, "-l", str(log), "-w", "start"]
        subprocess.run(
            [*run_as, str(bin_dir / "pg_ctl"), *start],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=60,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        shutil.rmtree(home, ignore_errors=True)
        pytest.skip(f"a throwaway PostgreSQL server could not be started: {exc}")
    try:
        yield f"postgresql+psycopg://floor@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*run_as, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=60,
        )
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
def pg_db(pg_server: str) -> Iterator[FloorDatabase]:
    """A new, migrated floor database on the server, dropped afterwards."""
    name = f"floor_{uuid.uuid4().hex[:12]}"
    admin = create_engine(pg_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = pg_server.rsplit("/", 1)[0] + f"/{name}"
    database = open_database(resolve_target(url))
    try:
        yield database
    finally:
        database.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def _sqlite(tmp_path: Path) -> FloorDatabase:
    return open_database(resolve_target(str(tmp_path / "floor.db")))


# ---------------------------------------------------------------- the floor reads the same


def test_the_floor_on_postgres_equals_the_floor_on_sqlite(
    pg_db: FloorDatabase, tmp_path: Path
) -> None:
    lite = _sqlite(tmp_path)
    try:
        for db in (lite, pg_db):
            backfill(db, make_simulator(history=1), FROZEN)
        for back in (0, 47, 300, 1500):
            at = FROZEN - timedelta(minutes=back)
            with lite.connect() as a, pg_db.connect() as b:
                on_sqlite = reference_snapshot(a, Settings(), at)
                on_postgres = reference_snapshot(b, Settings(), at)
            assert on_postgres.queues and on_postgres.agents and on_postgres.escalations
            assert difference(on_postgres, on_sqlite) is None
        with pg_db.connect() as conn:  # the refresh worker's first read of a server floor
            live = FloorEngine(Settings()).snapshot(*reader.driver_of(conn), FROZEN)
            assert difference(live, reference_snapshot(conn, Settings(), FROZEN)) is None
    finally:
        lite.dispose()


@pytest.mark.parametrize(
    ("seed", "steps"),
    [(3, [1, 9, 45, 300, 1800, 9, 45, 300]), (11, [300, 1, 1800, 45, 9, 1800, 300, 1])],
)
def test_the_live_floor_on_postgres_equals_a_full_read_tick_after_tick(
    pg_db: FloorDatabase, seed: int, steps: list[int]
) -> None:
    """The refresh worker reads only what moved on a server floor too (``contact.seq``, the
    driver's own rows): the SQLite suite's tick-after-tick check, with late state changes."""
    test_live.live_equals_floor_snapshot_tick_after_tick(pg_db, seed, steps)


# ---------------------------------------------------------------- the SQLite suite, reused


def _empty(db: FloorDatabase) -> None:
    del db


def _escalations(db: FloorDatabase) -> None:
    assert not ingest_lines(db, test_escalations.FEED).errors


def _floor(db: FloorDatabase) -> None:
    backfill(db, make_simulator(), FROZEN)


#: (what the SQLite fixture held first, the SQLite suite's test) — run on PostgreSQL
REUSED: list[tuple[Callable[[FloorDatabase], None], Callable[[FloorDatabase], None]]] = [
    (_empty, test_store.test_audit_log_is_append_only),
    (_empty, test_store.test_ingest_applies_good_lines_and_reports_bad_ones),
    (_empty, test_store.test_replaying_a_file_changes_nothing),
    (_empty, test_store.test_a_failed_event_leaves_nothing_half_written),
    (_empty, test_store.test_snapshot_reads_the_ingested_floor),
    (_escalations, test_escalations.test_actions_are_guarded_by_version_and_audited),
    # the two-person rule on PostgreSQL goes by the session's role: tests/test_two_person.py
    (_escalations, test_escalations.test_reasons_are_required_where_they_matter),
    (
        _floor,
        test_timesheets.test_decisions_need_reasons_follow_the_rules_and_are_audited,
    ),
    (_floor, test_timesheets.test_bulk_approval_skips_rows_changed_meanwhile),
    (_floor, test_timesheets.test_corrections_keep_the_original_and_change_the_hours),
    (_floor, test_timesheets.test_payroll_csv_columns),
    (_empty, test_coverage.database_sums_equal_the_contact_by_contact_tally),
]


@pytest.mark.parametrize(("setup", "check"), REUSED, ids=[c.__name__ for _s, c in REUSED])
def test_the_sqlite_suite_on_postgres(
    setup: Callable[[FloorDatabase], None],
    check: Callable[[FloorDatabase], None],
    pg_db: FloorDatabase,
) -> None:
    setup(pg_db)
    check(pg_db)


async def test_a_second_supervisor_is_told_who_acted_first_on_postgres(
    pg_db: FloorDatabase,
) -> None:
    _escalations(pg_db)
    await test_escalations.test_a_second_supervisor_is_told_who_acted_first(pg_db)


def test_the_audit_log_cannot_be_truncated_on_postgres(pg_db: FloorDatabase) -> None:
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError, match="append-only"), pg_db.begin() as conn:
        conn.execute(text("TRUNCATE audit_log"))


def test_a_feed_replayed_on_postgres_changes_nothing(pg_db: FloorDatabase) -> None:
    """The bulk path's SQLAlchemy Core statements, run for real (compiled-only before):
    every event with an id, the same file twice, the second time nothing is applied."""
    import json

    from floorlead.domain.event_json import to_json

    sim = make_simulator(agents=8)
    lines = []
    for i, event in enumerate(sim.setup_events() + sim.advance(FROZEN)):
        record = json.loads(to_json(event))
        record["id"] = f"x{i}"
        lines.append(json.dumps(record))
    first = ingest_lines(pg_db, lines)
    assert first.applied == len(lines) > 1000 and not first.errors
    again = ingest_lines(pg_db, lines)
    assert (again.applied, again.duplicates, again.errors) == (0, len(lines), [])
    queued = sum('"contact.queued"' in line for line in lines)
    with pg_db.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM contact")).scalar() == queued


def test_the_engine_notices_every_kind_of_write_on_postgres(pg_db: FloorDatabase) -> None:
    """The one change token on a server floor: a contact answered in place, a schedule block
    added and an SL target changed each move it (the old watcher missed all three)."""
    test_live.engine_notices_every_write(pg_db)


async def test_a_server_floor_reaches_the_screen_at_the_next_poll(pg_db: FloorDatabase) -> None:
    """On PostgreSQL the TUI shows a contact answered, a schedule block added and an SL target
    changed at its next poll (every 0.5 s by default, so within a second)."""
    await test_live.writes_reach_the_screen_at_the_next_poll(pg_db)
