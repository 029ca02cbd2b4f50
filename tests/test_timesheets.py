"""Timesheets: weekly overtime, decisions with their audit rows, the keys, the payroll CSV."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import text

from floorlead.config import Settings
from floorlead.domain.actor import Actor
from floorlead.domain.timesheets import weekly_overtime, workweek_start
from floorlead.errors import ConflictError, FloorleadError
from floorlead.reports.payroll import HEADER, csv_text
from floorlead.store.approvals import Decision, approve_many, decide
from floorlead.store.db import FloorDatabase
from floorlead.tui.screens.timesheets import TimesheetsScreen
from floorlead.tui.widgets.floor_table import FloorTable
from floorlead.tui.widgets.modals import ConfirmModal
from tests.conftest import FROZEN
from tests.tui_helpers import settle_tables, wait_for_load, wait_until

MON = date(2026, 11, 16)
TZ = "America/New_York"


def test_weekly_overtime_falls_on_the_day_the_week_passes_forty() -> None:
    days = [(MON + timedelta(days=i), h) for i, h in enumerate([9, 9, 9, 9, 9, 4])]
    split = weekly_overtime(days)
    assert [s.regular_h for s in split] == [9, 9, 9, 9, 4, 0]
    assert [s.overtime_h for s in split] == [0, 0, 0, 0, 5, 4]
    assert sum(s.regular_h for s in split) == 40


def test_workweek_start_is_a_setting() -> None:
    assert workweek_start(date(2026, 11, 20), 0) == MON  # Friday → Monday
    assert workweek_start(date(2026, 11, 20), 6) == date(2026, 11, 15)  # Sunday weeks


def day_of(floor_db: FloorDatabase) -> list[str]:
    with floor_db.connect() as conn:
        return list(conn.execute(text("SELECT DISTINCT agent_id FROM punch")).scalars())


def test_decisions_need_reasons_follow_the_rules_and_are_audited(floor_db: FloorDatabase) -> None:
    agent = day_of(floor_db)[0]
    d = Decision(agent, FROZEN.date(), 0)
    with pytest.raises(FloorleadError, match="give a reason"):
        decide(floor_db, d, "reject", by=Actor("sam", FROZEN, TZ), settings=Settings())
    with pytest.raises(FloorleadError, match="pending cannot be reopened"):
        decide(floor_db, d, "reopen", by=Actor("sam", FROZEN, TZ), reason="x", settings=Settings())
    decide(floor_db, d, "approve", by=Actor("sam", FROZEN, TZ), settings=Settings())
    with pytest.raises(ConflictError, match="Approved by sam at 12:00"):
        decide(
            floor_db, d, "approve", by=Actor("ana", FROZEN, TZ), settings=Settings()
        )  # stale version 0
    with pytest.raises(FloorleadError, match="approved cannot be approved"):
        decide(
            floor_db,
            Decision(agent, FROZEN.date(), 1),
            "approve",
            by=Actor("ana", FROZEN, TZ),
            settings=Settings(),
        )
    decide(
        floor_db,
        Decision(agent, FROZEN.date(), 1),
        "reopen",
        by=Actor("ana", FROZEN, TZ),
        reason="missed a correction",
        settings=Settings(),
    )
    with floor_db.connect() as conn:
        audits = conn.execute(
            text("SELECT action, actor FROM audit_log WHERE entity = 'timesheet' ORDER BY id")
        ).all()
        status = conn.execute(text("SELECT status, version FROM timesheet")).one()
    assert [tuple(a) for a in audits] == [("timesheet.approve", "sam"), ("timesheet.reopen", "ana")]
    assert tuple(status) == ("reopened", 2)


def test_bulk_approval_skips_rows_changed_meanwhile(floor_db: FloorDatabase) -> None:
    agents = day_of(floor_db)[:3]
    decide(
        floor_db,
        Decision(agents[0], FROZEN.date(), 0),
        "approve",
        by=Actor("ana", FROZEN, TZ),
        settings=Settings(),
    )
    approved, problems = approve_many(
        floor_db,
        [Decision(a, FROZEN.date(), 0) for a in agents],
        by=Actor("sam", FROZEN, TZ),
        settings=Settings(),
    )
    assert approved == 2
    assert len(problems) == 1 and "Approved by ana" in problems[0]
    with floor_db.connect() as conn:
        audits = conn.execute(
            text("SELECT count(*) FROM audit_log WHERE action = 'timesheet.approve'")
        ).scalar()
        approved_rows = conn.execute(
            text("SELECT count(*) FROM timesheet WHERE status = 'approved'")
        ).scalar()
    assert audits == approved_rows == 3  # every approval has its audit row


EVENING = FROZEN + timedelta(hours=11)  # 23:00 on the floor: every shift of the day is over


@pytest.fixture
def day_done_db(db: FloorDatabase) -> FloorDatabase:
    """A floor whose day's shifts have all ended (the simulator ran until 23:00)."""
    from floorlead.feeds.live import backfill
    from tests.conftest import make_simulator

    backfill(db, make_simulator(), EVENING)
    return db


def evening_app(db: FloorDatabase) -> object:
    from floorlead.config import FloorSettings, Settings
    from floorlead.tui.app import FloorleadApp

    return FloorleadApp(
        db,
        Settings(floor=FloorSettings(supervisor="sam")),
        clock=lambda: EVENING,
        poll_interval=0.05,
    )


async def test_a_shift_still_on_cannot_be_approved(floor_db: FloorDatabase) -> None:
    from tests.test_escalations import make_app

    app = make_app(floor_db)  # 12:00: everybody is still on shift
    async with app.run_test(size=(110, 32)) as pilot:
        await wait_for_load(pilot)
        await pilot.press("4")
        screen = app.screen
        assert isinstance(screen, TimesheetsScreen)
        await wait_until(pilot, lambda: screen.rows, tries=200)
        await settle_tables(pilot)  # the table has its rows, not only the screen
        on_shift = [t for t in screen.rows if t.in_progress]
        assert on_shift
        screen.query_one(FloorTable).select_key(on_shift[0].agent_id)
        await pilot.press("a")
        assert await wait_until(
            pilot, lambda: any("still on shift" in n.message for n in app._notifications)
        )
        await pilot.press("A")
        assert not isinstance(app.screen, ConfirmModal)  # nothing clean and finished


async def test_the_timesheet_keys(day_done_db: FloorDatabase) -> None:
    floor_db = day_done_db
    app = evening_app(floor_db)

    async def loaded() -> TimesheetsScreen:
        screen = app.screen
        assert isinstance(screen, TimesheetsScreen)
        await wait_until(pilot, lambda: screen.rows, tries=200)
        await settle_tables(pilot)
        return screen

    async with app.run_test(size=(110, 32)) as pilot:
        await wait_for_load(pilot)
        await pilot.press("4")
        screen = await loaded()
        table = screen.query_one(FloorTable)
        clean = [t for t in screen.rows if t.clean and t.status == "pending"]
        first = screen.rows[0]
        table.select_key(first.agent_id)
        await pilot.press("x")
        await pilot.press("escape")  # backs out, nothing changes
        await pilot.press("x", *"left early without telling", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        with floor_db.connect() as conn:
            assert conn.execute(
                text("SELECT status, reason FROM timesheet WHERE agent_id=:a"),
                {"a": first.agent_id},
            ).one() == ("rejected", "left early without telling")
        await pilot.press("A")
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("escape")
        await pilot.press("A", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        with floor_db.connect() as conn:
            approved = set(
                conn.execute(
                    text("SELECT agent_id FROM timesheet WHERE status = 'approved'")
                ).scalars()
            )
        assert approved == {t.agent_id for t in clean if t.agent_id != first.agent_id}


def test_payroll_csv_columns(floor_db: FloorDatabase) -> None:
    from floorlead.config import Settings
    from floorlead.store.sheets import week_timesheets

    with floor_db.connect() as conn:
        names = {r[0]: r[1] for r in conn.execute(text("SELECT id, name FROM agent"))}
        sheets = week_timesheets(conn, Settings(), FROZEN.date(), FROZEN, names)
    rows = list(csv.reader(io.StringIO(csv_text(sheets, TZ))))
    assert tuple(rows[0]) == HEADER
    assert len(rows) == len(sheets) + 1
    for row in rows[1:]:
        assert row[2] == "2026-11-23"
        assert all(len(x.split(".")[1]) == 2 for x in row[3:6])  # two decimals


def test_a_45_hour_week_is_40_regular_and_5_overtime() -> None:
    days = [(MON + timedelta(days=i), 9.0) for i in range(5)]
    split = weekly_overtime(days)
    assert sum(s.regular_h for s in split) == 40 and sum(s.overtime_h for s in split) == 5


def test_the_workweek_boundary_resets_the_count() -> None:
    from floorlead.domain.timesheets import workweek_start

    # Sunday 9 h, then Monday starts a new week: nothing carried
    sunday = date(2026, 11, 22)
    assert workweek_start(sunday, 0) != workweek_start(sunday + timedelta(days=1), 0)
    assert weekly_overtime([(sunday + timedelta(days=1), 9.0)])[0].overtime_h == 0


def test_a_13_hour_day_under_the_daily_rule_is_8_4_1() -> None:
    from floorlead.domain.timesheets import daily_overtime

    split = daily_overtime([(MON, 13.0)])[0]
    assert (split.regular_h, split.overtime_h, split.double_h) == (8.0, 4.0, 1.0)


def test_the_seventh_consecutive_day() -> None:
    from floorlead.domain.timesheets import daily_overtime

    days = [(MON + timedelta(days=i), 6.0) for i in range(6)] + [(MON + timedelta(days=6), 10.0)]
    split = daily_overtime(days)
    assert split[-1].regular_h == 0 and split[-1].overtime_h == 8 and split[-1].double_h == 2
    assert sum(s.regular_h for s in split[:6]) == 36


HOURS = st.lists(st.floats(min_value=0, max_value=16, allow_nan=False), min_size=1, max_size=7)


@given(HOURS, st.sampled_from(["us_federal", "california"]))
def test_pay_splits_add_up_and_are_never_negative(hours: list[float], rules: str) -> None:
    from floorlead.domain.timesheets import split_week

    days = [(MON + timedelta(days=i), h) for i, h in enumerate(hours)]
    for (_, worked), split in zip(days, split_week(rules, days), strict=True):
        assert split.regular_h >= 0 and split.overtime_h >= 0 and split.double_h >= 0
        assert split.regular_h + split.overtime_h + split.double_h == pytest.approx(worked)
    total_regular = sum(s.regular_h for s in split_week(rules, days))
    assert total_regular <= 40 + 1e-9


@given(
    st.lists(st.integers(min_value=0, max_value=7 * 24 * 3600 * 1000), min_size=400, max_size=400),
    st.sampled_from([5, 6, 15]),
)
def test_rounding_is_neutral(offsets_ms: list[int], minutes: int) -> None:
    from datetime import UTC, datetime

    from floorlead.domain.timesheets import round_punch

    base = datetime(2026, 11, 16, tzinfo=UTC)
    shifts = []
    for ms in offsets_ms:
        at = base + timedelta(milliseconds=ms)
        rounded = round_punch(at, minutes)
        assert abs((rounded - at).total_seconds()) <= minutes * 30
        shifts.append((rounded - at).total_seconds())
    # nearest rounding: the average shift is close to zero (within 10 % of the step)
    assert abs(sum(shifts) / len(shifts)) < minutes * 60 * 0.1


def test_schedule_exceptions_in_words() -> None:
    from datetime import UTC, datetime

    from floorlead.domain.timesheets import PunchTime, schedule_exceptions

    start = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)

    def at(minutes: int) -> datetime:
        return start + timedelta(minutes=minutes)

    punches = [
        PunchTime(at(12), "in"),
        PunchTime(at(120), "break_start"),
        PunchTime(at(150), "break_end"),
        PunchTime(at(360), "meal_start"),
        PunchTime(at(380), "meal_end"),
        PunchTime(at(470), "out"),
    ]
    found = schedule_exceptions(
        punches,
        scheduled_start=start,
        scheduled_end=at(510),
        now=at(600),
        grace_min=5,
        meal_after_h=5,
    )
    assert found == (
        "late start (12 min)",
        "early leave (40 min)",
        "meal late",
        "meal short (20:00)",
        "break over length (30 min)",
    )
    clean = [
        PunchTime(at(0), "in"),
        PunchTime(at(240), "meal_start"),
        PunchTime(at(270), "meal_end"),
        PunchTime(at(510), "out"),
    ]
    assert (
        schedule_exceptions(
            clean,
            scheduled_start=start,
            scheduled_end=at(510),
            now=at(600),
            grace_min=5,
            meal_after_h=5,
        )
        == ()
    )


def test_kill_9_during_a_bulk_approval_leaves_nothing_half_done(
    floor_db: FloorDatabase, db_path: object, tmp_path: object
) -> None:
    """A subprocess approves every timesheet in one transaction, slowed down inside it, and
    is killed with SIGKILL half-way: afterwards every timesheet is either approved with its
    audit row or still pending."""
    import os
    import signal
    import subprocess
    import sys
    import time

    child = f"""
import time, sys
from datetime import datetime, UTC
import floorlead.store.approvals as ap
from floorlead.config import Settings
from floorlead.store.db import open_database, resolve_target
from sqlalchemy import text
original = ap.audit
def slow_audit(*a, **k):
    original(*a, **k)
    print("approved one", flush=True)
    time.sleep(0.2)
ap.audit = slow_audit
db = open_database(resolve_target({str(db_path)!r}))
with db.connect() as conn:
    agents = list(conn.execute(text("SELECT DISTINCT agent_id FROM punch")).scalars())
day = datetime(2026, 11, 23, tzinfo=UTC).date()
from floorlead.domain.actor import Actor
by = Actor("sam", datetime(2026, 11, 23, 17, tzinfo=UTC), "UTC")
ap.approve_many(db, [ap.Decision(a, day, 0) for a in agents], by=by, settings=Settings())
print("finished", flush=True)
"""
    floor_db.dispose()
    proc = subprocess.Popen([sys.executable, "-c", child], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    seen = 0
    for line in proc.stdout:
        seen += line.startswith("approved one")
        if seen == 3:
            os.kill(proc.pid, signal.SIGKILL)
            break
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    time.sleep(0.1)
    with floor_db.connect() as conn:
        approved = conn.execute(
            text("SELECT count(*) FROM timesheet WHERE status = 'approved'")
        ).scalar()
        audits = conn.execute(
            text("SELECT count(*) FROM audit_log WHERE action = 'timesheet.approve'")
        ).scalar()
    assert approved == audits == 0  # one transaction: none of it happened


def test_corrections_keep_the_original_and_change_the_hours(floor_db: FloorDatabase) -> None:
    from datetime import UTC, datetime

    from floorlead.config import Settings
    from floorlead.store.approvals import correct_punch, mark_leave
    from floorlead.store.sheets import timesheet_detail, week_timesheets

    settings = Settings()
    agent = day_of(floor_db)[0]
    day = FROZEN.date()
    with floor_db.connect() as conn:
        names = {r[0]: r[1] for r in conn.execute(text("SELECT id, name FROM agent"))}
        before = next(
            t for t in week_timesheets(conn, settings, day, FROZEN, names) if t.agent_id == agent
        )
        detail = timesheet_detail(conn, settings, agent, day)
    clock_in = next(p for p in detail.punches if p.kind == "in")
    with pytest.raises(FloorleadError, match="needs a reason"):
        correct_punch(
            floor_db,
            agent_id=agent,
            day=day,
            expected_version=0,
            action="move",
            reason=" ",
            by=Actor("sam", FROZEN, TZ),
            punch_id=clock_in.id,
            at=clock_in.at,
        )
    earlier = clock_in.at - timedelta(minutes=30)
    correct_punch(
        floor_db,
        agent_id=agent,
        day=day,
        expected_version=0,
        action="move",
        reason="badge reader down",
        by=Actor("sam", FROZEN, TZ),
        punch_id=clock_in.id,
        at=earlier,
    )
    with floor_db.connect() as conn:
        after = next(
            t for t in week_timesheets(conn, settings, day, FROZEN, names) if t.agent_id == agent
        )
        detail = timesheet_detail(conn, settings, agent, day)
        audits = conn.execute(
            text("SELECT count(*) FROM audit_log WHERE action = 'timesheet.correct'")
        ).scalar()
    assert after.worked_s - before.worked_s == pytest.approx(1800)
    assert after.first_in == earlier
    original = next(p for p in detail.punches if p.id == clock_in.id)
    assert original.replaced and original.at == clock_in.at  # kept, unchanged
    assert any(p.replaces_id == clock_in.id for p in detail.punches)
    assert audits == 1
    with pytest.raises(ConflictError):  # somebody else's version
        correct_punch(
            floor_db,
            agent_id=agent,
            day=day,
            expected_version=0,
            action="void",
            reason="x",
            by=Actor("ana", FROZEN, TZ),
            punch_id=clock_in.id,
        )
    decide(
        floor_db,
        Decision(agent, day, 1),
        "approve",
        by=Actor("sam", FROZEN, TZ),
        settings=Settings(),
    )
    with pytest.raises(FloorleadError, match="locked"):
        correct_punch(
            floor_db,
            agent_id=agent,
            day=day,
            expected_version=2,
            action="add",
            kind="out",
            at=datetime(2026, 11, 23, 22, tzinfo=UTC),
            reason="x",
            by=Actor("sam", FROZEN, TZ),
        )
    with pytest.raises(FloorleadError, match="one of sick"):
        mark_leave(
            floor_db,
            agent_id=agent,
            day=day,
            expected_version=2,
            leave_kind="nap",
            reason="x",
            by=Actor("sam", FROZEN, TZ),
        )


async def test_correct_a_punch_by_keys(floor_db: FloorDatabase) -> None:
    from floorlead.tui.screens.timesheet_detail import TimesheetDetailScreen
    from tests.test_escalations import make_app

    app = make_app(floor_db)
    async with app.run_test(size=(110, 32)) as pilot:
        await wait_for_load(pilot)
        await pilot.press("4")
        screen = app.screen
        assert isinstance(screen, TimesheetsScreen)
        await wait_until(pilot, lambda: screen.rows, tries=200)
        worked = [t for t in screen.rows if t.first_in is not None]
        screen.query_one(FloorTable).select_key(worked[0].agent_id)
        await pilot.press("enter")
        assert isinstance(app.screen, TimesheetDetailScreen)
        await wait_until(pilot, lambda: app.screen.detail is not None, tries=100)
        await pilot.press("plus", "escape")  # backs out
        await pilot.press("v", *"duplicate badge swipe", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        with floor_db.connect() as conn:
            voided = conn.execute(
                text(
                    "SELECT count(*) FROM punch WHERE voided = 1 AND "
                    "reason = 'duplicate badge swipe'"
                )
            ).scalar()
        assert voided == 1


@pytest.mark.parametrize(
    ("clock_in", "clock_out", "hours"),
    [
        ("2026-11-23T22:00:00-05:00", "2026-11-24T06:30:00-05:00", 8.5),  # across midnight
        ("2026-10-31T22:00:00-04:00", "2026-11-01T06:00:00-05:00", 9.0),  # clocks go back
        ("2026-03-07T22:00:00-05:00", "2026-03-08T06:00:00-04:00", 7.0),  # clocks go forward
    ],
)
def test_night_shifts_across_midnight_and_dst(clock_in: str, clock_out: str, hours: float) -> None:
    from datetime import datetime

    from floorlead.domain.timesheets import PunchTime, worked_day
    from floorlead.domain.when import floor_date

    start, end = datetime.fromisoformat(clock_in), datetime.fromisoformat(clock_out)
    day = worked_day([PunchTime(start, "in"), PunchTime(end, "out")], now=end, shift_end=end)
    assert day.worked_s / 3600 == pytest.approx(hours)
    # the shift belongs to the day it starts on
    assert floor_date(start, TZ) == start.date()


async def test_approve_with_a_and_reopen_with_o(day_done_db: FloorDatabase) -> None:
    floor_db = day_done_db
    app = evening_app(floor_db)
    async with app.run_test(size=(110, 32)) as pilot:
        await wait_for_load(pilot)
        await pilot.press("4")
        screen = app.screen
        assert isinstance(screen, TimesheetsScreen)
        await wait_until(pilot, lambda: screen.rows, tries=200)
        target = screen.rows[-1]
        screen.query_one(FloorTable).select_key(target.agent_id)
        before = app.loads
        await pilot.press("a")  # one key
        await app.workers.wait_for_complete()
        await wait_for_load(pilot, before + 1)
        for _ in range(100):
            await app.workers.wait_for_complete()
            await pilot.pause()
            row = next(t for t in screen.rows if t.agent_id == target.agent_id)
            if row.status == "approved":
                break
        assert row.status == "approved" and row.decided_by == "sam"
        screen.query_one(FloorTable).select_key(target.agent_id)
        await pilot.press("o", *"forgot the meal correction", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        with floor_db.connect() as conn:
            status = conn.execute(
                text("SELECT status, reason FROM timesheet WHERE agent_id = :a"),
                {"a": target.agent_id},
            ).one()
        assert tuple(status) == ("reopened", "forgot the meal correction")


def test_leave_only_for_a_day_without_punches(floor_db: FloorDatabase) -> None:
    from floorlead.feeds.jsonl import ingest_lines
    from floorlead.store.approvals import mark_leave

    agent = day_of(floor_db)[0]
    with pytest.raises(FloorleadError, match="punched in that day"):
        mark_leave(
            floor_db,
            agent_id=agent,
            day=FROZEN.date(),
            expected_version=0,
            leave_kind="sick",
            reason="flu",
            by=Actor("sam", FROZEN, TZ),
        )
    ingest_lines(floor_db, ['{"type":"agent.upsert","agent":"zz","name":"Off Sick"}'])
    mark_leave(
        floor_db,
        agent_id="zz",
        day=FROZEN.date(),
        expected_version=0,
        leave_kind="sick",
        reason="flu",
        by=Actor("sam", FROZEN, TZ),
    )
    with floor_db.connect() as conn:
        row = conn.execute(
            text("SELECT status, leave_kind, reason FROM timesheet WHERE agent_id = 'zz'")
        ).one()
        audit = conn.execute(
            text("SELECT action FROM audit_log WHERE entity_id = 'zz/2026-11-23'")
        ).scalar()
    assert tuple(row) == ("leave", "sick", "flu") and audit == "timesheet.leave"
