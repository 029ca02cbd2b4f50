"""The TUI driven by keys, on a temporary database with a frozen clock."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from textual.command import CommandPalette
from textual.widgets import Markdown

from floorlead.store.db import FloorDatabase
from floorlead.store.sheets import day_timesheets
from floorlead.tui.screens.agents import AgentsScreen
from floorlead.tui.screens.coaching import CoachingScreen
from floorlead.tui.screens.escalations import EscalationsScreen
from floorlead.tui.screens.help import HelpScreen
from floorlead.tui.screens.queues import QueuesScreen
from floorlead.tui.screens.timesheets import TimesheetsScreen
from floorlead.tui.widgets.floor_table import FloorTable
from floorlead.tui.widgets.header import FloorHeader
from tests.conftest import FROZEN
from tests.tui_helpers import make_app, settle_tables, table_text, wait_for_load

SIZE = (110, 32)


async def test_keys_one_to_five_switch_screens_with_real_data(floor_db: FloorDatabase) -> None:
    app = make_app(floor_db)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_load(pilot)
        assert isinstance(app.screen, QueuesScreen)
        assert "Billing" in table_text(pilot) and "Tech support" in table_text(pilot)
        header = app.screen.query_one(FloorHeader)
        assert "Mon 23 Nov 12:00:00 EST" in str(header.query_one("#clock").render())

        await pilot.press("2")
        assert isinstance(app.screen, AgentsScreen)
        snap = app.snapshot
        assert snap is not None
        on_shift = [a for a in snap.agents if a.on_shift]
        assert on_shift and on_shift[0].name in table_text(pilot)
        assert app.screen.query_one(FloorTable).row_count == len(on_shift)

        await pilot.press("3")
        assert isinstance(app.screen, EscalationsScreen)
        assert app.screen.query_one(FloorTable).row_count == len(snap.escalations)

        await pilot.press("4")
        assert isinstance(app.screen, TimesheetsScreen)
        with floor_db.connect() as conn:
            sheets = day_timesheets(conn, app.settings, snap.day, FROZEN, snap.agent_names)
        assert app.screen.query_one(FloorTable).row_count == len(sheets) > 0

        await pilot.press("5")
        assert isinstance(app.screen, CoachingScreen)
        assert "No coaching notes yet" in str(app.screen.query_one("#coaching-summary").render())

        await pilot.press("1")
        assert isinstance(app.screen, QueuesScreen)


async def test_help_lists_keys_and_definitions_and_escape_closes(floor_db: FloorDatabase) -> None:
    app = make_app(floor_db)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_load(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = app.screen.query_one(Markdown).source
        assert "Service level (SL)" in text and "answered within T" in text
        assert "Escalations" in text and "Quit" in text
        await pilot.press("escape")
        assert isinstance(app.screen, QueuesScreen)
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("q")  # q closes help rather than quitting the floor
        assert isinstance(app.screen, QueuesScreen)
        assert app.is_running


async def test_palette_jumps_to_a_screen_and_to_an_agent(floor_db: FloorDatabase) -> None:
    app = make_app(floor_db)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_load(pilot)
        await pilot.press("ctrl+p")
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"go to timesheets")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, TimesheetsScreen)

        snap = app.snapshot
        assert snap is not None
        target = [a for a in snap.agents if a.on_shift][-1]
        await pilot.press("ctrl+p")
        await pilot.press(*f"agent: {target.name}")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, AgentsScreen)
        assert app.screen.query_one(FloorTable).selected_key == target.id


async def test_q_quits(floor_db: FloorDatabase) -> None:
    app = make_app(floor_db)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_load(pilot)
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running


async def test_another_process_commit_shows_up_and_cursor_stays(
    db: FloorDatabase, db_path: Path, tmp_path: Path
) -> None:
    feed = tmp_path / "feed.jsonl"
    feed.write_text(
        '{"type":"queue.upsert","queue":"billing","name":"Billing","channel":"voice"}\n'
        '{"type":"queue.upsert","queue":"tech","name":"Tech support","channel":"voice"}\n'
    )
    later = tmp_path / "later.jsonl"
    later.write_text(
        '{"type":"queue.upsert","queue":"aaa","name":"Accounts","channel":"chat"}\n'
        '{"type":"contact.queued","at":"2026-11-23T16:59:00Z","contact":"c1","queue":"tech"}\n'
    )
    subprocess.run(
        [sys.executable, "-m", "floorlead", "--db", str(db_path), "ingest", str(feed)],
        check=True,
        capture_output=True,
    )
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_load(pilot)
        table = app.screen.query_one(FloorTable)
        assert table.row_count == 2
        await pilot.press("down")
        assert table.selected_key == "tech"
        loads = app.loads
        subprocess.run(
            [sys.executable, "-m", "floorlead", "--db", str(db_path), "ingest", str(later)],
            check=True,
            capture_output=True,
        )
        await wait_for_load(pilot, loads + 1)
        assert table.row_count == 3
        assert "Accounts" in table_text(pilot)
        assert table.selected_key == "tech"  # the new row sorted above did not move us
        assert "1:00" in table_text(pilot)  # tech's longest wait: one minute, from the feed


async def test_no_reload_without_a_commit(floor_db: FloorDatabase) -> None:
    app = make_app(floor_db)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_load(pilot)
        loads = app.loads
        for _ in range(10):
            await app.workers.wait_for_complete()
            await pilot.pause(0.06)
        assert app.loads == loads


@pytest.mark.parametrize("size", [(80, 24), (40, 12), (20, 6)])
async def test_small_terminals_and_resizing_do_not_crash(
    floor_db: FloorDatabase, size: tuple[int, int]
) -> None:
    app = make_app(floor_db)
    async with app.run_test(size=size) as pilot:
        await wait_for_load(pilot)
        for key in "12345":
            await pilot.press(key)
        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        await pilot.resize_terminal(*size)
        await pilot.press("question_mark")
        await pilot.pause()
        assert app.is_running


async def test_no_color_still_marks_problems_with_symbols(
    floor_db: FloorDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(floor_db)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_load(pilot)
        assert app.no_color
        await pilot.press("2")
        text = table_text(pilot)
        assert "✓" in text  # adherence reads without colour
        await pilot.press("4")
        assert "⚠" in table_text(pilot) or "clean" in table_text(pilot)
        # where colour is gone, warnings stand out in reverse video (grey on near-black,
        # a red's monochrome, is about 1.5:1)
        await pilot.press("3")
        await settle_tables(pilot)
        late = [
            c
            for c in app.screen.query_one(FloorTable).get_row_at(0)
            if getattr(c, "plain", "").startswith("‼")
        ]
        assert late and all("reverse" in str(c.style) for c in late)  # type: ignore[union-attr]
        badge = app.screen.query_one("#alerts")
        assert badge.has_class("holding") and badge.styles.text_style.reverse


async def test_database_opens_behind_the_first_paint(db: FloorDatabase) -> None:
    from floorlead.config import Settings
    from floorlead.tui.app import FloorleadApp
    from tests.conftest import FROZEN

    app = FloorleadApp(lambda: db, Settings(), clock=lambda: FROZEN, poll_interval=0.05)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_load(pilot)
        assert app.db is db and app.fatal_error is None


async def test_a_database_that_cannot_open_ends_the_app_with_one_sentence() -> None:
    from floorlead.config import Settings
    from floorlead.errors import DatabaseError
    from floorlead.tui.app import FloorleadApp

    def refuse() -> FloorDatabase:
        raise DatabaseError("The database /x/floor.db is locked by another program.")

    app = FloorleadApp(refuse, Settings())
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(100):
            await pilot.pause()
            if not app.is_running:
                break
    assert app.fatal_error == "The database /x/floor.db is locked by another program."
    assert app.return_code == 1


async def test_an_empty_floor_says_how_to_fill_it(db: FloorDatabase) -> None:
    """A new floor file shows what to do, not a blank board."""
    from textual.widgets import Static

    from tests.tui_helpers import make_app, wait_for_load

    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_load(pilot)
        said = str(app.screen.query_one("#queues-summary", Static).render())
        assert "No queues on this floor yet" in said and "floorlead demo" in said


def test_counts_say_one_in_the_singular() -> None:
    from floorlead.tui.words import plural

    assert plural(1, "note") == "1 note"
    assert (plural(0, "note"), plural(2, "escalation")) == ("0 notes", "2 escalations")


async def test_a_column_widens_when_a_live_value_outgrows_it() -> None:
    """A cell updated in place to a longer value is shown whole, not cut to the old width."""
    from textual.app import App, ComposeResult
    from textual.widgets.data_table import ColumnKey

    from floorlead.tui.widgets.floor_table import FloorTable

    class One(App[None]):
        def compose(self) -> ComposeResult:
            yield FloorTable([("agent", "Agent"), ("flags", "Flags")])

    app = One()
    async with app.run_test(size=(120, 10)) as pilot:
        table = app.query_one(FloorTable)
        table.sync([("a1", ["Ana", "✓"])])
        await pilot.pause()
        table.sync([("a1", ["Ana", "OUT adherence"])])  # the same row, updated in place
        await pilot.pause()
        assert table.columns[ColumnKey("flags")].content_width == len("OUT adherence")
