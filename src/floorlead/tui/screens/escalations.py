"""Escalation queue (key 3): open escalations, P1 first, then oldest."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Static

from floorlead.domain.when import duration_text
from floorlead.tui.screens.base import FloorScreen
from floorlead.tui.widgets.floor_table import FloorTable, Row

if TYPE_CHECKING:
    from floorlead.store.read import FloorSnapshot


COLUMNS = (
    ("priority", "Pri"),
    ("age", "Age"),
    ("due", "Respond by"),
    ("customer", "Customer"),
    ("queue", "Queue"),
    ("agent", "Raised by"),
    ("kind", "Kind"),
    ("amount", "Amount"),
    ("assignee", "Assignee"),
    ("status", "Status"),
    ("reason", "Reason"),
)


def money(cents: int | None) -> str:
    return "" if cents is None else f"{cents / 100:,.2f}"


class EscalationsScreen(FloorScreen):
    SCREEN_TITLE = "Escalations"

    def compose_body(self) -> Iterable:  # type: ignore[type-arg]
        yield Static("", id="escalations-summary", classes="summary")
        yield FloorTable(COLUMNS, id="escalations-table")

    def show(self, snapshot: FloorSnapshot, now: datetime) -> None:
        respond = self.floor_app.settings.escalations.respond_minutes
        rows: list[Row] = []
        breached = 0
        for e in snapshot.escalations:
            age = (now - e.raised_at).total_seconds()
            left = respond.get(e.priority, 60) * 60 - age
            if e.assignee:
                due: Text = Text("  responded")
            elif left < 0:
                breached += 1
                due = Text(f"‼ late {duration_text(-left)}", style="bold red")
            elif left < 120:
                due = Text(f"▲ {duration_text(left)}", style="yellow")
            else:
                due = Text(f"  {duration_text(left)}")
            pri = Text(e.priority, style="bold red" if e.priority == "P1" else "")
            rows.append(
                (
                    e.id,
                    [
                        pri,
                        duration_text(age),
                        due,
                        e.customer,
                        e.queue_id or "",
                        e.agent_name,
                        e.kind,
                        money(e.amount_cents),
                        e.assignee or "unassigned",
                        e.status,
                        e.reason,
                    ],
                )
            )
        self.query_one(FloorTable).sync(rows)
        p1 = sum(e.priority == "P1" for e in snapshot.escalations)
        self.query_one("#escalations-summary", Static).update(
            f"{snapshot.open_escalation_count} open"
            + (
                f" (the {len(rows)} most urgent listed)"
                if snapshot.open_escalation_count > len(rows)
                else ""
            )
            + f"  ·  {p1} P1  ·  {breached} past their response target"
        )
