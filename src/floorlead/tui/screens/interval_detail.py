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
        Binding(
            "x",
            "call_out",
            "Call out",
            tooltip="Mark the agent absent (sick, emergency) for today or for hours",
            id="interval.call_out",
        ),
    ]

    def __init__(self, interval: Interval, queue: str) -> None:
        super().__init__()
        self.interval, self.queue = interval, queue
        self._loaded_once = False
        self._names: dict[str, str] = {}
        self.ready = False

    def compose_body(self) -> Iterable:  # type: ignore[type-arg]
        yield Static("", id="interval-summary", classes="summary")
        yield FloorTable(COLUMNS, id="interval-table")

    def show(self, snapshot: FloorSnapshot, now: datetime) -> None:
        if not self._loaded_once:
            self._loaded_once = True
            self._load()

    def _load(self) -> None:
        iv, queue = self.interval, self.queue

        def read(conn: Any) -> list[tuple[str, str, str, str, datetime, datetime]]:
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
                    name = names.get(agent, agent)
                    out.append((agent, name, s.label, ", ".join(skills), s.start, s.end))
            out.sort(key=lambda r: (r[2] != "work", r[2], r[1]))
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
        working = len({r[0] for r in message.rows if r[2] == "work"})
        away = len({r[0] for r in message.rows if r[2] != "work"})
        where = f" on {self.queue}" if self.queue else ""
        summary.update(
            f"{self.interval.label}–{hhmm(self.interval.end, tz)}{where}: {working} scheduled "
            f"to work, {away} in a break, lunch, meeting, training or called out"
        )
        rows: list[Row] = [
            (f"{agent}|{i}", [name, activity, f"{hhmm(a, tz)}–{hhmm(z, tz)}", queues])
            for i, (agent, name, activity, queues, a, z) in enumerate(message.rows)
        ]
        self._names = {r[0]: r[1] for r in message.rows}
        self.query_one(FloorTable).sync(rows)

    def action_call_out(self) -> None:
        from floorlead.tui.callout import start_call_out

        key = self.query_one(FloorTable).selected_key
        if key is not None:
            agent = key.split("|", 1)[0]
            start_call_out(self, agent, self._names.get(agent, agent))
        self._loaded_once = False  # read again once the floor moves
