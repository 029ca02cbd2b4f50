"""Coaching (key 5): agents down the side with their counts, the selected agent's notes and
commitments newest first, follow-ups due today and overdue on top.

d kept · m missed (with a note) · f move the follow-up · c new note · / search the notes.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Input, Static

from floorlead.domain.metrics import sparkline
from floorlead.domain.when import floor_date, local
from floorlead.tui.screens.base import FloorScreen
from floorlead.tui.widgets.cells import critical, warn
from floorlead.tui.widgets.floor_table import FloorTable, Row
from floorlead.tui.widgets.modals import ChoiceModal, PromptModal
from floorlead.tui.words import plural

if TYPE_CHECKING:
    from textual.notifications import SeverityLevel

    from floorlead.domain.board import FloorSnapshot, NoteRow

AGENTS = (
    ("agent", "Agent"),
    ("month", "Notes"),
    ("open", "Open"),
    ("overdue", "Late"),
    ("step", "Step"),
    ("score", "Score 30d"),
)
NOTES = (
    ("at", "When"),
    ("agent", "Agent"),
    ("category", "Category"),
    ("note", "Note"),
    ("commitment", "Commitment"),
    ("follow_up", "Follow-up"),
    ("track", "Progress"),
)
ALL = "__all__"


class CoachingScreen(FloorScreen):
    SCREEN_TITLE = "Coaching"
    AUTO_FOCUS = "#coaching-table"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("d", "kept", "Kept", tooltip="The commitment was kept", id="coach.kept"),
        Binding(
            "m",
            "missed",
            "Missed",
            tooltip="The commitment was missed (with a note)",
            id="coach.missed",
        ),
        Binding("f", "move", "Move follow-up", tooltip="Move the follow-up date", id="coach.move"),
        Binding(
            "x",
            "step",
            "Correction step",
            tooltip="Record a verbal, written or final warning (recorded, never automated)",
            id="coach.step",
        ),
        Binding(
            "v", "grade", "Grade", tooltip="Grade an interaction on the scorecard", id="coach.grade"
        ),
        Binding("c", "coach", "New note", tooltip="A new note on this agent", id="coach.new"),
        Binding(
            "slash",
            "search",
            "Search",
            key_display="/",
            tooltip="Search the notes",
            priority=True,  # see FloorScreen.open_search
            id="coach.search",
        ),
        Binding("tab", "app.focus_next", "Agents/notes", show=False, id="coach.focus"),
        Binding(
            "escape", "clear", "Clear", show=False, tooltip="Clear the search", id="coach.clear"
        ),
    ]
    SCREEN_COMMANDS = (
        ("Commitment kept", "Mark the selected commitment kept", "kept"),
        ("Commitment missed", "With a note", "missed"),
        ("Move the follow-up date", "fri, in 2 weeks, dec 3", "move"),
        ("Search coaching notes", "Text across the notes", "search"),
    )

    def __init__(self) -> None:
        super().__init__()
        self.search = ""

    def compose_body(self) -> Iterable:  # type: ignore[type-arg]
        yield Static("", id="coaching-summary", classes="summary")
        yield Input(placeholder="Search notes…", id="coach-search", classes="search", disabled=True)
        with Horizontal(id="coaching-body"):
            yield FloorTable(AGENTS, id="coaching-agents")
            yield FloorTable(
                NOTES,
                first=("agent", "commitment", "track", "follow_up"),
                widest={"note": 40, "commitment": 32},
                id="coaching-table",
            )

    def _today(self, snapshot: FloorSnapshot) -> date:
        f = self.floor_app.settings.floor
        return floor_date(snapshot.taken_at, f.timezone, f.day_start)

    def show(self, snapshot: FloorSnapshot, now: datetime) -> None:
        today = self._today(snapshot)
        month_start = today.replace(day=1)
        tz = snapshot.timezone
        counts: dict[str, list[int]] = {a.id: [0, 0, 0] for a in snapshot.agents}
        for n in snapshot.notes:
            c = counts.setdefault(n.agent_id, [0, 0, 0])
            if local(n.at, tz).date() >= month_start:
                c[0] += 1
            if n.commitment_status == "open":
                c[1] += 1
                if n.follow_up_on is not None and n.follow_up_on < today:
                    c[2] += 1
        agent_rows: list[Row] = [
            (
                ALL,
                [
                    "All agents",
                    str(len(snapshot.notes)),
                    str(sum(c[1] for c in counts.values())),
                    str(sum(c[2] for c in counts.values())),
                    "",
                    "",
                ],
            )
        ]
        month_ago = snapshot.taken_at - timedelta(days=30)
        scores: dict[str, list[float]] = {}
        for n in sorted(snapshot.notes, key=lambda n: n.at):  # oldest first: a trend
            if n.score_pct is not None and n.at >= month_ago:
                scores.setdefault(n.agent_id, []).append(n.score_pct)
        steps: dict[str, str] = {}
        for n in sorted(snapshot.notes, key=lambda n: n.at):
            if n.correction_step:
                steps[n.agent_id] = n.correction_step
        for a in sorted(snapshot.agents, key=lambda a: a.name):
            c = counts.get(a.id, [0, 0, 0])
            late = critical(f"‼ {c[2]}") if c[2] else Text("0")
            graded = scores.get(a.id, [])
            average = (
                f"{sum(graded) / len(graded):.0f}% ({len(graded)}) "
                + sparkline(graded[-8:], top=100.0)
                if graded
                else ""
            )
            agent_rows.append(
                (a.id, [a.name, str(c[0]), str(c[1]), late, steps.get(a.id, ""), average])
            )
        agents = self.query_one("#coaching-agents", FloorTable)
        agents.sync(agent_rows)
        chosen = agents.selected_key or ALL
        due = [
            n
            for n in snapshot.notes
            if n.commitment_status == "open"
            and n.follow_up_on is not None
            and n.follow_up_on <= today
        ]
        due.sort(key=lambda n: (n.follow_up_on or today, n.at))
        rest = [n for n in snapshot.notes if n not in due]
        needle = self.search.lower()
        rows: list[Row] = []
        for n in [*due, *rest]:
            if chosen != ALL and n.agent_id != chosen:
                continue
            if needle and needle not in f"{n.text} {n.commitment}".lower():
                continue
            rows.append((str(n.id), self._cells(n, today, tz)))
        self.query_one("#coaching-table", FloorTable).sync(rows)
        overdue = sum(1 for n in due if n.follow_up_on and n.follow_up_on < today)
        self.query_one("#coaching-summary", Static).update(
            f"{len(due) - overdue} follow-ups due today · {overdue} overdue · "
            + plural(len(snapshot.notes), "note")
            + (f" · search {self.search!r}" if self.search else "")
            if snapshot.notes
            else "No coaching notes yet. Press c on an agent anywhere to write one."
        )

    @staticmethod
    def _cells(n: NoteRow, today: date, tz: str) -> list[Any]:
        first_line = n.text.splitlines()[0] if n.text else ""
        follow: Any = ""
        if n.commitment:
            when = n.follow_up_on.isoformat() if n.follow_up_on else "no date"
            if n.commitment_status != "open":
                follow = f"{n.commitment_status} ({when})"
            elif n.follow_up_on is not None and n.follow_up_on < today:
                follow = critical(f"‼ overdue {when}")
            elif n.follow_up_on == today:
                follow = warn("▲ due today")
            else:
                follow = f"open, {when}"
        if n.on_track is False:
            track: Any = critical(f"▼ {n.track}")
        elif n.on_track:
            track = Text(f"✓ {n.track}", style="green")
        else:
            track = n.track
        return [
            local(n.at, tz).format("DD MMM HH:mm"),
            n.agent_name,
            n.category,
            first_line[:60],
            n.commitment[:40],
            follow,
            track,
        ]

    # ------------------------------------------------------------------ actions

    def on_data_table_row_highlighted(self, event: FloorTable.RowHighlighted) -> None:
        if event.data_table.id == "coaching-agents":
            self.floor_app.render_screen(self)

    def _selected_note(self) -> NoteRow | None:
        key = self.query_one("#coaching-table", FloorTable).selected_key
        snap = self.floor_app.snapshot
        if key is None or snap is None:
            return None
        return next((n for n in snap.notes if str(n.id) == key), None)

    def _commitment(self) -> NoteRow | None:
        n = self._selected_note()
        if n is None or not n.commitment:
            self.notify("Select a note with a commitment.", severity="warning")
            return None
        return n

    def _follow_up(
        self, n: NoteRow, outcome: str, note: str, new_date: date | None, done: str
    ) -> None:
        from floorlead.store.coaching import follow_up

        self.floor_app.client.write(
            self,
            lambda db, by: follow_up(
                db,
                note_id=n.id,
                expected_version=n.version,
                actor=by.who,
                at=by.at,
                outcome=outcome,
                note=note,
                new_date=new_date,
            ),
            done,
            group="coaching-write",
        )

    def action_kept(self) -> None:
        n = self._commitment()
        if n is not None:
            self._follow_up(n, "kept", "", None, "Commitment kept.")

    def action_missed(self) -> None:
        n = self._commitment()
        if n is None:
            return

        def with_note(note: str | None) -> None:
            if note is not None:
                self._follow_up(n, "missed", note, None, "Commitment missed, noted.")

        self.app.push_screen(
            PromptModal(f"Missed: {n.commitment}. What happened?", required=True), with_note
        )

    def action_move(self) -> None:
        n = self._commitment()
        if n is None:
            return
        snap = self.floor_app.snapshot
        today = self._today(snap) if snap else date.today()

        def with_date(text: str | None) -> None:
            if text is None:
                return
            from floorlead.domain.when import WhenError, parse_day

            try:
                new_date = parse_day(text, today)
            except WhenError as exc:
                self.notify(str(exc), severity="warning")
                return
            self._follow_up(n, "moved", "", new_date, f"Follow-up moved to {new_date}.")

        self.app.push_screen(
            PromptModal("Follow up on", placeholder="fri, in 2 weeks, dec 3", required=True),
            with_date,
        )

    def action_coach(self) -> None:
        agents = self.query_one("#coaching-agents", FloorTable)
        key = agents.selected_key
        note = self._selected_note()
        agent = note.agent_id if (key in (None, ALL) and note) else key
        if agent and agent != ALL:
            self.floor_app.open_coaching_note(agent)
        else:
            self.notify("Choose an agent on the left first.", severity="warning")

    def action_step(self) -> None:
        from floorlead.store.coaching import CORRECTION_STEPS

        key = self.query_one("#coaching-agents", FloorTable).selected_key
        if key in (None, ALL):
            self.notify("Choose an agent on the left first.", severity="warning")
            return
        agent = str(key)

        def with_step(step: str | None) -> None:
            if step is None:
                return

            def with_date(text: str | None) -> None:
                if text is None:
                    return
                snap = self.floor_app.snapshot
                on = self._today(snap) if snap else date.today()
                if text.strip() and text.strip().lower() != "today":
                    try:
                        on = date.fromisoformat(text.strip())
                    except ValueError:
                        self.notify(
                            "Type the date like 2026-11-23, or leave it empty for today.",
                            severity="warning",
                        )
                        return

                def with_reason(reason: str | None) -> None:
                    if reason is not None:
                        self._record_step(agent, step, on, reason)

                self.app.push_screen(PromptModal("Reason", required=True), with_reason)

            self.app.push_screen(
                PromptModal("Date of the step (empty: today)", placeholder="2026-11-23"), with_date
            )

        self.app.push_screen(
            ChoiceModal("Correction step", list(CORRECTION_STEPS.items())), with_step
        )

    def _record_step(self, agent: str, step: str, on: date, reason: str) -> None:
        from floorlead.store.coaching import record_correction_step

        self.floor_app.client.write(
            self,
            lambda db, by: record_correction_step(
                db, agent_id=agent, step=step, on=on, reason=reason, actor=by.who, at=by.at
            ),
            "Correction step recorded.",
            group="coaching-write",
        )

    def action_grade(self) -> None:
        from floorlead.tui.widgets.grade_modal import GradeModal

        key = self.query_one("#coaching-agents", FloorTable).selected_key
        if key in (None, ALL):
            self.notify("Choose an agent on the left first.", severity="warning")
            return
        agent = str(key)
        snap = self.floor_app.snapshot
        name = snap.agent_names.get(agent, agent) if snap else agent
        criteria = self.floor_app.settings.scorecard.criteria

        def with_grades(result: tuple[dict[str, str], str] | None) -> None:
            if result is not None:
                self._grade(agent, result[0], result[1])

        self.app.push_screen(GradeModal(name, criteria), with_grades)

    def _grade(self, agent: str, marks: dict[str, str], note: str) -> None:
        from floorlead.store.coaching import add_observation

        criteria = self.floor_app.settings.scorecard.criteria

        def said(percent: float | None) -> list[tuple[str, SeverityLevel]]:
            shown = "no score (all N/A)" if percent is None else f"{percent:.0f} %"
            return [(f"Observation saved: {shown}.", "information")]

        self.floor_app.client.write(
            self,
            lambda db, by: add_observation(
                db,
                agent_id=agent,
                marks=marks,
                criteria=criteria,
                note=note,
                actor=by.who,
                at=by.at,
            ),
            said,
            group="coaching-write",
        )

    def action_search(self) -> None:
        self.open_search("#coach-search")

    def action_clear(self) -> None:
        box = self.query_one("#coach-search", Input)
        box.value, self.search = "", ""
        box.remove_class("visible")
        box.disabled = True
        self.query_one("#coaching-table", FloorTable).focus()
        self.floor_app.render_screen(self)

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "coach-search":
            self.search = event.value.strip()
            self.floor_app.render_screen(self)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "coach-search":
            self.query_one("#coaching-table", FloorTable).focus()

    def main_table(self) -> FloorTable | None:
        return self.query_one("#coaching-table", FloorTable)
