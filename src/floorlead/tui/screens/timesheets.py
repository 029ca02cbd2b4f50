"""Timesheet approval (key 4): today's shifts, exceptions first."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Static

from floorlead.domain.when import hhmm, hours_text
from floorlead.tui.screens.base import FloorScreen
from floorlead.tui.widgets.floor_table import FloorTable, Row

if TYPE_CHECKING:
    from floorlead.store.read import FloorSnapshot


COLUMNS = (
    ("name", "Agent"),
    ("scheduled", "Scheduled"),
    ("in", "In"),
    ("out", "Out"),
    ("worked", "Worked"),
    ("breaks", "Breaks"),
    ("meal", "Meal"),
    ("exceptions", "Exceptions"),
    ("status", "Status"),
)


class TimesheetsScreen(FloorScreen):
    SCREEN_TITLE = "Timesheets"

    def compose_body(self) -> Iterable:  # type: ignore[type-arg]
        yield Static("", id="timesheets-summary", classes="summary")
        yield FloorTable(COLUMNS, id="timesheets-table")

    def show(self, snapshot: FloorSnapshot, now: datetime) -> None:
        tz = snapshot.timezone
        rows: list[Row] = []
        for t in snapshot.timesheets:
            scheduled = (
                f"{hhmm(t.scheduled_start, tz)}–{hhmm(t.scheduled_end, tz)}"
                if t.scheduled_start
                else "unscheduled"
            )
            exceptions = (
                Text("⚠ " + "; ".join(t.exceptions), style="yellow")
                if t.exceptions
                else Text("clean")
            )
            rows.append(
                (
                    t.agent_id,
                    [
                        t.name,
                        scheduled,
                        hhmm(t.first_in, tz),
                        hhmm(t.last_out, tz),
                        hours_text(t.worked_s),
                        hours_text(t.break_s),
                        hours_text(t.meal_s),
                        exceptions,
                        t.status,
                    ],
                )
            )
        self.query_one(FloorTable).sync(rows)
        with_exc = sum(bool(t.exceptions) for t in snapshot.timesheets)
        pending = sum(t.status == "pending" for t in snapshot.timesheets)
        self.query_one("#timesheets-summary", Static).update(
            f"Shifts starting {snapshot.day:%a %d %b}  ·  {len(rows)} timesheets  ·  "
            f"{with_exc} with exceptions  ·  {pending} pending"
        )
