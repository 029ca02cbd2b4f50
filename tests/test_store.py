"""The store on real SQLite files: migrations, pragmas, refusals, applying events."""

from __future__ import annotations

import os
import sqlite3
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from floorlead.domain import events as ev
from floorlead.errors import DatabaseError
from floorlead.feeds.jsonl import ingest_lines
from floorlead.store.db import (
    FloorDatabase,
    check_database,
    head_revision,
    open_database,
    resolve_target,
)
from floorlead.store.ingest import apply_batch
from tests.conftest import FROZEN
from tests.reference import floor_now


def test_new_database_is_migrated_to_head_and_private(db: FloorDatabase, db_path: Path) -> None:
    assert stat.S_IMODE(os.stat(db_path).st_mode) == 0o600
    with db.connect() as conn:
        version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        assert version == head_revision()
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 5000
    result = check_database(resolve_target(str(db_path)))
    assert result.ok, result.message


def test_check_never_creates_a_database(tmp_path: Path) -> None:
    missing = tmp_path / "missing.db"
    result = check_database(resolve_target(str(missing)))
    assert not result.ok
    assert "no database" in result.message
    assert not missing.exists()


def test_check_and_open_refuse_a_foreign_sqlite_file(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE recipes (id INTEGER)")
    before = other.read_bytes()
    assert "not a floorlead database" in check_database(resolve_target(str(other))).message
    with pytest.raises(DatabaseError, match="not a floorlead database"):
        open_database(resolve_target(str(other)))
    assert other.read_bytes() == before


def test_a_text_file_is_not_a_database(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_text("hello\n" * 100)
    with pytest.raises(DatabaseError, match="not a usable SQLite database"):
        open_database(resolve_target(str(junk)))
    assert junk.read_text() == "hello\n" * 100


def test_a_newer_database_is_refused_untouched(db: FloorDatabase, db_path: Path) -> None:
    with db.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    db.dispose()
    result = check_database(resolve_target(str(db_path)))
    assert not result.ok and "9999_future" in result.message
    with pytest.raises(DatabaseError, match="newer floorlead"):
        open_database(resolve_target(str(db_path)))
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == (
            "9999_future",
        )


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write read-only files")
def test_read_only_file_is_one_sentence(db: FloorDatabase, db_path: Path) -> None:
    db.dispose()
    db_path.chmod(0o400)
    with pytest.raises(DatabaseError, match="read-only"):
        open_database(resolve_target(str(db_path)))


def test_unwritable_file_is_refused_before_opening(
    db: FloorDatabase, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import floorlead.store.db as dbmod

    db.dispose()
    monkeypatch.setattr(dbmod.os, "access", lambda p, mode: mode != os.W_OK)
    with pytest.raises(DatabaseError, match="read-only; floorlead needs to write"):
        open_database(resolve_target(str(db_path)))


def test_locked_database_is_one_sentence(
    db: FloorDatabase, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import floorlead.store.db as dbmod

    monkeypatch.setattr(dbmod, "BUSY_TIMEOUT_MS", 100)
    locked = open_database(resolve_target(str(db_path)))
    blocker = sqlite3.connect(db_path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(DatabaseError, match="locked by another program"), locked.begin() as c:
            c.execute(text("DELETE FROM queue"))
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
        locked.dispose()


def test_urls_and_paths(tmp_path: Path) -> None:
    assert resolve_target(str(tmp_path / "a.db")).path == tmp_path / "a.db"
    assert resolve_target(f"sqlite:///{tmp_path}/b.db").path == tmp_path / "b.db"
    pg = resolve_target("postgresql+psycopg://floor:secret@db/floor")
    assert pg.path is None and "secret" not in pg.describe()
    with pytest.raises(DatabaseError, match="not a valid database URL"):
        resolve_target("sqlite+://:::")
    with pytest.raises(DatabaseError, match="in-memory"):
        resolve_target("sqlite://")


def test_environment_names_the_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLOORLEAD_DB", str(tmp_path / "env.db"))
    assert resolve_target(None).path == tmp_path / "env.db"
    assert resolve_target(str(tmp_path / "flag.db")).path == tmp_path / "flag.db"


def test_audit_log_is_append_only(db: FloorDatabase) -> None:
    with db.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO audit_log (at, actor, action, entity, entity_id, detail)"
                " VALUES ('2026-11-23 17:00:00', 'sup', 'x', 'y', 'z', '{}')"
            )
        )
    for statement in ("UPDATE audit_log SET actor = 'someone else'", "DELETE FROM audit_log"):
        with pytest.raises(IntegrityError, match="append-only"), db.begin() as conn:
            conn.execute(text(statement))


LINES = [
    '{"type":"queue.upsert","queue":"billing","name":"Billing","channel":"voice",'
    '"sl_target":"80/20"}',
    '{"type":"agent.upsert","agent":"a07","name":"Dana Reyes","team":"North","queues":["billing"]}',
    '{"id":"ev-1","type":"contact.queued","at":"2026-11-23T16:50:00Z","contact":"c1",'
    '"queue":"billing"}',
    '{"id":"ev-2","type":"contact.answered","at":"2026-11-23T16:50:12Z","contact":"c1",'
    '"agent":"a07"}',
    '{"type":"contact.answered","at":"2026-11-23T16:51:00Z","contact":"c404","agent":"a07"}',
    "this is not json",
    '{"id":"ev-1","type":"contact.queued","at":"2026-11-23T16:50:00Z","contact":"c1",'
    '"queue":"billing"}',
    '{"type":"escalation.raised","at":"2026-11-23T16:55:00Z","escalation":"e1","contact":"c1",'
    '"agent":"a07","queue":"billing","priority":"P1","kind":"approval","amount":12500.5}',
]


def test_ingest_applies_good_lines_and_reports_bad_ones(db: FloorDatabase) -> None:
    result = ingest_lines(db, LINES)
    assert result.read == 8
    assert result.applied == 5
    assert result.duplicates == 1
    assert result.errors == [
        (5, "unknown contact 'c404'"),
        (6, "not valid JSON (Expecting value at column 1)"),
    ]
    with db.connect() as conn:
        row = conn.execute(text("SELECT answered_at, agent_id FROM contact WHERE id='c1'")).one()
        assert row.agent_id == "a07"
        cents = conn.execute(text("SELECT amount_cents FROM escalation")).scalar()
        assert cents == 1250050
        actions = conn.execute(text("SELECT action FROM audit_log")).scalars().all()
        assert actions == ["escalation.raised"]


def test_replaying_a_file_changes_nothing(db: FloorDatabase) -> None:
    ingest_lines(db, LINES[:4])
    again = ingest_lines(db, LINES[2:4])
    assert again.applied == 0 and again.duplicates == 2 and not again.errors


def test_a_failed_event_leaves_nothing_half_written(db: FloorDatabase) -> None:
    ingest_lines(db, LINES[:2])
    bad_agent = ev.AgentUpsert(agent="a08", name="New", team="", queues=("billing", "nope"))
    with db.begin() as conn:
        outcome = apply_batch(conn, [(1, bad_agent)])
    assert outcome.errors == [(1, "unknown queue 'nope' (send queue.upsert first)")]
    with db.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM agent WHERE id='a08'")).scalar() == 0


def test_snapshot_reads_the_ingested_floor(db: FloorDatabase) -> None:
    from floorlead.config import Settings

    ingest_lines(db, LINES)
    with db.connect() as conn:
        snap = floor_now(conn, Settings(), FROZEN)
    billing = snap.queues[0]
    assert billing.today.answered == 1 and billing.today.answered_in_target == 1
    assert billing.today.asa_s == pytest.approx(12)
    assert [e.id for e in snap.escalations] == ["e1"]
    assert snap.escalations[0].amount_cents == 1250050
    assert snap.taken_at == FROZEN
    assert snap.day_start == datetime(2026, 11, 23, 5, 0, tzinfo=UTC)


def test_revision_constants_match_the_migration_scripts() -> None:
    from floorlead.store.db import script_revisions
    from floorlead.store.sqlite import HEAD_REVISION, KNOWN_REVISIONS

    head, known = script_revisions()
    assert head == HEAD_REVISION
    assert known == set(KNOWN_REVISIONS)


def test_upgrade_from_the_first_version_keeps_data(tmp_path: Path) -> None:
    """A floor created by 0001 upgrades to head with its rows intact."""
    from alembic import command
    from sqlalchemy import create_engine

    from floorlead.store.db import _alembic_config

    path = tmp_path / "old.db"
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        command.upgrade(_alembic_config(conn), "0001")
        conn.execute(
            text(
                "INSERT INTO queue (id, name, channel, sl_percent, sl_seconds) "
                "VALUES ('q', 'Q', 'voice', 80, 20)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO escalation (id, priority, kind, reason, customer, "
                "raised_at, status, assignee, resolution_code, version) VALUES "
                "('e1', 'P1', 'refund', '', '', '2026-11-23 17:00:00', 'open', '', "
                "'', 1)"
            )
        )
    engine.dispose()
    result = check_database(resolve_target(str(path)))
    assert not result.ok and "db upgrade" in result.message
    db = open_database(resolve_target(str(path)))
    with db.connect() as conn:
        row = conn.execute(text("SELECT status, paused_s, first_approver FROM escalation")).one()
    db.dispose()
    assert tuple(row) == ("open", 0, "")
    assert check_database(resolve_target(str(path))).ok
