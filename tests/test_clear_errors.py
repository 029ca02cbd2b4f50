"""Mistakes and failures say one true sentence: a damaged file, a bad time zone in the
environment, a quarantine that cannot be written, a TUI that crashed, a feed stopped while it
connects."""

from __future__ import annotations

import socket
import threading
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
