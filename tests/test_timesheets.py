"""Timesheets: weekly overtime, decisions with their audit rows, the keys, the payroll CSV."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from sqlalchemy import text

from floorlead.domain.timesheets import weekly_overtime, workweek_start
from floorlead.errors import FloorleadError
from floorlead.reports.payroll import HEADER, csv_text
from floorlead.store.approvals import Decision, approve_many, decide
from floorlead.store.db import FloorDatabase
from floorlead.store.triage import ConflictError
from floorlead.tui.screens.timesheets import TimesheetsScreen
from floorlead.tui.widgets.floor_table import FloorTable
from floorlead.tui.widgets.modals import ConfirmModal
from tests.conftest import FROZEN
from tests.tui_helpers import settle_tables, wait_for_load

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
        decide(floor_db, d, "reject", actor="sam", at=FROZEN, tz=TZ)
    with pytest.raises(FloorleadError, match="pending cannot be reopened"):
        decide(floor_db, d, "reopen", actor="sam", at=FROZEN, tz=TZ, reason="x")
    decide(floor_db, d, "approve", actor="sam", at=FROZEN, tz=TZ)
    with pytest.raises(ConflictError, match="Approved by sam at 12:00"):
        decide(floor_db, d, "approve", actor="ana", at=FROZEN, tz=TZ)  # stale version 0
    with pytest.raises(FloorleadError, match="approved cannot be approved"):
        decide(
            floor_db, Decision(agent, FROZEN.date(), 1), "approve", actor="ana", at=FROZEN, tz=TZ
        )
    decide(
        floor_db,
        Decision(agent, FROZEN.date(), 1),
        "reopen",
        actor="ana",
        at=FROZEN,
        tz=TZ,
        reason="missed a correction",
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
        floor_db, Decision(agents[0], FROZEN.date(), 0), "approve", actor="ana", at=FROZEN, tz=TZ
    )
    approved, problems = approve_many(
        floor_db, [Decision(a, FROZEN.date(), 0) for a in agents], actor="sam", at=FROZEN, tz=TZ
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


async def test_the_timesheet_keys(floor_db: FloorDatabase) -> None:
    from tests.test_escalations import make_app

    app = make_app(floor_db)

    async def loaded() -> TimesheetsScreen:
        screen = app.screen
        assert isinstance(screen, TimesheetsScreen)
        for _ in range(200):
            await app.workers.wait_for_complete()
            await pilot.pause()
            if screen.rows:
                break
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
    from floorlead.store.read import week_timesheets

    with floor_db.connect() as conn:
        names = {r[0]: r[1] for r in conn.execute(text("SELECT id, name FROM agent"))}
        sheets = week_timesheets(conn, Settings(), FROZEN.date(), FROZEN, names)
    rows = list(csv.reader(io.StringIO(csv_text(sheets, TZ))))
    assert tuple(rows[0]) == HEADER
    assert len(rows) == len(sheets) + 1
    for row in rows[1:]:
        assert row[2] == "2026-11-23"
        assert all(len(x.split(".")[1]) == 2 for x in row[3:6])  # two decimals
