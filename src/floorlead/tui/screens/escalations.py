"""Escalation queue (key 3): triage from the keyboard.

t take · a assign · p priority · s snooze · u hand up · n note · r resolve · o reopen ·
A approve · D decline · Enter detail · f view · / search. Every action is one transaction
with one audit row, refused with one sentence if someone else changed the row first.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import Input, Static

from floorlead.domain.escalations import WORDS
from floorlead.domain.when import day_time_text, duration_text, hhmm
from floorlead.tui.screens.base import FloorScreen
from floorlead.tui.screens.escalation_actions import (
    ACTION_BINDINGS,
    EscalationActions,
    EscalationKeys,
)
from floorlead.tui.screens.escalation_writes import EscalationWriter, money
from floorlead.tui.widgets.cells import critical, warn
from floorlead.tui.widgets.floor_table import Cell, FloorTable, Row

if TYPE_CHECKING:
    from floorlead.domain.board import EscalationRow, FloorSnapshot
    from floorlead.domain.escalations import SlaClock

COLUMNS = (
    ("priority", "Pri"),
    ("age", "Age"),
    ("sla", "SLA"),
    ("customer", "Customer"),
    ("queue", "Queue"),
    ("agent", "Raised by"),
    ("kind", "Kind"),
    ("amount", "Amount"),
    ("assignee", "Assignee"),
    ("status", "Status"),
    ("reason", "Reason"),
)
VIEWS = ("open", "mine", "unassigned", "snoozed", "closed today")


class EscalationsScreen(EscalationKeys, FloorScreen):
    SCREEN_TITLE = "Escalations"
    BINDINGS: ClassVar[list[BindingType]] = [
        *ACTION_BINDINGS,
        Binding(
            "space",
            "mark",
            "Mark",
            tooltip="Mark rows: t, a, s, n and r act on all marked",
            id="esc.mark",
        ),
        Binding(
            "z",
            "undo",
            "Undo",
            tooltip="Undo your last action, if nobody changed it since",
            id="esc.undo",
        ),
        Binding(
            "f",
            "cycle_view",
            "View",
            tooltip="Open / mine / unassigned / snoozed / closed",
            id="esc.view",
        ),
        Binding(
            "slash",
            "search",
            "Search",
            key_display="/",
            tooltip="Search",
            priority=True,  # see FloorScreen.open_search
            id="esc.search",
        ),
        Binding(
            "enter",
            "detail",
            "Detail",
            show=False,
            tooltip="Why, history, contact",
            id="esc.detail",
        ),
        Binding(
            "escape",
            "clear",
            "Clear",
            show=False,
            tooltip="Clear the search, then the marks",
            id="esc.clear",
        ),
    ]
    SCREEN_COMMANDS = (
        ("Take escalation", "Assign it to me", "take"),
        ("Resolve escalation", "With a resolution code", "resolve"),
        ("Snooze escalation", "Until a time such as 15m or 2pm", "snooze"),
        ("Assign escalation", "To an agent or another supervisor", "assign"),
        ("Hand up escalation", "To a manager, with a note", "hand_up"),
        ("Add a note to the escalation", "Kept in its history", "note"),
        ("Change escalation priority", "With a reason", "priority"),
        ("Reopen escalation", "Back into the queue", "reopen"),
        ("Approve escalation", "Approve the amount asked", "approve"),
        ("Decline escalation", "With a reason", "decline"),
        ("Pause or resume the SLA clock", "Waiting on the customer or another team", "pause"),
        ("Mark escalation", "Actions apply to every marked row", "mark"),
        ("Undo my last escalation action", "Unless someone changed it since", "undo"),
        ("Escalation view: next", "Open, mine, unassigned, snoozed, closed today", "cycle_view"),
        ("Search escalations", "Customer, reason, kind, queue, agent", "search"),
        ("Open escalation detail", "Why, history, contact", "detail"),
    )

    def __init__(self) -> None:
        super().__init__()
        self.view = 0
        self.search = ""
        self.marked: set[str] = set()
        #: what this session did last, for `z`
        self.last_actions: list[Any] = []
        #: how an action reaches the rows, and the actions themselves
        self.writer = EscalationWriter(self)
        self.actions = EscalationActions(self, self.writer)

    def compose_body(self) -> Iterable:  # type: ignore[type-arg]
        yield Static("", id="escalations-summary", classes="summary")
        yield Input(
            placeholder="Search escalations…", id="esc-search", classes="search", disabled=True
        )
        yield FloorTable(
            COLUMNS,
            first=("priority", "sla", "customer", "amount", "assignee", "status"),
            widest={"reason": 40, "customer": 24},
            id="escalations-table",
        )

    # ------------------------------------------------------------------ rendering

    def in_view(self, e: EscalationRow) -> bool:
        me = self.floor_app.supervisor()
        view = VIEWS[self.view]
        if view == "closed today":
            ok = e.closed
        elif e.closed:
            ok = False
        elif view == "mine":
            ok = e.assignee == me
        elif view == "unassigned":
            ok = not e.assignee
        elif view == "snoozed":
            ok = e.status == "snoozed"
        else:
            ok = True
        needle = self.search.lower()
        hay = f"{e.id} {e.customer} {e.reason} {e.kind} {e.queue_id} {e.agent_name}".lower()
        return ok and (not needle or needle in hay)

    def hidden_by(self) -> str:
        parts = [f"the search {self.search!r}"] if self.search else []
        if VIEWS[self.view] != "open":
            parts.append(f"the view {VIEWS[self.view]!r}")
        return " and ".join(parts) or "the view"

    def show(self, snapshot: FloorSnapshot, now: datetime) -> None:
        tz = snapshot.timezone
        clocks = {e.id: self.writer.clock_of(e, now) for e in snapshot.escalations}
        # priority first, then whichever SLA clock runs out soonest
        order = sorted(
            (e for e in snapshot.escalations if self.in_view(e)),
            key=lambda e: (e.closed, e.priority, clocks[e.id].seconds_left),
        )
        rows: list[Row] = [(e.id, self._cells(e, clocks[e.id], now, tz)) for e in order]
        self.query_one(FloorTable).sync(rows)
        # the counts are the floor's, whatever the view or search shows
        open_rows = [e for e in snapshot.escalations if not e.closed]
        p1 = sum(e.priority == "P1" for e in open_rows)
        breached = sum(clocks[e.id].breached for e in open_rows)
        listed = (
            f" (the {len(open_rows)} most urgent listed)"
            if snapshot.open_escalation_count > len(open_rows)
            else ""
        )
        search = f" · search {self.search!r}" if self.search else ""
        seen, hidden = self.writer.marked_rows()
        marked = ""
        if seen or hidden:
            marked = f" · {len(seen) + len(hidden)} marked"
            marked += f" ({len(hidden)} hidden)" if hidden else ""
        self.query_one("#escalations-summary", Static).update(
            f"view: {VIEWS[self.view]} ({len(rows)}){search}{marked} · "
            f"{snapshot.open_escalation_count} open{listed} · {p1} P1 · {breached} past target"
        )

    def _cells(self, e: EscalationRow, clock: SlaClock, now: datetime, tz: str) -> list[Cell]:
        label = "resolve" if clock.responded else "respond"
        late = f"‼ {label} late {duration_text(-clock.seconds_left)}"
        if e.closed:
            sla = Text(f"  {WORDS.get(e.status, e.status)} {hhmm(e.resolved_at, tz)}")
        elif e.paused_since is not None:
            paused = f"‖ paused {duration_text(clock.paused_s)}, {label} clock stopped"
            sla = Text(f"{late} · {paused}" if clock.breached else paused)
        elif e.status == "snoozed":
            until = f"snoozed to {day_time_text(e.snoozed_until or now, now, tz)}"
            # a snooze never hides a breach: it keeps its ‼ and its count
            sla = critical(f"{late} · {until}") if clock.breached else Text(f"  {until}")
        elif clock.breached:
            sla = critical(late)
        elif clock.seconds_left < 120 or (clock.responded and clock.seconds_left < 600):
            sla = warn(f"▲ {label} in {duration_text(clock.seconds_left)}")
        else:
            sla = Text(f"  {label} in {duration_text(clock.seconds_left)}")
        mark = "●" if e.id in self.marked else " "
        pri = critical(f"{mark}{e.priority}") if e.priority == "P1" else Text(f"{mark}{e.priority}")
        status = WORDS.get(e.status, e.status)
        if e.status == "awaiting_second":
            status = f"waiting for a 2nd (1st: {e.first_approver})"
        return [
            pri,
            duration_text((now - e.raised_at).total_seconds()),
            sla,
            e.customer,
            e.queue_id or "",
            e.agent_name,
            e.kind,
            money(e.amount_cents),
            e.assignee or "unassigned",
            status,
            e.reason,
        ]

    def selected_id(self) -> str | None:
        return self.query_one(FloorTable).selected_key

    def select(self, key: str) -> bool:
        """A jump to an escalation the view or the search hides shows the open view, unsearched."""
        snap = self.floor_app.snapshot
        row = next((e for e in snap.escalations if e.id == key), None) if snap else None
        if row is not None and not self.in_view(row):
            self.view = VIEWS.index("closed today") if row.closed else 0
            self._close_search()
            self.floor_app.render_screen(self)
        return super().select(key)

    def action_cycle_view(self) -> None:
        self.view = (self.view + 1) % len(VIEWS)
        self.floor_app.render_screen(self)

    def action_search(self) -> None:
        self.open_search("#esc-search")

    def action_clear(self) -> None:
        """Escape: the search first, then the marks."""
        box = self.query_one("#esc-search", Input)
        if not self.search and not box.has_class("visible"):
            self.marked.clear()
        self._close_search()
        self.query_one(FloorTable).focus()
        self.floor_app.render_screen(self)

    def _close_search(self) -> None:
        box = self.query_one("#esc-search", Input)
        box.value, self.search = "", ""
        box.remove_class("visible")
        box.disabled = True

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "esc-search":
            self.search = event.value.strip()
            self.floor_app.render_screen(self)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "esc-search":
            self.query_one(FloorTable).focus()

    def on_data_table_row_selected(self, event: FloorTable.RowSelected) -> None:
        event.stop()
        self.action_detail()

    def action_detail(self) -> None:
        from floorlead.tui.screens.escalation_detail import EscalationDetailScreen

        def go(e: EscalationRow) -> None:
            self.app.push_screen(EscalationDetailScreen(e.id))

        self.writer.with_selected(go)

    def action_mark(self) -> None:
        self.actions.mark()

    def action_undo(self) -> None:
        self.actions.undo()
