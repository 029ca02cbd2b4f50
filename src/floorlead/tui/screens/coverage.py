"""Coverage (key 6): the day interval by interval — forecast against actual, agents required
against scheduled and staffed, the gap in words — for all queues together or one queue.

`f` the next queue, `[`/`]` the day before or after, Enter who is scheduled in the interval.
The rules (how the forecast was made, the reforecast's factor, how an agent on several queues
is shared) are said above the table, as in the help.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on
from textual.binding import Binding, BindingType
from textual.widgets import Static

from floorlead.domain.when import duration_text
from floorlead.tui.messages import CoverageLoaded
from floorlead.tui.screens.base import FloorScreen
from floorlead.tui.screens.coverage_whatif import WhatIf
from floorlead.tui.widgets.cells import critical, warn
from floorlead.tui.widgets.floor_table import Cell, FloorTable, Row

if TYPE_CHECKING:
    from floorlead.domain.board import FloorSnapshot
    from floorlead.domain.coverage import Coverage, CoverageRow
    from floorlead.store.coverage import DayForecast

#: The forecast is read again (imports, yesterday's late contacts) at most this often.
FORECAST_KEPT_S = 60.0

COLUMNS = (
    ("interval", "Interval"),
    ("standing", "Gap"),
    ("required", "Req"),
    ("scheduled", "Sched"),
    ("staffed", "Staffed"),
    ("forecast", "Fcst"),
    ("actual", "Actual"),
    ("variance", "Var"),
    ("aht", "AHT fc/act"),
    ("sl", "Proj SL"),
    ("asa", "Proj ASA"),
)


def _num(x: float | None) -> str:
    return "—" if x is None else f"{x:.1f}".removesuffix(".0")


def standing_cell(r: CoverageRow) -> Cell:
    """Short and over in words and a symbol, not colour alone."""
    gap = r.gap
    if r.standing == "understaffed" and gap is not None:
        return critical(f"▼ short {_num(-gap)}")
    if r.standing == "overstaffed" and gap is not None:
        return warn(f"▲ over {_num(gap)}")
    if r.standing == "covered":
        return Text(f"  ok {_num(gap)}" if gap else "  ok")
    return Text(f"  {r.standing}" if r.standing else "  —")


class CoverageScreen(FloorScreen):
    SCREEN_TITLE = "Coverage"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "f", "next_queue", "Queue", tooltip="All queues, then each queue", id="coverage.queue"
        ),
        Binding("left_square_bracket", "day(-1)", "Prev day", key_display="[", id="coverage.prev"),
        Binding("right_square_bracket", "day(1)", "Next day", key_display="]", id="coverage.next"),
        Binding(
            "w",
            "what_if",
            "What if",
            tooltip="Try a change before making it",
            id="coverage.what_if",
        ),
        Binding(
            "a",
            "apply",
            "Apply",
            tooltip="Apply the what-if's schedule change",
            id="coverage.apply",
        ),
        Binding(
            "escape", "drop", "Drop", show=False, tooltip="Drop the what-if", id="coverage.drop"
        ),
        Binding(
            "enter",
            "detail",
            "Who",
            show=False,
            tooltip="Who is scheduled in the interval, and in what",
            id="coverage.detail",
        ),
    ]
    SCREEN_COMMANDS = (
        ("Coverage: next queue", "All queues, then each", "next_queue"),
        ("Coverage: previous day", "", "day(-1)"),
        ("Coverage: next day", "", "day(1)"),
        ("Who is scheduled in this interval", "And in what activity", "detail"),
        (
            "What if…",
            "+N agents, cancel meetings, move a break: before changing anything",
            "what_if",
        ),
    )

    def __init__(self) -> None:
        super().__init__()
        self.day: date | None = None
        self.queue = ""  # "" all queues together
        self.coverage: Coverage | None = None
        self._seen: FloorSnapshot | None = None
        self._placed = False
        #: (when read, the forecast) — kept between reads of the same day
        self._forecast: tuple[float, DayForecast] | None = None
        self.what = WhatIf(self)
        self.ready = False

    def compose_body(self) -> Iterable:  # type: ignore[type-arg]
        yield Static("Reading coverage…", id="coverage-summary", classes="summary")
        yield FloorTable(COLUMNS, id="coverage-table")

    def show(self, snapshot: FloorSnapshot, now: datetime) -> None:
        if self.day is None:
            self.day = snapshot.day
        if snapshot is not self._seen:
            self._seen = snapshot
            self._load(self.day, now)

    def _load(self, day: date, now: datetime) -> None:
        """The day's coverage in a worker; the forecast (weeks of history) is read again only
        for another day or once it is FORECAST_KEPT_S old."""
        from floorlead.store.coverage import read_coverage

        settings = self.floor_app.settings
        kept = self._forecast
        if kept is not None and time.monotonic() - kept[0] > FORECAST_KEPT_S:
            kept = None

        def read(conn: Any) -> Coverage:
            cov, forecast = read_coverage(conn, settings, day, now, kept[1] if kept else None)
            if kept is None or forecast is not kept[1]:
                self._forecast = (time.monotonic(), forecast)
            return cov

        self.floor_app.client.load(
            self,
            read,
            lambda cov, error: CoverageLoaded(day, cov, error),
            group="coverage",
            failed=lambda exc: f"Reading coverage failed: {exc}.",
        )

    @on(CoverageLoaded)
    def _loaded(self, message: CoverageLoaded) -> None:
        summary = self.query_one("#coverage-summary", Static)
        if message.error or message.coverage is None:
            summary.update(message.error)
            return
        if message.day != self.day:
            return
        self.coverage = message.coverage
        self.show_coverage()
        self.call_after_refresh(self._shown_once)

    def _shown_once(self) -> None:
        self.ready = True

    def selected_id(self) -> str | None:
        return self.query_one(FloorTable).selected_key

    def show_coverage(self) -> None:
        base = self.coverage
        if base is None:
            return
        trial = self.what.trial
        cov = trial.coverage if trial is not None else base
        queues = sorted({r.queue for r in cov.rows if r.queue})
        if self.queue and self.queue not in queues:
            self.queue = ""
        rows: list[Row] = [
            (r.interval.start.isoformat(), self._cells(r)) for r in cov.of(self.queue)
        ]
        table = self.query_one(FloorTable)
        table.sync(rows)
        short = [r for r in cov.of(self.queue) if r.standing == "understaffed"]
        where = self.queue or "all queues"
        first = f" · first at {short[0].interval.label}" if short else ""
        head = f"{cov.day:%a %d %b %Y} · {where} · {len(short)} understaffed "
        head += f"interval{'' if len(short) == 1 else 's'}{first}"
        if trial is not None:
            head = self.what.summary(base)
        self.query_one("#coverage-summary", Static).update(
            f"{head}\n{cov.forecast_how} {cov.reforecast_how}\n{cov.share_rule}"
        )
        if not self._placed:  # the cursor starts on the current interval
            current = next((r for r in cov.rows if r.current), None)
            if current is not None:  # once the new rows are measured, or it scrolls short
                self.call_after_refresh(table.select_key, current.interval.start.isoformat())
            self._placed = True

    @staticmethod
    def _cells(r: CoverageRow) -> list[Cell]:
        var = "—" if r.variance is None else f"{r.variance:+.0%}"
        aht = f"{duration_text(r.forecast_aht_s) if r.forecast_aht_s else '—'}/"
        aht += duration_text(r.actual_aht_s) if r.actual_aht_s else "—"
        nth = " (2nd)" if r.interval.nth else ""
        return [
            f"{'▶' if r.current else ' '} {r.interval.label}{nth}",
            standing_cell(r),
            "—" if r.required is None else str(r.required),
            _num(r.scheduled),
            _num(r.staffed),
            _num(r.expected),
            "—" if r.actual is None else str(r.actual),
            var,
            aht,
            "—" if r.projected_sl is None else f"{r.projected_sl:.0%}",
            duration_text(r.projected_asa_s) if r.projected_asa_s is not None else "—",
        ]

    def action_next_queue(self) -> None:
        cov = self.coverage
        if cov is None:
            return
        order = ["", *sorted({r.queue for r in cov.rows if r.queue})]
        self.queue = order[(order.index(self.queue) + 1) % len(order)]
        self.show_coverage()

    def action_day(self, step: int) -> None:
        if self.day is None:
            return
        self.day += timedelta(days=step)
        self._placed = False
        self.what.trial = None
        self.coverage = None
        self.query_one("#coverage-summary", Static).update(f"Reading coverage for {self.day}…")
        self._load(self.day, self.floor_app.clock())

    def action_what_if(self) -> None:
        self.what.start()

    def action_apply(self) -> None:
        self.what.apply()

    def action_drop(self) -> None:
        self.what.drop()

    def on_data_table_row_selected(self, event: FloorTable.RowSelected) -> None:
        event.stop()
        self.action_detail()

    def action_detail(self) -> None:
        from floorlead.tui.screens.interval_detail import IntervalDetailScreen

        key = self.query_one(FloorTable).selected_key
        cov = self.coverage
        if key is None or cov is None:
            return
        interval = next((i for i in cov.intervals if i.start.isoformat() == key), None)
        if interval is not None:
            self.app.push_screen(IntervalDetailScreen(interval, self.queue))
