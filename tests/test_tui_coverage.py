"""The Coverage screen (key 6) driven as a supervisor would."""

from __future__ import annotations

from datetime import timedelta

from textual.pilot import Pilot
from textual.widgets import Static

from floorlead.domain.actor import Actor
from floorlead.feeds.forecast import ForecastRow
from floorlead.store.coverage import import_forecast
from floorlead.store.db import FloorDatabase
from floorlead.tui.screens.coverage import CoverageScreen
from floorlead.tui.screens.interval_detail import IntervalDetailScreen
from floorlead.tui.widgets.floor_table import FloorTable
from tests.conftest import FROZEN, TZ
from tests.tui_helpers import make_app, screen_ready, wait_for_load, wait_until


def summary(app: object) -> str:
    return str(app.screen.query_one("#coverage-summary", Static).render())  # type: ignore[attr-defined]


async def open_coverage(pilot: Pilot[None]) -> CoverageScreen:
    """Key 6 on a loaded floor, once the screen shows its rows."""
    await wait_for_load(pilot)
    await pilot.press("6")
    assert await wait_until(pilot, lambda: isinstance(pilot.app.screen, CoverageScreen))
    await screen_ready(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, CoverageScreen)
    return screen


async def test_coverage_shows_the_day_marks_now_and_opens_an_interval(
    floor_db: FloorDatabase,
) -> None:
    noon = FROZEN  # 12:00 in New York
    rows = [ForecastRow("billing", noon + timedelta(minutes=30 * i), 40, 240) for i in range(-2, 3)]
    import_forecast(floor_db, rows, Actor("sam", FROZEN, TZ), "test.csv")
    app = make_app(floor_db)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_coverage(pilot)
        table = screen.query_one(FloorTable)
        assert table.row_count == 48
        assert table.selected_key == noon.isoformat()  # the cursor starts on now
        assert "▶ 12:00" in str(table.get_cell(noon.isoformat(), "interval"))
        assert "Imported for 5 intervals (billing)" in summary(app)
        assert "shared between them in proportion" in summary(app)
        for _ in range(6):  # all queues, then each: billing comes round
            await pilot.press("f")
            if screen.queue == "billing":  # type: ignore[attr-defined]
                break
        assert summary(app).startswith("Mon 23 Nov 2026 · billing ·")
        # 40 contacts in 30 minutes at 240 s: 5.33 Erlangs; 80/20 needs 8
        assert str(table.get_cell(noon.isoformat(), "required")) == "8"
        await pilot.press("enter")
        assert await wait_until(pilot, lambda: isinstance(app.screen, IntervalDetailScreen))
        detail = app.screen
        assert await wait_until(pilot, lambda: detail.query_one(FloorTable).row_count > 0)
        text = str(detail.query_one("#interval-summary", Static).render())
        assert text.startswith("12:00–12:30 on billing:") and "scheduled to work" in text
        await pilot.press("escape")
        assert isinstance(app.screen, CoverageScreen)


async def test_a_what_if_shows_its_figures_first_and_escape_drops_it(
    floor_db: FloorDatabase,
) -> None:
    rows = [ForecastRow("billing", FROZEN, 40, 240)]
    import_forecast(floor_db, rows, Actor("sam", FROZEN, TZ), "test.csv")
    app = make_app(floor_db)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_coverage(pilot)
        table = screen.query_one(FloorTable)
        while screen.queue != "billing":
            await pilot.press("f")
        before = float(str(table.get_cell(FROZEN.isoformat(), "scheduled")))
        from floorlead.tui.widgets.modals import ChoiceModal, PromptModal

        await pilot.press("w")
        assert await wait_until(pilot, lambda: isinstance(app.screen, ChoiceModal))
        await pilot.press("enter")  # +N agents, the first choice
        assert await wait_until(pilot, lambda: isinstance(app.screen, PromptModal))
        await pilot.press("enter")  # this interval only
        assert await wait_until(
            pilot, lambda: "How many" in str(app.screen.query("Label").first().render())
        )
        await pilot.press("2", "enter")
        assert await wait_until(pilot, lambda: "WHAT-IF" in summary(app))
        assert summary(app).startswith(
            "WHAT-IF (nothing changed yet): +2 agents on billing 12:00–12:30"
        )
        assert float(str(table.get_cell(FROZEN.isoformat(), "scheduled"))) == before + 2
        await pilot.press("a")  # +N is a question: nothing to write
        await pilot.pause()
        assert any("No what-if with a schedule change" in n.message for n in app._notifications)
        await pilot.press("escape")
        assert await wait_until(pilot, lambda: "WHAT-IF" not in summary(app))
        assert float(str(table.get_cell(FROZEN.isoformat(), "scheduled"))) == before
