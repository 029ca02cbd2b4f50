"""Call-outs: an agent absent for hours flows through to coverage, adherence and the
timesheet, audited, and can be undone the same day only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from floorlead.config import Settings
from floorlead.domain import metrics as mx
from floorlead.domain.actor import Actor
from floorlead.errors import ConflictError, FloorleadError
from floorlead.feeds.jsonl import ingest_lines
from floorlead.store.coverage import read_coverage
from floorlead.store.db import FloorDatabase
from floorlead.store.schedules import call_out, undo_call_out
from floorlead.store.sheets import day_timesheets
from tests.conftest import FROZEN, TZ

DAY = FROZEN.date()
NINE = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)  # 09:00 in New York


def floor(db: FloorDatabase) -> None:
    lines = [
        '{"type":"queue.upsert","queue":"billing","name":"Billing","channel":"voice"}',
        '{"type":"agent.upsert","agent":"a1","name":"Ann Lee","team":"N","queues":["billing"]}',
        '{"type":"schedule","agent":"a1","start":"2026-11-23T14:00:00Z",'
        '"end":"2026-11-23T22:00:00Z","activity":"work"}',
        '{"type":"schedule","agent":"a1","start":"2026-11-23T17:00:00Z",'
        '"end":"2026-11-23T17:30:00Z","activity":"lunch"}',
    ]
    assert not ingest_lines(db, lines).errors


def scheduled_at(db: FloorDatabase, at: datetime) -> float:
    with db.connect() as conn:
        cov, _ = read_coverage(conn, Settings(), DAY, FROZEN)
    row = next(r for r in cov.of("billing") if r.interval.start == at)
    return row.scheduled


def test_a_call_out_takes_the_hours_off_coverage_and_says_so_on_the_timesheet(
    db: FloorDatabase,
) -> None:
    floor(db)
    sam = Actor("sam", FROZEN, TZ)
    one = NINE + timedelta(hours=4)  # 13:00
    assert scheduled_at(db, one) == 1.0
    made = call_out(db, "a1", one, NINE + timedelta(hours=8), "sick", "fever", sam)
    assert scheduled_at(db, one) == 0.0
    assert scheduled_at(db, NINE) == 1.0  # the morning is still scheduled
    # the absence overrides the lunch block too, and offline is in adherence then
    blocks = [
        mx.ScheduleBlock(NINE, NINE + timedelta(hours=8), "work"),
        mx.ScheduleBlock(NINE + timedelta(hours=3), NINE + timedelta(hours=3.5), "lunch"),
        mx.ScheduleBlock(NINE + timedelta(hours=3), NINE + timedelta(hours=8), "absent"),
    ]
    labels = [s.label for s in mx.scheduled_segments(blocks, NINE, NINE + timedelta(hours=8))]
    assert labels == ["work", "absent"]
    assert mx.ADHERENT_STATES["absent"] == frozenset({"offline"})
    with db.connect() as conn:
        sheet = next(
            t for t in day_timesheets(conn, Settings(), DAY, FROZEN, {}) if t.agent_id == "a1"
        )
    assert "called out sick 13:00–17:00: fever" in sheet.exceptions
    assert "no punches" not in sheet.exceptions
    with pytest.raises(ConflictError, match="already called out"):
        call_out(db, "a1", one + timedelta(hours=1), one + timedelta(hours=2), "other", "x", sam)
    with pytest.raises(FloorleadError, match="needs a reason"):
        call_out(db, "a1", NINE, one, "sick", " ", sam)
    with pytest.raises(FloorleadError, match="no agent 'zz'"):
        call_out(db, "zz", NINE, one, "sick", "flu", sam)
    tomorrow = Actor("sam", FROZEN + timedelta(days=1), TZ)
    with pytest.raises(FloorleadError, match="only on the day it was made"):
        undo_call_out(db, made.id, tomorrow)
    undo_call_out(db, made.id, sam)
    assert scheduled_at(db, one) == 1.0
    with pytest.raises(ConflictError, match="already undone by sam"):
        undo_call_out(db, made.id, sam)
    with db.connect() as conn:
        actions = [r[0] for r in conn.execute(text("SELECT action FROM audit_log ORDER BY id"))]
    assert actions[-2:] == ["agent.call_out", "agent.call_out_undone"]


async def test_a_call_out_from_the_agents_screen_by_keys_and_undone(
    floor_db: FloorDatabase,
) -> None:
    from floorlead.tui.widgets.floor_table import FloorTable
    from tests.tui_helpers import make_app, settle_tables, wait_for_load, wait_until

    app = make_app(floor_db)

    def active() -> list[tuple[str, str, str]]:
        with floor_db.connect() as conn:
            return [
                tuple(r)
                for r in conn.execute(
                    text("SELECT agent_id, kind, reason FROM call_out WHERE undone_at IS NULL")
                )
            ]

    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_load(pilot)
        await pilot.press("2")
        await settle_tables(pilot)
        agent = app.screen.query_one(FloorTable).selected_key
        assert agent is not None
        await pilot.press("x", "enter", *"13:00-17:00", "enter", *"fever", "enter")
        assert await wait_until(pilot, lambda: active() == [(agent, "sick", "fever")])
        notes = [n.message for n in app._notifications]
        assert any(
            "called out sick 13:00–17:00: fever. Shift+X undoes it today." in n for n in notes
        )
        await pilot.press("X")
        assert await wait_until(pilot, lambda: active() == [])
        await pilot.press("x", "escape")  # Escape backs out: nothing written
        await pilot.pause()
        assert active() == []


def test_the_handover_names_the_next_shifts_understaffed_intervals(db: FloorDatabase) -> None:
    from floorlead.feeds.forecast import ForecastRow
    from floorlead.reports.shift import markdown
    from floorlead.store.coverage import import_forecast
    from floorlead.store.handover import shift_bounds, shift_report

    floor(db)
    one = NINE + timedelta(hours=4)  # 13:00: 40 contacts at 240 s need 8; a1 alone is there
    import_forecast(db, [ForecastRow("billing", one, 40, 240)], Actor("sam", FROZEN, TZ), "f")
    start, end = shift_bounds(DAY, TZ, "06:00-12:00", "00:00")
    with db.connect() as conn:
        report = shift_report(conn, Settings(), DAY, start, end, FROZEN)
    assert report.understaffed_next == ("13:00 billing: short 7.0 (8 required, 1.0 scheduled)",)
    text = markdown(report)
    assert "## Understaffed in the next shift" in text
    assert "- 13:00 billing: short 7.0 (8 required, 1.0 scheduled)" in text


def test_a_what_if_shows_the_change_first_and_applying_writes_it(db: FloorDatabase) -> None:
    from floorlead.domain.coverage import cancelled, moved_break, what_if
    from floorlead.store.schedules import apply_schedule_changes

    floor(db)
    two = NINE + timedelta(hours=5)  # 14:00
    assert not ingest_lines(
        db,
        [
            '{"type":"schedule","agent":"a1","start":"2026-11-23T19:00:00Z",'
            '"end":"2026-11-23T20:00:00Z","activity":"meeting"}'
        ],
    ).errors
    with db.connect() as conn:
        cov, _ = read_coverage(conn, Settings(), DAY, FROZEN)
    assert cov.inputs is not None
    at = {r.interval.start: r for r in cov.of("billing")}
    assert at[two].scheduled == 0.0 and at[NINE + timedelta(hours=3)].scheduled == 0.0  # lunch
    # +2 agents from 14:00: a question, not a schedule
    key = at[two].interval.key
    more = what_if(cov.inputs, extra={(key, "billing"): 2.0})
    assert {r.interval.start: r for r in more.of("billing")}[two].scheduled == 2.0
    # cancel the meeting from 14:00 to 14:30: a1 works then instead, and only then
    cut = cancelled(cov.inputs, "billing", two, two + timedelta(minutes=30), ["meeting"])
    assert [(c.old.activity, [(b.start, b.end) for b in c.new]) for c in cut] == [
        ("meeting", [(two + timedelta(minutes=30), two + timedelta(hours=1))])
    ]
    tried = {r.interval.start: r for r in what_if(cov.inputs, changes=cut).of("billing")}
    assert tried[two].scheduled == 1.0 and tried[two + timedelta(minutes=30)].scheduled == 0.0
    # move the lunch from 12:00 to 13:00
    moved = moved_break(cov.inputs, "a1", NINE + timedelta(hours=3), NINE + timedelta(hours=4))
    after = {r.interval.start: r for r in what_if(cov.inputs, changes=moved).of("billing")}
    assert after[NINE + timedelta(hours=3)].scheduled == 1.0
    assert after[NINE + timedelta(hours=4)].scheduled == 0.0
    sam = Actor("sam", FROZEN, TZ)
    with pytest.raises(FloorleadError, match="needs a reason"):
        apply_schedule_changes(db, cut, " ", sam)
    assert apply_schedule_changes(db, [*cut, *moved], "volume over forecast", sam) == 2
    with db.connect() as conn:
        now_cov, _ = read_coverage(conn, Settings(), DAY, FROZEN)
    applied = {r.interval.start: r for r in now_cov.of("billing")}
    assert applied[two].scheduled == 1.0 and applied[NINE + timedelta(hours=4)].scheduled == 0.0
    with pytest.raises(ConflictError, match="changed meanwhile"):
        apply_schedule_changes(db, cut, "again", sam)  # the old meeting block is gone
    with db.connect() as conn:
        actions = [r[0] for r in conn.execute(text("SELECT action FROM audit_log ORDER BY id"))]
    assert actions[-1] == "schedule.change"
