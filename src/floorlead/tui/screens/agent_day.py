"""An agent's day (Enter on Agents): states against the schedule, contacts, escalations and
coaching notes. Loaded in a worker; refreshed when the floor changes."""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.binding import Binding, BindingType
from textual.widgets import Static

from floorlead.domain.metrics import Segment
from floorlead.domain.when import duration_text, hhmm, local
from floorlead.tui.messages import DayLoaded
from floorlead.tui.screens.base import FloorScreen
from floorlead.tui.widgets.floor_table import FloorTable, Row
from floorlead.tui.words import plural

if TYPE_CHECKING:
    from floorlead.domain.board import AgentDay, FloorSnapshot


SCHEDULE_MARKS = {
    "work": "W",
    "break": "B",
    "lunch": "L",
    "meeting": "M",
    "training": "T",
    "coaching": "K",
}
STATE_MARKS = {
    "available": "A",
    "on_contact": "C",
    "acw": "w",
    "break": "B",
    "lunch": "L",
    "meeting": "M",
    "training": "T",
    "coaching": "K",
    "offline": "·",
}
LEGEND = (
    "Schedule: W work B break L lunch M meeting T training K coaching   "
    "Actual: A available C on contact w ACW · offline"
)


def timeline(
    segments: Iterable[Segment], marks: dict[str, str], start: datetime, step: timedelta, width: int
) -> str:
    """One character per ``step``: the label covering most of that slot."""
    segs = list(segments)
    out = []
    for i in range(width):
        lo, hi = start + step * i, start + step * (i + 1)
        best, best_s = " ", 0.0
        for s in segs:
            overlap = (min(s.end, hi) - max(s.start, lo)).total_seconds()
            if overlap > best_s:
                best, best_s = marks.get(s.label, "?"), overlap
        out.append(best)
    return "".join(out)


CONTACTS = (
    ("contact", "Contact"),
    ("queue", "Queue"),
    ("answered", "Answered"),
    ("talk", "Talk"),
    ("acw", "ACW"),
)
ESCALATIONS = (
    ("priority", "Pri"),
    ("raised", "Raised"),
    ("kind", "Kind"),
    ("status", "Status"),
    ("reason", "Reason"),
)
NOTES = (("at", "When"), ("category", "Category"), ("note", "Coaching note"))


class AgentDayScreen(FloorScreen):
    SCREEN_TITLE = "Agent's day"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape,backspace",
            "app.pop_screen",
            "Back",
            tooltip="Back to the agents",
            id="agent_day.back",
        ),
        Binding(
            "c", "coach", "Note", tooltip="Quick coaching note on this agent", id="agent_day.coach"
        ),
    ]
    SCREEN_COMMANDS = (("Quick coaching note", "Write a note on this agent", "coach"),)

    def __init__(self, agent_id: str) -> None:
        super().__init__()
        self.agent_id = agent_id
        self._seen: FloorSnapshot | None = None

    def compose_body(self) -> Iterable:  # type: ignore[type-arg]
        yield Static("Loading the agent's day…", id="day-summary", classes="summary")
        yield Static("", id="day-timeline")
        yield FloorTable(CONTACTS, id="day-contacts")
        yield FloorTable(ESCALATIONS, id="day-escalations")
        yield FloorTable(NOTES, id="day-notes")

    def show(self, snapshot: FloorSnapshot, now: datetime) -> None:
        if snapshot is not self._seen:
            self._seen = snapshot
            self._load(snapshot.taken_at)

    def _load(self, now: datetime) -> None:
        from floorlead.domain.figures import FloorDay
        from floorlead.store import reader

        agent = self.agent_id
        fd = FloorDay.at(self.floor_app.settings, now)

        def failed(exc: Exception) -> str:  # one sentence; the screen stays usable
            if isinstance(exc, LookupError):
                return f"Agent {agent} is not on this floor."
            return f"Reading the agent's day failed: {exc}."

        self.floor_app.client.load(
            self,
            lambda conn: reader.agent_day(
                *reader.driver_of(conn), agent, fd.day_start, fd.day_end, now
            ),
            DayLoaded,
            group="agent-day",
            failed=failed,
        )

    @on(DayLoaded)
    def _loaded(self, message: DayLoaded) -> None:
        if message.day is None:
            self.query_one("#day-summary", Static).update(message.reason)
            return
        self._render_day(message.day)

    def _render_day(self, day: AgentDay) -> None:
        tz = self.floor_app.settings.floor.timezone
        busy = [s for s in day.states if s.label != "offline"]
        start = min([s.start for s in day.schedule] + [s.start for s in busy] + [day.now])
        end = max([s.end for s in day.schedule] + [day.now])
        width = max(20, min(96, self.size.width - 12))
        needed = (end - start).total_seconds() / 60 / width
        minutes = next((m for m in (5, 6, 10, 12, 15, 20, 30, 60) if m >= needed), 60)
        step = timedelta(minutes=minutes)
        loc_start = local(start, tz).replace(minute=0, second=0, microsecond=0)
        start_utc = datetime.fromtimestamp(loc_start.timestamp(), tz=day.now.tzinfo)
        slots = min(width, math.ceil((end - start_utc) / step))
        marks = [" "] * slots
        for i in range(0, slots, max(1, 60 // minutes)):
            label = local(start_utc + step * i, tz).format("HH")
            if i + len(label) <= slots:
                marks[i : i + len(label)] = list(label)
        ticks = "".join(marks)
        self.query_one("#day-timeline", Static).update(
            f"          {ticks}\n"
            f"Schedule  {timeline(day.schedule, SCHEDULE_MARKS, start_utc, step, slots)}\n"
            f"Actual    {timeline(day.states, STATE_MARKS, start_utc, step, slots)}\n"
            f"          one mark = {int(step.total_seconds() // 60)} min   {LEGEND}"
        )
        self.query_one("#day-summary", Static).update(
            f"{day.name} · team {day.team or '—'} · queues {', '.join(day.queues) or '—'} · "
            f"{plural(len(day.contacts), 'contact')} · "
            f"{plural(len(day.escalations), 'escalation')} · {plural(len(day.notes), 'note')}"
        )
        contacts: list[Row] = []
        for c in day.contacts:
            talk = (
                (c.ended_at - c.answered_at).total_seconds()
                if c.ended_at and c.answered_at
                else None
            )
            acw = (
                (c.wrapped_at - c.ended_at).total_seconds() if c.wrapped_at and c.ended_at else None
            )
            contacts.append(
                (
                    c.id,
                    [
                        c.id,
                        c.queue_id,
                        hhmm(c.answered_at, tz),
                        duration_text(talk),
                        duration_text(acw),
                    ],
                )
            )
        self.query_one("#day-contacts", FloorTable).sync(contacts)
        self.query_one("#day-escalations", FloorTable).sync(
            [
                (e.id, [e.priority, hhmm(e.raised_at, tz), e.kind, e.status, e.reason])
                for e in day.escalations
            ]
        )
        self.query_one("#day-notes", FloorTable).sync(
            [
                (
                    str(n.id),
                    [
                        local(n.at, tz).format("DD MMM HH:mm"),
                        n.category,
                        (n.text.splitlines() or [""])[0][:70],
                    ],
                )
                for n in day.notes
            ]
        )

    def main_table(self) -> FloorTable | None:
        return self.query_one("#day-contacts", FloorTable)

    def action_coach(self) -> None:
        self.floor_app.open_coaching_note(self.agent_id)
