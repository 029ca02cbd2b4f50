"""Agent availability (key 2): who is free, on a contact, in ACW or away, and for how long."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from rich.text import Text
from textual.widgets import Static

from floorlead.config import ThresholdSettings
from floorlead.domain.when import duration_text
from floorlead.store.read import AgentRow, FloorSnapshot
from floorlead.tui.screens.base import FloorScreen
from floorlead.tui.widgets.cells import flag_cell, percent, state_cell
from floorlead.tui.widgets.floor_table import FloorTable, Row

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


class AgentsScreen(FloorScreen):
    SCREEN_TITLE = "Agents"

    def compose_body(self) -> Iterable:  # type: ignore[type-arg]
        yield Static("", id="agents-summary", classes="summary")
        yield FloorTable(COLUMNS, id="agents-table")

    def show(self, snapshot: FloorSnapshot, now: datetime) -> None:
        t = self.floor_app.settings.thresholds
        on_shift = [a for a in snapshot.agents if a.on_shift]
        rows: list[Row] = []
        for a in on_shift:
            in_state = (now - a.state_since).total_seconds() if a.state_since else None
            adh = percent(a.adherence)
            if a.in_adherence is False:
                adh_cell = Text(f"✗ {adh}", style="bold red")
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
        self.query_one("#agents-summary", Static).update(
            f"{len(on_shift)} on shift · " + " · ".join(parts)
        )
