"""Grade one interaction on the scorecard: one choice per criterion (pass is preselected, so a
clean call is Enter), an optional note; ctrl+s or F2 saves, Escape backs out."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Select

from floorlead.domain.safe_text import clean
from floorlead.tui.widgets.modals import FIELD_KEYS

MARK_CHOICES = [("pass", "pass"), ("fail", "fail"), ("n/a", "na")]


class GradeModal(ModalScreen[tuple[dict[str, str], str] | None]):
    DEFAULT_CSS = """
    GradeModal { align: center middle; }
    GradeModal > Vertical { width: 60; max-width: 100%; height: auto; max-height: 95%;
        border: round $primary; background: $surface; padding: 0 1; }
    GradeModal .hint { color: $text-muted; }
    GradeModal #grade-marks { height: auto; max-height: 1fr; }
    GradeModal .criterion { height: 1; }
    GradeModal .criterion > Label { width: 1fr; }
    GradeModal .criterion > Select { width: 14; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "ctrl+s,f2",
            "save",
            "Save",
            key_display="^s",
            tooltip="Save the grades",
            id="grade.save",
        ),
        Binding("escape", "cancel", "Cancel", tooltip="Back out, nothing saved", id="grade.cancel"),
        *FIELD_KEYS[:2],  # Tab and shift+Tab; Enter in the note saves
    ]

    def __init__(self, agent_name: str, criteria: tuple[tuple[str, int, bool], ...]) -> None:
        super().__init__()
        self.agent_name = agent_name
        self.criteria = criteria

    def compose(self) -> ComposeResult:
        # one line per criterion, scrolling if a long scorecard outgrows the terminal: the
        # note and the hint that says how to save stay in sight at 80×24
        with Vertical():
            yield Label(f"Observation · {clean(self.agent_name)}", markup=False)
            with VerticalScroll(id="grade-marks"):
                for name, weight, critical in self.criteria:
                    flag = ", fails the call" if critical else ""
                    with Horizontal(classes="criterion"):
                        yield Label(f"{name} ({weight}{flag})", markup=False)
                        yield Select(
                            MARK_CHOICES,
                            value="pass",
                            allow_blank=False,
                            compact=True,
                            id=f"mark-{name}",
                        )
            yield Input(placeholder="Note (optional); Enter saves", id="grade-note")
            yield Label("ctrl+s or F2 saves · Esc cancels", classes="hint")

    AUTO_FOCUS = "#grade-note"

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def action_save(self) -> None:
        marks = {}
        for name, _w, _c in self.criteria:
            value = self.query_one(f"#mark-{name}", Select).value
            marks[name] = value if isinstance(value, str) else "na"
        self.dismiss((marks, self.query_one("#grade-note", Input).value))

    def action_cancel(self) -> None:
        self.dismiss(None)
