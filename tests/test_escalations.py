"""Escalation triage: the rules, the store's guarded actions, and the keys a supervisor presses."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import text

from floorlead.domain import escalations as rules
from floorlead.domain.actor import Actor
from floorlead.domain.when import WhenError, local, parse_human
from floorlead.errors import FloorleadError
from floorlead.feeds.jsonl import ingest_lines
from floorlead.store import escalations as triage
from floorlead.store.db import FloorDatabase
from floorlead.tui.app import FloorleadApp
from floorlead.tui.screens.escalations import EscalationsScreen
from floorlead.tui.widgets.floor_table import FloorTable
from floorlead.tui.widgets.modals import ConfirmModal
from tests.conftest import FROZEN
from tests.tui_helpers import settle_tables, wait_for_load

TZ = "America/New_York"
FEED = [
    '{"type":"queue.upsert","queue":"billing","name":"Billing","channel":"voice"}',
    '{"type":"agent.upsert","agent":"a1","name":"Dana Reyes","team":"North","queues":["billing"]}',
    '{"type":"escalation.raised","at":"2026-11-23T16:40:00Z","escalation":"e-old-p1",'
    '"agent":"a1","queue":"billing","priority":"P1","kind":"complaint","reason":"Wants a '
    'supervisor","customer":"J. Doe"}',
    '{"type":"escalation.raised","at":"2026-11-23T16:50:00Z","escalation":"e-new-p1",'
    '"agent":"a1","queue":"billing","priority":"P1","kind":"technical","reason":"Outage",'
    '"customer":"K. Lee"}',
    '{"type":"escalation.raised","at":"2026-11-23T16:30:00Z","escalation":"e-small",'
    '"agent":"a1","queue":"billing","priority":"P2","kind":"approval","reason":"Goodwill '
    'credit","customer":"M. Fox","amount":450.00}',
    '{"type":"escalation.raised","at":"2026-11-23T16:20:00Z","escalation":"e-big",'
    '"agent":"a1","queue":"billing","priority":"P3","kind":"approval","reason":"Bulk order",'
    '"customer":"N. Ode","amount":12500.00}',
]


@pytest.fixture
def esc_db(db: FloorDatabase) -> FloorDatabase:
    result = ingest_lines(db, FEED)
    assert not result.errors
    return db


def status(db: FloorDatabase, esc: str) -> tuple[str, str, int]:
    with db.connect() as conn:
        row = conn.execute(
            text("SELECT status, assignee, version FROM escalation WHERE id=:e"), {"e": esc}
        ).one()
    return row[0], row[1], row[2]


# ---------------------------------------------------------------- rules


def test_state_machine_refuses_what_makes_no_sense() -> None:
    rules.check("snooze", "open")
    with pytest.raises(rules.TransitionError, match="resolved cannot be snoozed"):
        rules.check("snooze", "resolved")
    with pytest.raises(rules.TransitionError, match="Only approval"):
        rules.check("approve", "open", kind="refund")
    with pytest.raises(rules.TransitionError):
        rules.check("reopen", "open")
    rules.check("reopen", "declined")


def test_a_snooze_wakes_up_on_its_own() -> None:
    until = FROZEN + timedelta(minutes=15)
    assert rules.effective_status("snoozed", until, FROZEN) == "snoozed"
    assert rules.effective_status("snoozed", until, until) == "open"


def test_two_person_rule() -> None:
    small = rules.approve(
        amount_cents=45_000, threshold_cents=1_000_000, actor="sam", first_approver=""
    )
    assert small.status == "approved"
    big = rules.approve(
        amount_cents=1_250_000, threshold_cents=1_000_000, actor="sam", first_approver=""
    )
    assert big.status == "awaiting_second" and big.first
    with pytest.raises(rules.TransitionError, match="second, different supervisor"):
        rules.approve(
            amount_cents=1_250_000, threshold_cents=1_000_000, actor="sam", first_approver="sam"
        )
    assert (
        rules.approve(
            amount_cents=1_250_000, threshold_cents=1_000_000, actor="ana", first_approver="sam"
        ).status
        == "approved"
    )


def test_sla_clock_pauses_push_the_targets_back() -> None:
    raised = FROZEN - timedelta(minutes=5)
    clock = rules.sla_clock(
        raised_at=raised, responded_at=None, now=FROZEN, respond_min=2, resolve_min=30
    )
    assert clock.breached and clock.seconds_left == -180
    paused = rules.sla_clock(
        raised_at=raised, responded_at=None, now=FROZEN, respond_min=2, resolve_min=30, paused_s=240
    )
    assert not paused.breached and paused.seconds_left == 60


# ---------------------------------------------------------------- human time


@pytest.mark.parametrize(
    ("typed", "expected_local"),
    [
        ("15m", "2026-11-23 12:15"),
        ("in 2 hours", "2026-11-23 14:00"),
        ("2pm", "2026-11-23 14:00"),
        ("11am", "2026-11-24 11:00"),  # already past today: tomorrow
        ("14:30", "2026-11-23 14:30"),
        ("tomorrow 9", "2026-11-24 09:00"),
        ("fri 9am", "2026-11-27 09:00"),
    ],
)
def test_snooze_times_as_people_type_them(typed: str, expected_local: str) -> None:
    assert local(parse_human(typed, FROZEN, TZ), TZ).format("YYYY-MM-DD HH:mm") == expected_local


@pytest.mark.parametrize("typed", ["", "soonish", "25:00", "0m", "13pm"])
def test_unreadable_times_are_one_sentence(typed: str) -> None:
    with pytest.raises(WhenError):
        parse_human(typed, FROZEN, TZ)


@given(
    st.datetimes(
        min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)
    ),
    st.sampled_from(["America/New_York", "Europe/London", "Australia/Sydney"]),
    st.integers(min_value=1, max_value=600),
)
def test_relative_snoozes_are_exact_elapsed_time(now: datetime, tz: str, minutes: int) -> None:
    assert parse_human(f"{minutes}m", now, tz) - now == timedelta(minutes=minutes)


@given(
    st.datetimes(
        min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)
    ),
    st.sampled_from(["America/New_York", "Europe/London"]),
    st.integers(min_value=0, max_value=23),
)
def test_clock_snoozes_land_on_that_wall_clock_time_in_the_future(
    now: datetime, tz: str, hour: int
) -> None:
    result = parse_human(f"{hour}:00", now, tz)
    assert result > now
    assert result - now <= timedelta(hours=25)
    loc = local(result, tz)
    # on a spring-forward day 02:00 does not exist and pendulum moves it forward an hour
    assert loc.minute == 0 and loc.hour in (hour, (hour + 1) % 24)


# ---------------------------------------------------------------- the store


def test_actions_are_guarded_by_version_and_audited(esc_db: FloorDatabase) -> None:
    at = FROZEN
    out = triage.take(esc_db, "e-old-p1", 1, Actor("maria", at, TZ))
    assert out.version == 2 and status(esc_db, "e-old-p1") == ("assigned", "maria", 2)
    with pytest.raises(triage.ConflictError, match="Taken by maria at 12:00"):
        triage.resolve(esc_db, "e-old-p1", 1, Actor("sam", at, TZ), "resolved")
    assert status(esc_db, "e-old-p1") == ("assigned", "maria", 2)  # nothing overwritten
    triage.resolve(esc_db, "e-old-p1", 2, Actor("sam", at, TZ), "resolved", "called back")
    with pytest.raises(FloorleadError, match="resolved cannot be snoozed"):
        triage.snooze(esc_db, "e-old-p1", 3, Actor("sam", at, TZ), at + timedelta(hours=1))
    with esc_db.connect() as conn:
        actions = conn.execute(
            text("SELECT action, actor FROM audit_log WHERE entity_id='e-old-p1' ORDER BY id")
        ).all()
    assert [tuple(a) for a in actions] == [
        ("escalation.raised", "feed"),
        ("escalation.take", "maria"),
        ("escalation.resolve", "sam"),
    ]
    lines = triage.history(esc_db, "e-old-p1")
    assert [line.what.split(" ")[0] for line in lines][:3] == ["raised", "taken", "resolved"]
    assert any(line.what == "note: called back" for line in lines)


def test_the_same_supervisor_cannot_give_both_approvals(
    esc_db: FloorDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    from floorlead.store import policy

    threshold = 1_000_000
    first = triage.approve(esc_db, "e-big", 1, Actor("sam", FROZEN, TZ), threshold)
    assert first.status == "awaiting_second"
    with pytest.raises(FloorleadError, match="second supervisor must approve from their own"):
        triage.approve(esc_db, "e-big", 2, Actor("sam", FROZEN, TZ), threshold)
    assert status(esc_db, "e-big")[0] == "awaiting_second"
    monkeypatch.setattr(policy, "os_account", lambda: "ana.k")  # ana at her own desk
    done = triage.approve(esc_db, "e-big", 2, Actor("ana", FROZEN, TZ), threshold)
    assert done.status == "approved"


def test_reasons_are_required_where_they_matter(esc_db: FloorDatabase) -> None:
    with pytest.raises(FloorleadError, match="needs a reason"):
        triage.decline(esc_db, "e-small", 1, Actor("sam", FROZEN, TZ), "  ")
    with pytest.raises(FloorleadError, match="needs a note"):
        triage.hand_up(esc_db, "e-small", 1, Actor("sam", FROZEN, TZ), "manager", "")
    with pytest.raises(FloorleadError, match="needs a reason"):
        triage.set_priority(esc_db, "e-small", 1, Actor("sam", FROZEN, TZ), "P1", "")
    assert status(esc_db, "e-small") == ("open", "", 1)


# ---------------------------------------------------------------- the keys


def make_app(db: FloorDatabase, poll: float = 0.05) -> FloorleadApp:
    from floorlead.config import FloorSettings, Settings

    settings = Settings(floor=FloorSettings(supervisor="sam"))
    return FloorleadApp(db, settings, clock=lambda: FROZEN, poll_interval=poll)


def notes_of(app: FloorleadApp) -> list[str]:
    return [n.message for n in app._notifications]


async def open_escalations(pilot: object) -> None:
    await wait_for_load(pilot)  # type: ignore[arg-type]
    await pilot.press("3")  # type: ignore[attr-defined]
    await settle_tables(pilot)  # type: ignore[arg-type]


async def test_take_and_resolve_the_oldest_p1_in_four_keys(esc_db: FloorDatabase) -> None:
    app = make_app(esc_db)
    async with app.run_test(size=(110, 32)) as pilot:
        await open_escalations(pilot)
        table = app.screen.query_one(FloorTable)
        assert table.selected_key == "e-old-p1"  # P1 first, then oldest
        before = app.loads
        await pilot.press("t")
        await app.workers.wait_for_complete()
        await wait_for_load(pilot, before + 1)
        assert status(esc_db, "e-old-p1")[:2] == ("assigned", "sam")
        await pilot.press("r", "enter", "enter")  # default code, no note
        await app.workers.wait_for_complete()
        await pilot.pause()
        with esc_db.connect() as conn:
            code = conn.execute(
                text("SELECT status, resolution_code FROM escalation WHERE id='e-old-p1'")
            ).one()
        assert tuple(code) == ("resolved", "resolved")


async def test_approve_below_the_limit_in_two_keys_and_escape_backs_out(
    esc_db: FloorDatabase,
) -> None:
    app = make_app(esc_db)
    async with app.run_test(size=(110, 32)) as pilot:
        await open_escalations(pilot)
        table = app.screen.query_one(FloorTable)
        table.select_key("e-small")
        await pilot.press("A")
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("escape")
        assert isinstance(app.screen, EscalationsScreen)
        assert status(esc_db, "e-small")[0] == "open"
        await pilot.press("A", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert status(esc_db, "e-small")[0] == "approved"


async def test_every_dialog_backs_out_with_escape(esc_db: FloorDatabase) -> None:
    app = make_app(esc_db)
    async with app.run_test(size=(110, 32)) as pilot:
        await open_escalations(pilot)
        for key in ("r", "s", "a", "u", "n", "p", "D"):
            await pilot.press(key)
            assert not isinstance(app.screen, EscalationsScreen), key
            await pilot.press("escape")
            assert isinstance(app.screen, EscalationsScreen), key
        assert status(esc_db, "e-old-p1") == ("open", "", 1)


async def test_snooze_with_a_typed_time(esc_db: FloorDatabase) -> None:
    app = make_app(esc_db)
    async with app.run_test(size=(110, 32)) as pilot:
        await open_escalations(pilot)
        await pilot.press("s", *"15m", "enter")
        assert isinstance(app.screen, ConfirmModal)  # it is past its respond target already
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        with esc_db.connect() as conn:
            until = conn.execute(
                text("SELECT snoozed_until FROM escalation WHERE id='e-old-p1'")
            ).scalar()
        assert str(until).startswith("2026-11-23 17:15:00")


async def test_a_second_supervisor_is_told_who_acted_first(esc_db: FloorDatabase) -> None:
    app = make_app(esc_db, poll=3600)  # this supervisor's screen is not refreshed meanwhile
    async with app.run_test(size=(110, 32)) as pilot:
        await open_escalations(pilot)
        triage.take(esc_db, "e-old-p1", 1, Actor("maria", FROZEN, TZ))  # another process
        await pilot.press("t")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert any("Taken by maria at 12:00" in n for n in notes_of(app))
        assert status(esc_db, "e-old-p1")[:2] == ("assigned", "maria")


async def test_views_and_search(esc_db: FloorDatabase) -> None:
    app = make_app(esc_db)
    async with app.run_test(size=(110, 32)) as pilot:
        await open_escalations(pilot)
        table = app.screen.query_one(FloorTable)
        assert table.row_count == 4
        await pilot.press("slash", *"outage")
        await settle_tables(pilot)
        assert table._keys == ["e-new-p1"]
        await pilot.press("escape")
        await settle_tables(pilot)
        assert table.row_count == 4
        await pilot.press("f")  # mine: nothing yet
        await settle_tables(pilot)
        assert table.row_count == 0


async def test_a_new_p1_rings_and_notifies(esc_db: FloorDatabase) -> None:
    app = make_app(esc_db)
    async with app.run_test(size=(110, 32)) as pilot:
        await open_escalations(pilot)
        before = app.loads
        ingest_lines(
            esc_db,
            [
                '{"type":"escalation.raised","at":"2026-11-23T16:59:00Z","escalation":"e-fresh",'
                '"priority":"P1","kind":"complaint","reason":"Threatens to cancel",'
                '"customer":"Z. Q"}'
            ],
        )
        await wait_for_load(pilot, before + 1)
        assert any("P1 escalation: Z. Q — Threatens to cancel." in n for n in notes_of(app))


async def test_marked_rows_are_taken_together_and_z_undoes_it(esc_db: FloorDatabase) -> None:
    app = make_app(esc_db)
    async with app.run_test(size=(110, 32)) as pilot:
        await open_escalations(pilot)
        await pilot.press("space", "space")  # marks the two P1s (the cursor moves down)
        before = app.loads
        await pilot.press("t")
        await app.workers.wait_for_complete()
        await wait_for_load(pilot, before + 1)
        assert status(esc_db, "e-old-p1")[:2] == ("assigned", "sam")
        assert status(esc_db, "e-new-p1")[:2] == ("assigned", "sam")
        assert status(esc_db, "e-small")[:2] == ("open", "")
        before = app.loads
        await pilot.press("z")
        await app.workers.wait_for_complete()
        await wait_for_load(pilot, before + 1)
        assert status(esc_db, "e-old-p1")[:2] == ("open", "")
        assert status(esc_db, "e-new-p1")[:2] == ("open", "")


async def test_undo_is_refused_when_someone_changed_the_row_since(esc_db: FloorDatabase) -> None:
    out = triage.take(esc_db, "e-old-p1", 1, Actor("sam", FROZEN, TZ))
    triage.add_note(esc_db, "e-old-p1", 2, Actor("maria", FROZEN, TZ), "customer called back")
    with pytest.raises(triage.ConflictError, match="Noted by maria"):
        triage.undo(esc_db, out, Actor("sam", FROZEN, TZ))
    assert status(esc_db, "e-old-p1")[:2] == ("assigned", "sam")


async def test_w_pauses_and_resumes_the_sla_clock(esc_db: FloorDatabase) -> None:
    app = make_app(esc_db)
    async with app.run_test(size=(110, 32)) as pilot:
        await open_escalations(pilot)
        before = app.loads
        await pilot.press("w", *"customer", "enter")
        await app.workers.wait_for_complete()
        await wait_for_load(pilot, before + 1)
        with esc_db.connect() as conn:
            paused = conn.execute(
                text("SELECT paused_since, pause_reason FROM escalation WHERE id='e-old-p1'")
            ).one()
        assert paused[0] is not None and paused[1] == "customer"
        assert "paused" in str(app.screen.query_one(FloorTable).get_cell("e-old-p1", "sla"))
        await pilot.press("w")
        await app.workers.wait_for_complete()
        await pilot.pause()
        with esc_db.connect() as conn:
            resumed = conn.execute(
                text("SELECT paused_since FROM escalation WHERE id='e-old-p1'")
            ).scalar()
        assert resumed is None


async def test_the_other_actions_by_their_keys(esc_db: FloorDatabase) -> None:
    triage.take(esc_db, "e-new-p1", 1, Actor("maria", FROZEN, TZ))  # maria is another supervisor
    app = make_app(esc_db)

    async def act(*keys: str) -> None:
        before = app.loads
        await pilot.press(*keys)
        await app.workers.wait_for_complete()
        await wait_for_load(pilot, before + 1)

    async with app.run_test(size=(110, 32)) as pilot:
        await open_escalations(pilot)
        table = app.screen.query_one(FloorTable)
        table.select_key("e-old-p1")
        await act("a", *"maria", "enter")  # fuzzy picker: another supervisor
        assert status(esc_db, "e-old-p1")[:2] == ("assigned", "maria")
        table.select_key("e-old-p1")
        await act("p", "enter", *"not that urgent", "enter")  # first choice: P2
        with esc_db.connect() as conn:
            assert (
                conn.execute(text("SELECT priority FROM escalation WHERE id='e-old-p1'")).scalar()
                == "P2"
            )
        table.select_key("e-old-p1")
        await act("n", *"left a voicemail", "enter")
        table.select_key("e-old-p1")
        await act("u", *"customer wants a manager", "enter")
        assert status(esc_db, "e-old-p1")[0] == "handed_up"
        table.select_key("e-big")
        await act("D", *"over budget", "enter")
        assert status(esc_db, "e-big")[0] == "declined"
        await pilot.press("f", "f", "f", "f")  # closed today
        await settle_tables(pilot)
        assert table._keys == ["e-big"]
        await act("o", "enter")
        assert status(esc_db, "e-big")[0] == "open"
        lines = [line.what for line in triage.history(esc_db, "e-old-p1")]
        assert "note: left a voicemail" in lines
        assert any(line.startswith("handed up") for line in lines)


@given(
    st.dates(min_value=date(2025, 1, 1), max_value=date(2029, 12, 31)),
    st.integers(min_value=1, max_value=60),
)
def test_follow_up_dates_across_month_ends(today: date, days: int) -> None:
    from floorlead.domain.when import parse_day

    assert parse_day(f"in {days} days", today) == today + timedelta(days=days)
    friday = parse_day("fri", today)
    assert friday.weekday() == 4 and 1 <= (friday - today).days <= 7
    target = today + timedelta(days=days)
    stamp = f"{target:%b} {target.day}".lower()
    assert parse_day(stamp, today) == target


async def test_keys_typed_while_quitting_do_not_crash(esc_db: FloorDatabase) -> None:
    """Found by hand: `q` then `u` in quick succession opened a dialog while the app was going
    away, and its focus call crashed."""
    app = make_app(esc_db)
    async with app.run_test(size=(110, 32)) as pilot:
        await open_escalations(pilot)
        await pilot.press(*"question_mark")
    assert app.return_code in (0, None)


def test_the_transitions_are_pure_and_keep_the_first_response() -> None:
    """What each action writes is decided in the domain, from the stored fields alone."""
    from types import SimpleNamespace

    from floorlead.domain import escalations as rules

    t0 = FROZEN
    fresh = SimpleNamespace(assignee="", responded_at=None, paused_since=None, paused_s=0)
    answered = SimpleNamespace(assignee="maria", responded_at=t0, paused_since=None, paused_s=0)
    later = t0 + timedelta(minutes=5)
    assert rules.taken(fresh, "sam", later)["responded_at"] == later
    assert "responded_at" not in rules.taken(answered, "sam", later)  # the first one stays
    assert rules.reopened(answered)["status"] == "assigned"
    assert rules.reopened(fresh)["status"] == "open"
    stopped = rules.paused(fresh, "waiting on the customer", t0)
    with pytest.raises(rules.TransitionError):
        rules.paused(SimpleNamespace(**{**vars(fresh), **stopped}), "again", later)
    on_hold = SimpleNamespace(**{**vars(fresh), "paused_since": t0, "paused_s": 60})
    assert rules.resumed(on_hold, later)["paused_s"] == 60 + 300
    first = rules.approved(fresh, rules.ApprovalOutcome("awaiting_second", True), "sam", "a1", t0)
    assert first["first_approver"] == "sam" and first["first_approver_account"] == "a1"
    assert "decided_by" not in first
