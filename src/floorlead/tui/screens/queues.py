"""Queue board (key 1): is anyone waiting too long, is the service level holding."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import Static

from floorlead.domain.metrics import sparkline
from floorlead.domain.when import average_text, hhmm, target_text
from floorlead.tui.screens.base import FloorScreen
from floorlead.tui.screens.queue_detail import QueueDetailScreen
from floorlead.tui.widgets.cells import level_cell, percent, sl_cell, wait_cell
from floorlead.tui.widgets.floor_table import FloorTable, Row

if TYPE_CHECKING:
    from floorlead.domain.board import FloorSnapshot, QueueRow


# Most important first: at 80 columns the right-hand ones scroll into view.
# "i/d" columns show the interval, then the day.
COLUMNS = (
    ("queue", "Queue"),
    ("waiting", "Wait"),
    ("longest", "Longest"),
    ("sl_int", "SL int"),
    ("sl_today", "SL day"),
    ("target", "Target"),
    ("need", "Need/Staff"),
    ("abandon", "Abn% day"),
    ("asa", "ASA day"),
    ("aht", "AHT day"),
    ("trend_wait", "Waiting 60m"),
    ("trend_sl", "SL 60m"),
    ("agents", "Av/On/ACW/Aux"),
    ("offered", "Offered i/d"),
    ("answered", "Answd i/d"),
    ("abandoned", "Abnd i/d"),
    ("abandon_int", "Abn% int"),
    ("asa_int", "ASA int"),
    ("aht_int", "AHT int"),
    ("channel", "Channel"),
)


class QueuesScreen(FloorScreen):
    SCREEN_TITLE = "Queues"
    BOARD_ONLY = True
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "enter",
            "open_detail",
            "Detail",
            tooltip="Who is waiting and who can take it",
            id="queues.detail",
        ),
    ]
    SCREEN_COMMANDS = (
        ("Open queue detail", "Waiting contacts and the agents who can take them", "open_detail"),
    )

    def action_open_detail(self) -> None:
        key = self.query_one(FloorTable).selected_key
        if key is not None:
            self.app.push_screen(QueueDetailScreen(key))

    def on_data_table_row_selected(self, event: FloorTable.RowSelected) -> None:
        event.stop()
        self.action_open_detail()

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
        if not snapshot.queues and snapshot.complete:
            summary = "No queues on this floor yet: start a feed, or try floorlead demo."
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

        def abandon(rate: float | None) -> Text:
            warn = rate is not None and rate >= abandon_warn
            return level_cell(percent(rate), "warn" if warn else "ok")

        i, d = q.interval, q.today
        if q.agents_needed is None:
            need = Text(f"  —/{q.staffed}")
        elif q.staffed < q.agents_needed:
            need = level_cell(f"{q.agents_needed}/{q.staffed}", "warn")
        else:
            need = Text(f"  {q.agents_needed}/{q.staffed}")
        return [
            q.name,
            str(q.waiting),
            wait_cell(longest, warn, critical),
            sl_cell(q.interval.service_level, q.sl_percent),
            sl_cell(q.today.service_level, q.sl_percent),
            target_text(q.sl_percent, q.sl_seconds),
            need,
            abandon(d.abandon_rate),
            average_text(d.asa_s),
            average_text(d.aht_s),
            sparkline([float(w) for w in q.trend.waiting]),
            sparkline(q.trend.service_level, top=1.0),
            f"{q.available}/{q.on_contact}/{q.acw}/{q.aux}",
            f"{i.offered}/{d.offered}",
            f"{i.answered}/{d.answered}",
            f"{i.abandoned}/{d.abandoned}",
            abandon(i.abandon_rate),
            average_text(i.asa_s),
            average_text(i.aht_s),
            q.channel,
        ]
