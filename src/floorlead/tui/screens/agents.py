"""Agent availability (key 2): who is free, on a contact, in ACW or away, and for how long.

Filter by state (s), team (t) and queue (f); sort by any column (o, O reverses); `/` searches
names as you type; Enter opens the agent's day; c writes a quick coaching note.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import Input, Static

from floorlead.config import ThresholdSettings
from floorlead.domain.metrics import AUX_STATES
from floorlead.domain.when import duration_text
from floorlead.tui.screens.base import FloorScreen
from floorlead.tui.widgets.cells import STATE_LABELS, critical, flag_cell, percent, state_cell
from floorlead.tui.widgets.floor_table import FloorTable, Row

if TYPE_CHECKING:
    from floorlead.domain.board import AgentRow, FloorSnapshot


COLUMNS = (
    ("name", "Agent"),
    ("state", "State"),
    ("in_state", "In state"),
    ("queue", "Queue"),
    ("scheduled", "Sched"),
    ("adherence", "Adh"),
    ("flags", "Flags"),
    ("occupancy", "Occ"),
    ("handled", "Hnd"),
    ("team", "Team"),
)

STATE_FILTERS: tuple[tuple[str, Callable[[AgentRow], bool]], ...] = (
    ("all states", lambda a: True),
    ("available", lambda a: a.state == "available"),
    ("on contact", lambda a: a.state == "on_contact"),
    ("ACW", lambda a: a.state == "acw"),
    ("away (break, lunch, meeting, training, coaching)", lambda a: a.state in AUX_STATES),
    ("out of adherence", lambda a: a.in_adherence is False),
)


def agent_flags(a: AgentRow, in_state_s: float | None, t: ThresholdSettings) -> list[str]:
    """Words, not colours: long ACW, long break or lunch, out of adherence."""
    flags: list[str] = []
    if in_state_s is not None:
        if a.state == "acw" and in_state_s > t.long_acw_s:
            flags.append("long ACW")
        if a.state == "break" and in_state_s > t.long_break_min * 60:
            flags.append("long break")
        if a.state == "lunch" and in_state_s > t.long_lunch_min * 60:
            flags.append("long lunch")
    if a.in_adherence is False:
        flags.append("OUT adh")
    return flags


def _sort_key(column: str, now: datetime) -> Callable[[AgentRow], Any]:
    """Sort values per column; missing figures sort last."""

    def seconds(a: AgentRow) -> float:
        return (now - a.state_since).total_seconds() if a.state_since else -1.0

    keys: dict[str, Callable[[AgentRow], Any]] = {
        "name": lambda a: a.name.lower(),
        "state": lambda a: STATE_LABELS.get(a.state, a.state),
        "in_state": seconds,
        "queue": lambda a: a.contact_queue or "~",
        "scheduled": lambda a: a.scheduled_now or "~",
        "adherence": lambda a: -1.0 if a.adherence is None else a.adherence,
        "flags": lambda a: (a.in_adherence is not False, a.name.lower()),
        "occupancy": lambda a: -1.0 if a.occupancy is None else a.occupancy,
        "handled": lambda a: a.handled,
        "team": lambda a: (a.team, a.name.lower()),
    }
    return keys[column]


class AgentsScreen(FloorScreen):
    SCREEN_TITLE = "Agents"
    BOARD_ONLY = True
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "enter",
            "open_day",
            "Day",
            tooltip="The agent's day: timeline, contacts, notes",
            id="agents.day",
        ),
        Binding(
            "c", "coach", "Note", tooltip="Quick coaching note on this agent", id="agents.coach"
        ),
        Binding(
            "slash",
            "search",
            "Search",
            key_display="/",
            tooltip="Find an agent by name",
            priority=True,  # see FloorScreen.open_search
            id="agents.search",
        ),
        Binding(
            "x",
            "call_out",
            "Call out",
            tooltip="Mark the agent absent (sick, emergency) for today or for hours",
            id="agents.call_out",
        ),
        Binding(
            "X",
            "undo_call_out",
            "Undo call-out",
            show=False,
            tooltip="Undo the agent's call-out made today",
            id="agents.undo_call_out",
        ),
        Binding("s", "cycle_state", "State", tooltip="Filter by state", id="agents.state"),
        Binding("t", "cycle_team", "Team", tooltip="Filter by team", id="agents.team"),
        Binding("f", "cycle_queue", "Queue", tooltip="Filter by queue (skill)", id="agents.queue"),
        Binding("o", "cycle_sort", "Sort", tooltip="Sort by the next column", id="agents.sort"),
        Binding(
            "O",
            "reverse_sort",
            "Reverse",
            show=False,
            tooltip="Reverse the sort",
            id="agents.reverse",
        ),
        Binding(
            "escape",
            "clear_filters",
            "Clear",
            show=False,
            tooltip="Clear search and filters",
            id="agents.clear",
        ),
    ]
    SCREEN_COMMANDS = (
        ("Open the agent's day", "Timeline against the schedule, contacts, notes", "open_day"),
        ("Quick coaching note", "Write a note on the selected agent", "coach"),
        ("Search agents by name", "Filter as you type", "search"),
        ("Filter agents by state", "Cycle through the states", "cycle_state"),
        ("Filter agents by team", "Cycle through the teams", "cycle_team"),
        ("Filter agents by queue", "Cycle through the queues", "cycle_queue"),
        ("Sort agents by the next column", "Then O to reverse", "cycle_sort"),
        ("Clear agent search and filters", "Show every agent on shift", "clear_filters"),
        ("Call out the agent", "Sick, emergency or other; for today or for hours", "call_out"),
        ("Undo the agent's call-out", "Made today", "undo_call_out"),
    )

    def __init__(self) -> None:
        super().__init__()
        self.state_filter = 0
        self.team: str | None = None
        self.queue: str | None = None
        self.search = ""
        self.sort_column = "name"
        self.sort_reverse = False

    def compose_body(self) -> Iterable:  # type: ignore[type-arg]
        yield Static("", id="agents-summary", classes="summary")
        yield Input(
            placeholder="Search names…", id="agents-search", classes="search", disabled=True
        )
        yield FloorTable(COLUMNS, id="agents-table")

    # ------------------------------------------------------------------ rendering

    def _visible(self, snapshot: FloorSnapshot, now: datetime) -> list[AgentRow]:
        wanted = STATE_FILTERS[self.state_filter][1]
        needle = self.search.lower()
        rows = [
            a
            for a in snapshot.agents
            if a.on_shift
            and wanted(a)
            and (self.team is None or a.team == self.team)
            and (self.queue is None or self.queue in a.queues)
            and (not needle or needle in a.name.lower())
        ]
        rows.sort(key=_sort_key(self.sort_column, now), reverse=self.sort_reverse)
        return rows

    def show(self, snapshot: FloorSnapshot, now: datetime) -> None:
        t = self.floor_app.settings.thresholds
        visible = self._visible(snapshot, now)
        rows: list[Row] = []
        for a in visible:
            in_state = (now - a.state_since).total_seconds() if a.state_since else None
            adh = percent(a.adherence)
            if a.in_adherence is False:
                adh_cell = critical(f"✗ {adh}")
            elif a.in_adherence:
                adh_cell = Text(f"✓ {adh}")
            else:
                adh_cell = Text(f"  {adh}")
            rows.append(
                (
                    a.id,
                    [
                        a.name,
                        state_cell(a.state),
                        duration_text(in_state),
                        a.contact_queue or "",
                        a.scheduled_now or "off",
                        adh_cell,
                        flag_cell(agent_flags(a, in_state, t)),
                        percent(a.occupancy),
                        str(a.handled),
                        a.team,
                    ],
                )
            )
        self.query_one(FloorTable).sync(rows)
        on_shift = [a for a in snapshot.agents if a.on_shift]
        counts: dict[str, int] = {}
        for a in on_shift:
            counts[a.state] = counts.get(a.state, 0) + 1
        parts = [
            f"{counts.get(s, 0)} {label}"
            for s, label in (
                ("available", "avail"),
                ("on_contact", "on contact"),
                ("acw", "ACW"),
                ("break", "break"),
                ("lunch", "lunch"),
            )
        ]
        filters = self._filter_text()
        shown = f"showing {len(visible)} of {len(on_shift)} · " if filters else ""
        self.query_one("#agents-summary", Static).update(
            f"{shown}{len(on_shift)} on shift · " + " · ".join(parts) + filters
        )

    def _filter_text(self) -> str:
        parts = []
        if self.state_filter:
            parts.append(STATE_FILTERS[self.state_filter][0])
        if self.team:
            parts.append(f"team {self.team}")
        if self.queue:
            parts.append(f"queue {self.queue}")
        if self.search:
            parts.append(f"name ~ {self.search!r}")
        label = dict(COLUMNS)[self.sort_column]
        sort = f" · sorted by {label}{' ↓' if self.sort_reverse else ''}"
        return (" · filter: " + ", ".join(parts) if parts else "") + (
            sort if self.sort_column != "name" or self.sort_reverse else ""
        )

    def _rerender(self) -> None:
        self.floor_app.render_screen(self)

    # ------------------------------------------------------------------ actions

    def _cycle(self, current: str | None, options: list[str]) -> str | None:
        choices: list[str | None] = [None, *sorted(set(options))]
        return choices[(choices.index(current) + 1) % len(choices)]

    def action_cycle_state(self) -> None:
        self.state_filter = (self.state_filter + 1) % len(STATE_FILTERS)
        self._rerender()

    def action_cycle_team(self) -> None:
        snap = self.floor_app.snapshot
        self.team = self._cycle(self.team, [a.team for a in snap.agents] if snap else [])
        self._rerender()

    def action_cycle_queue(self) -> None:
        snap = self.floor_app.snapshot
        self.queue = self._cycle(self.queue, [q.id for q in snap.queues] if snap else [])
        self._rerender()

    def action_cycle_sort(self) -> None:
        names = [key for key, _label in COLUMNS]
        self.sort_column = names[(names.index(self.sort_column) + 1) % len(names)]
        self.sort_reverse = False
        self._rerender()

    def action_reverse_sort(self) -> None:
        self.sort_reverse = not self.sort_reverse
        self._rerender()

    def action_search(self) -> None:
        self.open_search("#agents-search")

    def action_clear_filters(self) -> None:
        self.state_filter, self.team, self.queue, self.search = 0, None, None, ""
        box = self.query_one("#agents-search", Input)
        box.value = ""
        box.remove_class("visible")
        box.disabled = True
        self.query_one(FloorTable).focus()
        self._rerender()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "agents-search":
            self.search = event.value.strip()
            self._rerender()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "agents-search":
            self.query_one(FloorTable).focus()  # keep the filter; Esc clears it

    def on_data_table_row_selected(self, event: FloorTable.RowSelected) -> None:
        event.stop()
        self.action_open_day()

    def action_open_day(self) -> None:
        from floorlead.tui.screens.agent_day import AgentDayScreen

        key = self.query_one(FloorTable).selected_key
        if key is not None:
            self.app.push_screen(AgentDayScreen(key))

    def action_coach(self) -> None:
        key = self.query_one(FloorTable).selected_key
        if key is not None:
            self.floor_app.open_coaching_note(key)

    def _selected_agent(self) -> tuple[str, str] | None:
        key = self.query_one(FloorTable).selected_key
        snap = self.floor_app.snapshot
        if key is None or snap is None:
            return None
        return key, snap.agent_names.get(key, key)

    def action_call_out(self) -> None:
        from floorlead.tui.callout import start_call_out

        if (agent := self._selected_agent()) is not None:
            start_call_out(self, *agent)

    def action_undo_call_out(self) -> None:
        from floorlead.tui.callout import undo_call_out

        if (agent := self._selected_agent()) is not None:
            undo_call_out(self, *agent)
