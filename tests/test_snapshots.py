"""One SVG snapshot per screen state, on a seeded floor with the clock frozen.

Regenerate after a deliberate visual change with ``uv run pytest tests/test_snapshots.py
--snapshot-update`` and review the diff. Textual is pinned exactly because its rendering
changes between releases.
"""

from __future__ import annotations

from typing import Any

import pytest
from textual.pilot import Pilot

from floorlead.store.db import FloorDatabase
from tests.tui_helpers import make_app, settle_tables, wait_for_load


@pytest.mark.parametrize(
    "keys",
    ["1", "2", "3", "4", "5", "question_mark"],
    ids=["queues", "agents", "escalations", "timesheets", "coaching", "help"],
)
def test_screen(snap_compare: Any, floor_db: FloorDatabase, keys: str) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await wait_for_load(pilot)
        await pilot.press(keys)
        await pilot.app.workers.wait_for_complete()  # screens that load their own data
        await pilot.pause()
        await settle_tables(pilot)

    app = make_app(floor_db)
    assert snap_compare(app, terminal_size=(110, 32), run_before=run_before)


def test_queues_at_80_by_24(snap_compare: Any, floor_db: FloorDatabase) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await wait_for_load(pilot)

    assert snap_compare(make_app(floor_db), terminal_size=(80, 24), run_before=run_before)
