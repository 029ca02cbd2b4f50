"""Mistakes and failures say one true sentence: a damaged file, a bad time zone in the
environment, a quarantine that cannot be written, a TUI that crashed, a feed stopped while it
connects."""

from __future__ import annotations

import socket
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from floorlead.config import load_settings
from floorlead.errors import ConfigError, FloorleadError
from floorlead.feeds.pipeline import Quarantine
from floorlead.store.db import FloorDatabase, check_database, resolve_target
from tests.test_cli import run


def test_db_check_notices_a_damaged_page(db: FloorDatabase, db_path: Path) -> None:
    from floorlead.feeds.live import backfill
    from tests.conftest import FROZEN, make_simulator

    backfill(db, make_simulator(agents=4), FROZEN)
    db.dispose()
    size = db_path.stat().st_size
    with db_path.open("r+b") as f:  # scribble over pages in the middle of the file
        f.seek(size * 3 // 4 // 4096 * 4096)  # a table's pages, not the schema's
        f.write(b"\xde\xad\xbe\xef" * 2048)
    result = check_database(resolve_target(str(db_path)))
    assert not result.ok
    assert "is damaged" in result.message and "backup" in result.message


def test_a_bad_time_zone_in_the_environment_is_blamed_on_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLOORLEAD_TIMEZONE", "Mars/Olympus")
    with pytest.raises(ConfigError, match="FLOORLEAD_TIMEZONE='Mars/Olympus'") as caught:
        load_settings(tmp_path / "none.toml")
    assert "none.toml" not in str(caught.value)


def test_a_quarantine_that_cannot_be_written_is_one_sentence(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the folder should be")
    q = Quarantine(blocker / "quarantine" / "q.jsonl", "feed")
    with pytest.raises(FloorleadError, match="Cannot write the quarantine file"):
        q.add(1, "bad", "raw")


def test_a_tui_that_crashed_exits_non_zero(
    db: FloorDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    from floorlead.config import Settings
    from floorlead.launch import run_tui
    from floorlead.tui.app import FloorleadApp

    def crashed(self: FloorleadApp) -> None:
        self._return_code = 1  # what Textual sets when a handler raised

    monkeypatch.setattr(FloorleadApp, "run", crashed)
    with pytest.raises(SystemExit) as caught:
        run_tui(db, Settings())
    assert caught.value.code == 1


def test_duration_is_honoured_while_a_manager_does_not_greet(tmp_path: Path) -> None:
    """A peer that accepts and says nothing: the feed stops at --duration, not after the
    ten seconds it would wait for a greeting."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    accepted: list[socket.socket] = []
    threading.Thread(target=lambda: accepted.append(listener.accept()[0]), daemon=True).start()
    secret = tmp_path / "secret"
    secret.write_text("s3cret\n")
    result = run(
        "--db", str(tmp_path / "f.db"), "feed", "ami", "--user", "u", "--secret-file",
        str(secret), "--port", str(listener.getsockname()[1]), "--duration", "1",
    )  # fmt: skip
    listener.close()
    assert result.returncode == 0, result.stderr
    assert "did not greet" not in result.stderr  # it stopped while waiting, as asked
    assert "read 0, applied 0" in result.stdout


async def test_a_floor_locked_by_another_program_is_said_not_left_blank(
    db: FloorDatabase, db_path: Path
) -> None:
    """Opened the way the command line opens it (in a worker, after the first paint) while
    another program holds the file's write lock: the supervisor is told, then the floor
    shows once the lock is given back."""
    import sqlite3

    from floorlead.config import Settings
    from floorlead.store.db import busy_reason, open_database
    from floorlead.tui.app import FloorleadApp
    from tests.conftest import FROZEN
    from tests.tui_helpers import wait_until

    db.dispose()
    target = resolve_target(str(db_path))
    holder = sqlite3.connect(db_path, isolation_level=None)
    holder.execute("PRAGMA locking_mode=EXCLUSIVE")  # another program holding the file
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("SELECT count(*) FROM sqlite_master").fetchone()  # takes the lock now
    assert busy_reason(target) is not None

    def opener() -> FloorDatabase:
        """Keeps trying, so this test never races the database's busy timeout."""
        from floorlead.errors import DatabaseError

        for _ in range(2000):
            try:
                return open_database(target)
            except DatabaseError:
                time.sleep(0.05)
        return open_database(target)

    app = FloorleadApp(
        opener,
        Settings(),
        clock=lambda: FROZEN,
        poll_interval=0.05,
        busy=lambda: busy_reason(target),
        opening_patience_s=0.1,
    )
    try:
        async with app.run_test(size=(110, 32)) as pilot:

            async def soon(condition: Callable[[], object]) -> bool:
                """Poll without waiting for workers: the one opening the floor is blocked."""
                for _ in range(600):
                    if condition():
                        return True
                    await pilot.pause(0.05)
                return bool(condition())

            said = await soon(
                lambda: any("locked by another program" in n.message for n in app._notifications)
            )
            assert said, [n.message for n in app._notifications]
            holder.close()  # given back: the floor opens
            assert await wait_until(pilot, lambda: app.loads >= 1, tries=4000)
    finally:
        holder.close()
        if app.db is not None:
            app.db.dispose()


async def test_an_escalation_dated_year_9999_does_not_crash_the_screen(db: FloorDatabase) -> None:
    """Stored before feeds refused such times (or written by hand): the row shows, the
    screen stays up."""
    from sqlalchemy import text

    from floorlead.feeds.jsonl import ingest_lines
    from tests.tui_helpers import make_app, settle_tables, wait_for_load

    ingest_lines(
        db,
        [
            '{"type":"escalation.raised","at":"2026-11-23T16:00:00Z","escalation":"e1",'
            '"priority":"P1","kind":"complaint","customer":"Far Future"}'
        ],
    )
    with db.begin() as conn:
        conn.execute(text("UPDATE escalation SET raised_at='9999-12-31 23:59:00.000000'"))
    app = make_app(db)
    async with app.run_test(size=(110, 32)) as pilot:
        await wait_for_load(pilot)
        await pilot.press("3")
        await settle_tables(pilot)
        assert app.is_running and app.return_code in (None, 0)
        from floorlead.tui.widgets.floor_table import FloorTable

        assert app.screen.query_one(FloorTable).row_count == 1


def test_a_run_that_fails_mid_way_still_prints_its_summary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from floorlead.cli import app as cli
    from floorlead.errors import DatabaseError
    from floorlead.feeds.pipeline import FeedRun

    def full_disk(self: FeedRun) -> None:
        raise DatabaseError("The disk holding the floor database is full.")

    monkeypatch.setattr(FeedRun, "flush", full_disk)
    feed = tmp_path / "feed.jsonl"
    feed.write_text(
        '{"type":"queue.upsert","queue":"billing","name":"Billing","channel":"voice"}\n'
    )
    result = CliRunner().invoke(
        cli, ["--db", str(tmp_path / "f.db"), "ingest", str(feed)], catch_exceptions=True
    )
    assert "read 1, applied 0" in result.output  # the summary, though the run failed
    assert isinstance(result.exception, DatabaseError)


def test_commands_on_a_damaged_floor_say_so_in_one_sentence(
    db: FloorDatabase, db_path: Path
) -> None:
    from floorlead.feeds.live import backfill
    from tests.conftest import FROZEN, make_simulator
    from tests.test_cli import assert_one_sentence

    backfill(db, make_simulator(agents=4), FROZEN)
    db.dispose()
    with sqlite3.connect(db_path) as conn:  # a page the report must read: the contacts'
        (page,) = conn.execute("SELECT max(pageno) FROM dbstat WHERE name = 'contact'").fetchone()
        (size,) = conn.execute("PRAGMA page_size").fetchone()
    with db_path.open("r+b") as f:
        f.seek((page - 1) * size)
        f.write(b"\xde\xad\xbe\xef" * (size // 4))
    for args in (
        ["report", "shift", "--date", "2026-11-23", "--format", "csv"],
        ["report", "shift", "--date", "2026-11-23", "--format", "md"],
    ):
        result = run("--db", str(db_path), *args)
        assert_one_sentence(result)
        assert "SELECT" not in result.stderr and "Traceback" not in result.stderr
        assert "is damaged" in result.stderr or "not a usable" in result.stderr, result.stderr
