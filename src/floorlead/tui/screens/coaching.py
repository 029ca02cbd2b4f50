"""Coaching notes (key 5): the most recent notes and commitments on the floor."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from textual.widgets import Static

from floorlead.domain.when import local
from floorlead.tui.screens.base import FloorScreen
from floorlead.tui.widgets.floor_table import FloorTable, Row

if TYPE_CHECKING:
    from floorlead.store.read import FloorSnapshot


COLUMNS = (
    ("at", "When"),
    ("agent", "Agent"),
    ("category", "Category"),
    ("note", "Note"),
    ("commitment", "Commitment"),
    ("follow_up", "Follow-up"),
)


class CoachingScreen(FloorScreen):
    SCREEN_TITLE = "Coaching"

    def compose_body(self) -> Iterable:  # type: ignore[type-arg]
        yield Static("", id="coaching-summary", classes="summary")
        yield FloorTable(COLUMNS, id="coaching-table")

    def show(self, snapshot: FloorSnapshot, now: datetime) -> None:
        rows: list[Row] = []
        for n in snapshot.notes:
            first_line = n.text.splitlines()[0] if n.text else ""
            rows.append(
                (
                    str(n.id),
                    [
                        local(n.at, snapshot.timezone).format("DD MMM HH:mm"),
                        n.agent_name,
                        n.category,
                        first_line[:60],
                        n.commitment[:40],
                        n.follow_up_on.isoformat() if n.follow_up_on else "",
                    ],
                )
            )
        self.query_one(FloorTable).sync(rows)
        summary = (
            f"{len(rows)} recent notes"
            if rows
            else "No coaching notes yet. Notes written after a call show here, newest first."
        )
        self.query_one("#coaching-summary", Static).update(summary)
