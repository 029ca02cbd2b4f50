"""Queue board (key 1): is anyone waiting too long, is the service level holding."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from rich.text import Text
from textual.widgets import Static

from floorlead.domain.when import duration_text, hhmm
from floorlead.store.read import FloorSnapshot, QueueRow
from floorlead.tui.screens.base import FloorScreen
from floorlead.tui.widgets.cells import level_cell, percent, sl_cell, wait_cell
from floorlead.tui.widgets.floor_table import FloorTable, Row

# Most important first: at 80 columns the right-hand ones scroll into view.
COLUMNS = (
    ("queue", "Queue"),
    ("waiting", "Wait"),
    ("longest", "Longest"),
    ("sl_int", "SL int"),
    ("sl_today", "SL day"),
    ("target", "Target"),
    ("abandon", "Abn%"),
    ("asa", "ASA"),
    ("aht", "AHT"),
    ("agents", "Avail/Staff"),
    ("offered", "Offered i/d"),
    ("channel", "Channel"),
)


class QueuesScreen(FloorScreen):
    SCREEN_TITLE = "Queues"

    def compose_body(self) -> Iterable:  # type: ignore[type-arg]
        yield Static("", id="queues-summary", classes="summary")
        yield FloorTable(COLUMNS, id="queues-table")
        yield Static("", id="queues-legend", classes="legend")

    def show(self, snapshot: FloorSnapshot, now: datetime) -> None:
        t = self.floor_app.settings.thresholds
        rows: list[Row] = []
        for q in snapshot.queues:
            rows.append(
                (
                    q.id,
                    self._cells(
                        q,
                        now,
                        t.longest_wait_warn_s,
                        t.longest_wait_critical_s,
                        t.abandon_rate_warn,
                    ),
                )
            )
        table = self.query_one(FloorTable)
        table.sync(rows)
        if not rows:
            table.border_title = "No queues yet: run `floorlead demo` or ingest a feed"
        else:
            table.border_title = None
        tz = snapshot.timezone
        waiting = sum(q.waiting for q in snapshot.queues)
        answered = sum(q.today.answered for q in snapshot.queues)
        summary = (
            f"Interval {hhmm(snapshot.interval_start, tz)}–{hhmm(snapshot.interval_end, tz)}"
            f"  ·  {waiting} waiting  ·  {answered} answered today"
        )
        self.query_one("#queues-summary", Static).update(summary)
        self.query_one("#queues-legend", Static).update(
            f"SL = in T ÷ (answered+abandoned), abandons <{snapshot.short_abandon_s}s ignored"
            "  ▼ below target ▲ warn ‼ critical"
        )

    @staticmethod
    def _cells(
        q: QueueRow, now: datetime, warn: int, critical: int, abandon_warn: float
    ) -> list[str | Text]:
        longest = (now - q.oldest_waiting_at).total_seconds() if q.oldest_waiting_at else None
        rate = q.today.abandon_rate
        abandon = (
            level_cell(percent(rate), "warn")
            if rate is not None and rate >= abandon_warn
            else Text(f"  {percent(rate)}")
        )
        return [
            q.name,
            str(q.waiting),
            wait_cell(longest, warn, critical),
            sl_cell(q.interval.service_level, q.sl_percent),
            sl_cell(q.today.service_level, q.sl_percent),
            q.sl_target,
            abandon,
            duration_text(q.today.asa_s),
            duration_text(q.today.aht_s),
            f"{q.available}/{q.staffed}",
            f"{q.interval.offered}/{q.today.offered}",
            q.channel,
        ]
