"""One interval of the Coverage screen: who is scheduled then and in what — work, breaks,
lunches, meetings, training — with the queues they are skilled on."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.binding import Binding, BindingType
from textual.widgets import Static

from floorlead.domain.when import hhmm
from floorlead.tui.messages import IntervalLoaded
from floorlead.tui.screens.base import FloorScreen
from floorlead.tui.widgets.floor_table import FloorTable, Row

if TYPE_CHECKING:
    from floorlead.domain.board import FloorSnapshot
    from floorlead.domain.coverage import Interval

COLUMNS = (
    ("name", "Agent"),
    ("activity", "Scheduled"),
    ("when", "From–to"),
    ("queues", "Skilled on"),
)


class IntervalDetailScreen(FloorScreen):
    SCREEN_TITLE = "Interval"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape,backspace",
            "app.pop_screen",
            "Back",
            tooltip="Back to coverage",
            id="interval.back",
        ),
    ]

    def __init__(self, interval: Interval, queue: str) -> None:
        super().__init__()
        self.interval, self.queue = interval, queue
        self._loaded_once = False

    def compose_body(self) -> Iterable:  # type: ignore[type-arg]
        yield Static("", id="interval-summary", classes="summary")
        yield FloorTable(COLUMNS, id="interval-table")

    def show(self, snapshot: FloorSnapshot, now: datetime) -> None:
        if not self._loaded_once:
            self._loaded_once = True
            self._load()

    def _load(self) -> None:
        iv, queue = self.interval, self.queue

        def read(conn: Any) -> list[tuple[str, str, str, datetime, datetime]]:
            from floorlead.domain import metrics as mx
            from floorlead.store import reader

            raw, d = reader.driver_of(conn)
            defs = reader.definitions(raw, d)
            names = defs.names
            out = []
            for agent, blocks in reader.schedules(raw, d, iv.start, iv.end).items():
                skills = defs.skills.get(agent, [])
                if queue and queue not in skills:
                    continue
                for s in mx.scheduled_segments(blocks, iv.start, iv.end):
                    out.append(
                        (names.get(agent, agent), s.label, ", ".join(skills), s.start, s.end)
                    )
            out.sort(key=lambda r: (r[1] != "work", r[1], r[0]))
            return out

        self.floor_app.client.load(
            self,
            read,
            lambda rows, error: IntervalLoaded(rows or [], error),
            group="interval",
            failed=lambda exc: f"Reading the schedule failed: {exc}.",
        )

    @on(IntervalLoaded)
    def _shown(self, message: IntervalLoaded) -> None:
        tz = self.floor_app.settings.floor.timezone
        summary = self.query_one("#interval-summary", Static)
        if message.error:
            summary.update(message.error)
            return
        working = len({r[0] for r in message.rows if r[1] == "work"})
        away = len({r[0] for r in message.rows if r[1] != "work"})
        where = f" on {self.queue}" if self.queue else ""
        summary.update(
            f"{self.interval.label}–{hhmm(self.interval.end, tz)}{where}: {working} scheduled "
            f"to work, {away} in a break, lunch, meeting or training"
        )
        rows: list[Row] = [
            (f"{i}", [name, activity, f"{hhmm(a, tz)}–{hhmm(z, tz)}", queues])
            for i, (name, activity, queues, a, z) in enumerate(message.rows)
        ]
        self.query_one(FloorTable).sync(rows)
