"""Helpers for driving the app as a supervisor would."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from textual.pilot import Pilot

from floorlead.config import Settings
from floorlead.store.db import FloorDatabase
from floorlead.tui.app import FloorleadApp
from floorlead.tui.widgets.floor_table import FloorTable
from tests.conftest import FROZEN


def make_app(db: FloorDatabase, now: datetime = FROZEN) -> FloorleadApp:
    return FloorleadApp(db, Settings(), clock=lambda: now, poll_interval=0.05)


async def wait_for_load(pilot: Pilot[None], loads: int = 1) -> None:
    """Wait for the refresh worker to deliver ``loads`` snapshots (bounded, not a sleep)."""
    app = pilot.app
    assert isinstance(app, FloorleadApp)
    for _ in range(400):
        await app.workers.wait_for_complete()
        await pilot.pause()
        if app.loads >= loads:
            await settle_tables(pilot)
            return
    raise AssertionError(f"no snapshot after waiting (loads={app.loads})")


async def wait_until(pilot: Pilot[None], condition: Callable[[], object], tries: int = 200) -> bool:
    """Let workers finish and the app settle until ``condition()`` holds (bounded, no sleeps)."""
    for _ in range(tries):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        if condition():
            return True
    return False


async def screen_ready(pilot: Pilot[None]) -> None:
    """Wait (bounded) for a screen that reads its own rows to have shown them, then for its
    tables to settle."""
    for _ in range(400):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        if getattr(pilot.app.screen, "ready", True):
            break
    await settle_tables(pilot)
    # a table that scrolled to its cursor (Coverage starts on the current interval) paints
    # its scrollbar a frame later
    await pilot.wait_for_scheduled_animations()
    for table in pilot.app.screen.query(FloorTable):
        if table.show_vertical_scrollbar:
            table.vertical_scrollbar.refresh()
    await pilot.pause()
    await pilot.pause()


async def settle_tables(pilot: Pilot[None]) -> None:
    """DataTable measures its columns when its own queue is idle; wait for that, so a
    snapshot never catches a table between adding rows and sizing columns."""
    for _ in range(200):
        await pilot.pause()
        tables = list(pilot.app.screen.query(FloorTable))
        if not any(t._require_update_dimensions or t._updated_cells for t in tables):
            return


def table_text(pilot: Pilot[None]) -> str:
    """Every cell of the current screen's table, as plain text."""
    table = pilot.app.screen.query_one(FloorTable)
    lines = []
    for row in range(table.row_count):
        cells = table.get_row_at(row)
        lines.append(" | ".join(str(getattr(c, "plain", c)) for c in cells))
    return "\n".join(lines)
