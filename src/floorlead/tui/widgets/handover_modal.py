"""The handover's "for the next shift" text: written in the TUI, saved with ctrl+s (F2 where a
terminal eats ctrl+s), then the report is written and the app says where."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, TextArea


class HandoverModal(ModalScreen[str | None]):
    """Returns the text to save (possibly unchanged), or None when the supervisor backed out."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "ctrl+s,f2",
            "save",
            "Save & write",
            key_display="^s",
            tooltip="Save the text and write the handover report",
            id="handover.save",
        ),
        Binding(
            "escape", "cancel", "Cancel", tooltip="Close, nothing written", id="handover.cancel"
        ),
    ]
    AUTO_FOCUS = "#handover-text"

    def __init__(self, text: str, day_label: str, author: str) -> None:
        super().__init__()
        self.original = text
        self.day_label = day_label
        self.author = author

    def compose(self) -> ComposeResult:
        with Vertical(id="handover-box"):
            yield Label(f"For the next shift · {self.day_label}", id="handover-title")
            if self.author:
                yield Label(f"Last written by {self.author}", id="handover-by")
            yield TextArea(self.original, id="handover-text")
            yield Label(
                "ctrl+s or F2 saves and writes the report · Esc cancels", id="handover-help"
            )

    def action_save(self) -> None:
        self.dismiss(self.query_one("#handover-text", TextArea).text)

    def action_cancel(self) -> None:
        """Escape: straight out when nothing changed; otherwise ask before discarding."""
        if self.query_one("#handover-text", TextArea).text == self.original:
            self.dismiss(None)
            return

        def answer(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        from floorlead.tui.widgets.modals import ConfirmModal

        self.app.push_screen(ConfirmModal("Discard your changes to the handover text?"), answer)
