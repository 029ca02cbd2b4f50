"""Payroll pays only what was approved and never guesses hours: a missing punch leaves the
hours unknown and the timesheet unapprovable, exports carry approved timesheets unless asked,
and a shift across the workweek boundary splits its hours at the boundary."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from floorlead.cli import app as cli
from floorlead.config import FloorSettings, Settings
from floorlead.domain.actor import Actor
from floorlead.domain.timesheets import PunchTime, worked_day
from floorlead.errors import FloorleadError
from floorlead.feeds.jsonl import ingest_lines
from floorlead.store.approvals import Decision, correct_punch, decide
from floorlead.store.db import FloorDatabase
from floorlead.store.sheets import TimesheetRow, range_timesheets
from floorlead.tui.app import FloorleadApp
from floorlead.tui.widgets.floor_table import FloorTable
from floorlead.tui.widgets.modals import ConfirmModal
from tests.tui_helpers import settle_tables, wait_for_load, wait_until

TZ = "America/New_York"
DAY = date(2026, 11, 23)  # a Monday
#: the evening of DAY on the floor: every shift of the day is over
EVENING = datetime(2026, 11, 24, 4, 0, tzinfo=UTC)


def at(local_hhmm: str, day: date = DAY) -> str:
    hh, mm = local_hhmm.split(":")
    return f"{day.isoformat()}T{hh}:{mm}:00-05:00"


def shift_lines(agent: str, name: str, punches: list[tuple[str, str]]) -> list[str]:
    lines = [
        f'{{"type":"agent.upsert","agent":"{agent}","name":"{name}","team":"North","queues":[]}}',
        f'{{"type":"schedule","agent":"{agent}","start":"{at("09:00")}","end":"{at("17:00")}",'
        '"activity":"work"}',
    ]
    lines += [
        f'{{"type":"punch","at":"{at(t)}","agent":"{agent}","kind":"{kind}"}}'
        for kind, t in punches
    ]
    return lines


@pytest.fixture
def shifts_db(db: FloorDatabase) -> FloorDatabase:
    """Ann worked a clean day; Bo never clocked out; Cy's meal has no end."""
    lines = (
        shift_lines("a1", "Ann Lee", [("in", "09:00"), ("out", "17:00")])
        + shift_lines("a2", "Bo Diaz", [("in", "09:00")])
        + shift_lines("a3", "Cy Ng", [("in", "09:00"), ("meal_start", "12:00"), ("out", "17:00")])
    )
    result = ingest_lines(db, lines)
    assert not result.errors, result.errors
    return db


def sheets(db: FloorDatabase, settings: Settings | None = None) -> dict[str, TimesheetRow]:
    with db.connect() as conn:
        names = {r[0]: r[1] for r in conn.execute(text("SELECT id, name FROM agent"))}
        rows = range_timesheets(conn, settings or Settings(), DAY, DAY, EVENING, names)
    return {t.agent_id: t for t in rows}


def test_a_missing_out_punch_leaves_the_hours_unknown() -> None:
    start = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
    end = start + timedelta(hours=8)
    day = worked_day([PunchTime(start, "in")], now=end + timedelta(hours=3), shift_end=end)
    assert day.worked_s is None
    assert "missing out punch" in day.exceptions
    # still on shift: the hours so far are shown, and the shift is not over
    running = worked_day([PunchTime(start, "in")], now=start + timedelta(hours=2), shift_end=end)
    assert running.worked_s == 2 * 3600


def test_a_missing_meal_end_says_the_meal_could_not_be_deducted(shifts_db: FloorDatabase) -> None:
    cy = sheets(shifts_db)["a3"]
    assert cy.worked_s is None
    assert any("meal could not be deducted" in e for e in cy.exceptions)


def test_unknown_hours_cannot_be_approved_until_a_punch_is_added(
    shifts_db: FloorDatabase,
) -> None:
    settings = Settings()
    bo = sheets(shifts_db)["a2"]
    assert bo.worked_s is None and "missing out punch" in bo.exceptions
    with pytest.raises(FloorleadError, match="hours are unknown"):
        decide(
            shifts_db,
            Decision("a2", DAY, bo.version),
            "approve",
            by=Actor("sam", EVENING, TZ),
            settings=settings,
        )
    # the correction takes the scheduled end explicitly, as its own audited row
    correct_punch(
        shifts_db,
        agent_id="a2",
        day=DAY,
        expected_version=bo.version,
        action="add",
        kind="out",
        at=bo.scheduled_end,
        reason="left at the scheduled end, says the team lead",
        by=Actor("sam", EVENING, TZ),
    )
    bo = sheets(shifts_db)["a2"]
    assert bo.worked_s == 8 * 3600
    decide(
        shifts_db,
        Decision("a2", DAY, bo.version),
        "approve",
        by=Actor("sam", EVENING, TZ),
        settings=settings,
    )
    assert sheets(shifts_db)["a2"].status == "approved"


def test_export_carries_approved_timesheets_unless_asked(
    shifts_db: FloorDatabase, db_path: Path, tmp_path: Path
) -> None:
    decide(
        shifts_db,
        Decision("a1", DAY, 0),
        "approve",
        by=Actor("sam", EVENING, TZ),
        settings=Settings(),
    )
    decide(
        shifts_db,
        Decision("a3", DAY, 0),
        "reject",
        by=Actor("sam", EVENING, TZ),
        reason="meal punch",
        settings=Settings(),
    )
    runner = CliRunner()
    out = tmp_path / "pay.csv"
    args = ["timesheets", "export", "--db", str(db_path), "--from", "2026-11-23"]
    result = runner.invoke(cli, [*args, "--to", "2026-11-23", "-o", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert [r["name"] for r in rows] == ["Ann Lee"]
    assert "1 pending, 1 rejected not exported" in result.output
    everything = runner.invoke(cli, [*args, "--to", "2026-11-23", "--status", "all"])
    assert everything.exit_code == 0, everything.output
    listed = list(csv.DictReader(io.StringIO(everything.stdout)))
    bo = next(r for r in listed if r["name"] == "Bo Diaz")
    assert bo["regular_hours"] == "" and "missing out punch" in bo["exceptions"]


def test_a_shift_across_the_workweek_boundary_splits_its_hours(db: FloorDatabase) -> None:
    """Monday workweeks; 38 h Mon–Sat, then Sunday 20:00 → Monday 06:00 (10 h): 4 h fall in
    the first week (42 h: 2 h overtime), 6 h in the next (regular)."""
    monday = date(2026, 11, 16)
    lines = [
        '{"type":"agent.upsert","agent":"a1","name":"Ann Lee","team":"North","queues":[]}',
    ]
    for i, hours in enumerate([8, 8, 8, 8, 6]):
        day = monday + timedelta(days=i)
        lines += [
            f'{{"type":"punch","at":"{at("08:00", day)}","agent":"a1","kind":"in"}}',
            f'{{"type":"punch","at":"{at(f"{8 + hours:02d}:00", day)}","agent":"a1","kind":"out"}}',
        ]
    sunday = monday + timedelta(days=6)
    lines += [
        f'{{"type":"schedule","agent":"a1","start":"{at("20:00", sunday)}",'
        f'"end":"{at("06:00", sunday + timedelta(days=1))}","activity":"work"}}',
        f'{{"type":"punch","at":"{at("20:00", sunday)}","agent":"a1","kind":"in"}}',
        f'{{"type":"punch","at":"{at("06:00", sunday + timedelta(days=1))}","agent":"a1",'
        '"kind":"out"}',
    ]
    assert not ingest_lines(db, lines).errors
    with db.connect() as conn:
        rows = range_timesheets(
            conn, Settings(), monday, sunday, datetime(2026, 11, 24, 12, tzinfo=UTC), {}
        )
    night = next(t for t in rows if t.shift_date == sunday)
    assert night.worked_s == 10 * 3600  # shown on the day it started
    assert night.overtime_h == pytest.approx(2.0)
    assert night.regular_h == pytest.approx(8.0)


async def test_approving_with_exceptions_asks_once_naming_them(
    shifts_db: FloorDatabase,
) -> None:
    ingest_lines(shifts_db, shift_lines("a4", "Di Park", [("in", "09:20"), ("out", "17:00")]))
    app = FloorleadApp(
        shifts_db,
        Settings(floor=FloorSettings(supervisor="sam", timezone=TZ)),
        clock=lambda: EVENING,
        poll_interval=0.05,
    )
    async with app.run_test(size=(120, 32)) as pilot:
        await wait_for_load(pilot)
        await pilot.press("4")
        table = app.screen.query_one(FloorTable)
        await wait_until(pilot, lambda: table.row_count == 4)
        await settle_tables(pilot)
        assert "unknown" in str(table.get_cell("a2", "worked"))
        table.select_key("a2")
        await pilot.press("a")
        await wait_until(pilot, lambda: any("unknown" in n.message for n in app._notifications))
        assert any("hours are unknown" in n.message for n in app._notifications)
        table.select_key("a4")
        await pilot.press("a")
        assert isinstance(app.screen, ConfirmModal)
        asked = " ".join(str(label.render()) for label in app.screen.query("Label"))
        assert "late start (20 min)" in asked
        await pilot.press("enter")
        await wait_until(pilot, lambda: sheets(shifts_db)["a4"].status == "approved")
        assert sheets(shifts_db)["a4"].status == "approved"
