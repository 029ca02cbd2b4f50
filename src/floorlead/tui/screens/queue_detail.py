"""Queue detail (Enter on the board): who is waiting now, and who could help: the agents
skilled on it, then who is away but could come back, then who is free on other queues."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from textual.binding import Binding, BindingType
from textual.widgets import Static

from floorlead.domain.pull import who_could_help
from floorlead.domain.when import duration_text, hhmm, target_text
from floorlead.tui.screens.base import FloorScreen
from floorlead.tui.widgets.cells import percent, sl_cell, state_cell
from floorlead.tui.widgets.floor_table import FloorTable, Row

if TYPE_CHECKING:
    from floorlead.domain.board import FloorSnapshot


WAITING = (("contact", "Contact waiting"), ("wait", "Waiting"), ("queued", "Queued at"))
AGENTS = (
    ("name", "Who could help"),
    ("why", "How"),
    ("in_state", "For"),
    ("state", "State"),
    ("queue", "On queue"),
    ("scheduled", "Sched"),
    ("team", "Team"),
)


class QueueDetailScreen(FloorScreen):
    SCREEN_TITLE = "Queue detail"
    BOARD_ONLY = True
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "c",
            "coach",
            "Note",
            tooltip="Quick coaching note on the selected agent",
            id="queue_detail.coach",
        ),
        Binding(
            "escape,backspace",
            "app.pop_screen",
            "Back",
            tooltip="Back to the board",
            id="queue_detail.back",
        ),
    ]

    def __init__(self, queue_id: str) -> None:
        super().__init__()
        self.queue_id = queue_id

    def compose_body(self) -> Iterable:  # type: ignore[type-arg]
        yield Static("", id="queue-detail-summary", classes="summary")
        yield FloorTable(WAITING, id="queue-waiting")
        yield FloorTable(AGENTS, id="queue-agents")

    def show(self, snapshot: FloorSnapshot, now: datetime) -> None:
        queue = next((q for q in snapshot.queues if q.id == self.queue_id), None)
        summary = self.query_one("#queue-detail-summary", Static)
        if queue is None:
            summary.update(f"Queue {self.queue_id} is no longer on the floor.")
            return
        summary.update(
            f"{queue.name} ({queue.channel}) · target "
            f"{target_text(queue.sl_percent, queue.sl_seconds)} · SL interval "
            f"{sl_cell(queue.interval.service_level, queue.sl_percent).plain.strip()} · today "
            f"{percent(queue.today.service_level)} · {queue.waiting} waiting · needed "
            f"{queue.agents_needed if queue.agents_needed is not None else '—'}, "
            f"staffed {queue.staffed}"
        )
        tz = snapshot.timezone
        waiting: list[Row] = [
            (contact, [contact, duration_text((now - at).total_seconds()), hhmm(at, tz)])
            for contact, at in queue.waiting_contacts
        ]
        self.query_one("#queue-waiting", FloorTable).sync(waiting)
        agents: list[Row] = [
            (
                h.agent.id,
                [
                    h.agent.name,
                    h.why,
                    duration_text(h.seconds_in_state),
                    state_cell(h.agent.state),
                    h.agent.contact_queue or "",
                    h.agent.scheduled_now or "off",
                    h.agent.team,
                ],
            )
            for h in who_could_help(self.queue_id, snapshot.agents, now)
        ]
        self.query_one("#queue-agents", FloorTable).sync(agents)

    def action_coach(self) -> None:
        key = self.query_one("#queue-agents", FloorTable).selected_key
        if key is not None:
            self.floor_app.open_coaching_note(key)

    def main_table(self) -> FloorTable | None:
        return self.query_one("#queue-agents", FloorTable)
