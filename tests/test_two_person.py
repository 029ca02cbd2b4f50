"""The two-person rule cannot be walked round: approvers are told apart by their accounts
(the database role on PostgreSQL, the operating-system account on SQLite), the limit is the
floor's policy, and the database itself refuses what a client should not have sent."""

from __future__ import annotations

import getpass
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from floorlead.config import load_settings
from floorlead.domain.actor import Actor
from floorlead.errors import ConfigError, FloorleadError
from floorlead.store import escalations as triage
from floorlead.store import policy
from floorlead.store.db import FloorDatabase, open_database, resolve_target
from tests.conftest import FROZEN, TZ
from tests.test_cli import assert_one_sentence, run
from tests.test_escalations import esc_db, status
from tests.test_postgres import pg_db, pg_server

__all__ = ["esc_db", "pg_db", "pg_server"]  # fixtures, used by name


def as_account(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    monkeypatch.setattr(policy, "os_account", lambda: name)


def test_the_account_is_the_process_owner_not_user(monkeypatch: pytest.MonkeyPatch) -> None:
    import os
    import pwd

    monkeypatch.setenv("USER", "someone-else")
    monkeypatch.setenv("LOGNAME", "someone-else")
    assert getpass.getuser() == "someone-else"  # what floorlead used to trust
    assert policy.os_account() == pwd.getpwuid(os.geteuid()).pw_name


def test_one_account_cannot_give_both_approvals_under_two_names(
    esc_db: FloorDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    as_account(monkeypatch, "desk-3")
    first = triage.approve(esc_db, "e-big", 1, Actor("sam", FROZEN, TZ))
    assert first.status == "awaiting_second"
    with pytest.raises(FloorleadError, match="account 'desk-3' \\(sam and you share it\\)"):
        triage.approve(esc_db, "e-big", 2, Actor("maria", FROZEN, TZ))  # relaunched as "maria"
    as_account(monkeypatch, "maria.k")
    done = triage.approve(esc_db, "e-big", 2, Actor("maria", FROZEN, TZ))
    assert done.status == "approved"
    with esc_db.connect() as conn:
        accounts = conn.execute(
            text("SELECT first_approver_account, approver_account FROM escalation WHERE id='e-big'")
        ).one()
    assert tuple(accounts) == ("desk-3", "maria.k")


def test_a_users_own_settings_cannot_raise_the_limit(esc_db: FloorDatabase) -> None:
    # approval_second_above = 1e9 in their own file: the client asks for a huge limit
    outcome = triage.approve(esc_db, "e-big", 1, Actor("sam", FROZEN, TZ), threshold_cents=10**11)
    assert outcome.status == "awaiting_second"
    # ... and may lower it for themselves
    small = triage.approve(esc_db, "e-small", 1, Actor("sam", FROZEN, TZ), threshold_cents=100)
    assert small.status == "awaiting_second"


def test_the_database_refuses_what_a_client_should_not_send(esc_db: FloorDatabase) -> None:
    with pytest.raises(IntegrityError, match="two-person limit"), esc_db.begin() as conn:
        conn.execute(text("UPDATE escalation SET status='approved' WHERE id='e-big'"))
    triage.approve(esc_db, "e-big", 1, Actor("sam", FROZEN, TZ))  # first of two, this account
    with pytest.raises(IntegrityError, match="same account"), esc_db.begin() as conn:
        conn.execute(
            text(
                "UPDATE escalation SET status='approved', approver_account=first_approver_account"
                " WHERE id='e-big'"
            )
        )
    assert status(esc_db, "e-big")[0] == "awaiting_second"


def test_the_limit_is_changed_only_by_an_audited_command(
    esc_db: FloorDatabase, db_path: Path
) -> None:
    esc_db.dispose()
    refused = run("policy", "set", "approval_second_above", "400", "--db", str(db_path))
    assert_one_sentence(refused)
    assert "needs a reason" in refused.stderr
    bad = run(
        "policy", "set", "approval_second_above", "nan", "--reason", "x", "--db", str(db_path)
    )
    assert_one_sentence(bad)
    done = run(
        "policy", "set", "approval_second_above", "400", "--reason", "audit finding",
        "--db", str(db_path),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "10,000.00 → 400.00" in done.stdout
    shown = run("policy", "show", "--db", str(db_path))
    assert "above 400.00 need two different accounts" in shown.stdout
    db = open_database(resolve_target(str(db_path)))
    try:
        with db.connect() as conn:
            row = conn.execute(
                text("SELECT action, detail FROM audit_log WHERE action='policy.set'")
            ).one()
        assert "audit finding" in row.detail and '"new": 40000' in row.detail
        # 450.00 is now above the floor's limit, whatever this client's settings say
        assert (
            triage.approve(db, "e-small", 1, Actor("sam", FROZEN, TZ)).status == "awaiting_second"
        )
    finally:
        db.dispose()


@pytest.mark.parametrize("value", ["nan", "inf", "-1"])
def test_a_threshold_that_is_not_an_amount_is_one_sentence(tmp_path: Path, value: str) -> None:
    config = tmp_path / "floorlead.toml"
    config.write_text(f"[escalations]\napproval_second_above = {value}\n")
    with pytest.raises(ConfigError, match="approval_second_above"):
        load_settings(config)


def test_on_postgresql_the_role_is_the_approver(pg_db: FloorDatabase, pg_server: str) -> None:
    from floorlead.feeds.jsonl import ingest_lines
    from tests.test_escalations import FEED

    assert not ingest_lines(pg_db, FEED).errors
    url = pg_db.engine.url
    with pg_db.begin() as conn:
        for role in ("ana", "ben"):
            conn.execute(text(f"DROP ROLE IF EXISTS {role}"))
            conn.execute(text(f"CREATE ROLE {role} LOGIN"))
            conn.execute(text(f"GRANT ALL ON ALL TABLES IN SCHEMA public TO {role}"))
            conn.execute(text(f"GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO {role}"))

    def as_role(role: str) -> FloorDatabase:
        return open_database(resolve_target(url.set(username=role).render_as_string(False)))

    ana, ben = as_role("ana"), as_role("ben")
    try:
        assert triage.approve(ana, "e-big", 1, Actor("ana", FROZEN, TZ)).status == "awaiting_second"
        with pytest.raises(FloorleadError, match="account 'ana'"):
            triage.approve(ana, "e-big", 2, Actor("ben", FROZEN, TZ))  # ana's login, ben's name
        # a client that lies about the account is overruled by the server
        with pytest.raises(IntegrityError, match="same account"), ana.begin() as conn:
            conn.execute(
                text(
                    "UPDATE escalation SET status='approved', approver_account='ben'"
                    " WHERE id='e-big'"
                )
            )
        assert triage.approve(ben, "e-big", 2, Actor("ben", FROZEN, TZ)).status == "approved"
        with pg_db.connect() as conn:
            accounts = conn.execute(
                text(
                    "SELECT first_approver_account, approver_account FROM escalation"
                    " WHERE id='e-big'"
                )
            ).one()
        assert tuple(accounts) == ("ana", "ben")
    finally:
        ana.dispose()
        ben.dispose()


def test_two_first_decisions_racing_on_postgresql_tell_the_loser(pg_db: FloorDatabase) -> None:
    """Two supervisors approve the same pending timesheet at once: the second is told who
    decided and when (its unique-key error was swallowed, and it saw nothing)."""
    import threading

    from floorlead.config import Settings
    from floorlead.errors import ConflictError
    from floorlead.feeds.jsonl import ingest_lines
    from floorlead.store.approvals import Decision, _decide_in, decide

    ingest_lines(pg_db, ['{"type":"agent.upsert","agent":"a1","name":"Dana Reyes"}'])
    d = Decision("a1", FROZEN.date(), 0)
    outcome: list[BaseException] = []

    def second() -> None:
        try:
            decide(pg_db, d, "approve", by=Actor("li", FROZEN, TZ), settings=Settings())
        except BaseException as exc:
            outcome.append(exc)

    with pg_db.begin() as conn:  # the first supervisor's transaction, not committed yet
        _decide_in(conn, d, "approve", "maria", FROZEN, TZ, "")
        loser = threading.Thread(target=second)
        loser.start()
        loser.join(0.5)  # it waits on the first one's row
    loser.join(30)
    assert outcome and isinstance(outcome[0], ConflictError), outcome
    assert "Approved by maria at 12:00" in str(outcome[0])
