"""Escalation detail (Enter on Escalations): why it is escalated or breaching, its whole
history, the contact it came from and the raising agent's recent escalations."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.binding import Binding, BindingType
from textual.widgets import Static

from floorlead.domain.escalations import WORDS, sla_of
from floorlead.domain.when import duration_text, local
from floorlead.tui.messages import HistoryLoaded
from floorlead.tui.screens.base import FloorScreen
from floorlead.tui.screens.escalation_actions import (
    ACTION_BINDINGS,
    EscalationActions,
    EscalationKeys,
)
from floorlead.tui.screens.escalation_writes import EscalationWriter
from floorlead.tui.widgets.floor_table import FloorTable

if TYPE_CHECKING:
    from floorlead.domain.board import EscalationRow, FloorSnapshot

HISTORY = (("at", "When"), ("who", "Who"), ("what", "What"))


class EscalationDetailScreen(EscalationKeys, FloorScreen):
    """One escalation; the list's action keys act on it (on it alone, whatever is marked)."""

    SCREEN_TITLE = "Escalation"
    BINDINGS: ClassVar[list[BindingType]] = [
        *ACTION_BINDINGS,
        Binding(
            "z",
            "undo",
            "Undo",
            tooltip="Undo your last action here, if nobody changed it since",
            id="esc.undo",
        ),
        Binding(
            "escape,backspace",
            "app.pop_screen",
            "Back",
            tooltip="Back to the queue",
            id="esc_detail.back",
        ),
    ]

    def __init__(self, escalation_id: str) -> None:
        super().__init__()
        self.escalation_id = escalation_id
        self._seen: FloorSnapshot | None = None
        #: no marks here: an action reaches this escalation alone
        self.marked: set[str] = set()
        self.last_actions: list[Any] = []
        self.writer = EscalationWriter(self)
        self.actions = EscalationActions(self, self.writer)

    def selected_id(self) -> str:
        return self.escalation_id

    def in_view(self, e: EscalationRow) -> bool:
        return True

    def hidden_by(self) -> str:
        return ""

    def action_undo(self) -> None:
        self.actions.undo()

    def compose_body(self) -> Iterable:  # type: ignore[type-arg]
        yield Static("", id="esc-why", classes="summary")
        yield Static("", id="esc-facts")
        yield FloorTable(HISTORY, id="esc-history")

    def show(self, snapshot: FloorSnapshot, now: datetime) -> None:
        e = next((x for x in snapshot.escalations if x.id == self.escalation_id), None)
        if e is None:
            self.query_one("#esc-why", Static).update(
                f"Escalation {self.escalation_id} is not in the open list any more."
            )
        else:
            self.query_one("#esc-why", Static).update(self._why(e, now))
            recent = [
                x
                for x in snapshot.escalations
                if x.agent_id and x.agent_id == e.agent_id and x.id != e.id
            ][:5]
            amount = f" · amount {e.amount_cents / 100:,.2f}" if e.amount_cents else ""
            self.query_one("#esc-facts", Static).update(
                f"{e.priority} {e.kind} · customer {e.customer or '—'} · queue "
                f"{e.queue_id or '—'} · contact {e.contact_id or '—'}{amount}\n"
                f"Raised by {e.agent_name or '—'}; their other open escalations: "
                + (", ".join(f"{x.priority} {x.kind} ({x.customer})" for x in recent) or "none")
            )
        if snapshot is not self._seen:
            self._seen = snapshot
            self._load()

    def _why(self, e: EscalationRow, now: datetime) -> str:
        clock = sla_of(e, self.floor_app.settings.escalations, now)
        target = "resolution" if clock.responded else "response"
        if e.closed:
            return f"{WORDS.get(e.status, e.status).capitalize()}: {e.reason}"
        if clock.breached:
            return (
                f"BREACHING: {target} target passed {duration_text(-clock.seconds_left)} "
                f"ago. {e.reason}"
            )
        return f"{e.reason} — {target} due in {duration_text(clock.seconds_left)}."

    def _load(self) -> None:
        from floorlead.store.escalations import history_in

        escalation_id = self.escalation_id
        self.floor_app.client.load(
            self,
            lambda conn: history_in(conn, escalation_id),
            lambda lines, _error: HistoryLoaded(lines or []),
            group="esc-history",
            failed=str,
        )

    @on(HistoryLoaded)
    def _loaded(self, message: HistoryLoaded) -> None:
        tz = self.floor_app.settings.floor.timezone
        self.query_one(FloorTable).sync(
            [
                (str(i), [local(h.at, tz).format("DD MMM HH:mm:ss"), h.actor, h.what])
                for i, h in enumerate(message.lines)
            ]
        )
