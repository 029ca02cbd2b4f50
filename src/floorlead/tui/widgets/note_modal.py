"""The quick coaching note: opens with the cursor in the text, saves with ctrl+s (or Enter on
the last field; F2 as an alias where a terminal eats ctrl+s), Escape backs out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Select

from floorlead.domain.safe_text import clean
from floorlead.tui.widgets.modals import FIELD_KEYS

CATEGORIES = ("coaching", "kudos", "observation", "commitment", "correction")


@dataclass(frozen=True)
class NoteDraft:
    agent_id: str
    text: str
    category: str
    commitment: str
    contact_id: str | None = None
    escalation_id: str | None = None
    follow_up_on: date | None = None


class NoteModal(ModalScreen[NoteDraft | None]):
    """Returns the draft, or None when the supervisor backed out."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "ctrl+s,f2", "save", "Save", key_display="^s", tooltip="Save the note", id="note.save"
        ),
        Binding("escape", "cancel", "Cancel", tooltip="Close without saving", id="note.cancel"),
        *FIELD_KEYS,
    ]

    def __init__(
        self,
        agent_id: str,
        agent_name: str,
        *,
        contact_id: str | None = None,
        escalation_id: str | None = None,
        today: date | None = None,
        draft: NoteDraft | None = None,
        problem: str = "",
    ) -> None:
        super().__init__()
        #: what was typed before a save that failed, shown again with why
        self.draft, self.problem = draft, problem
        self.today = today or date.today()
        self.agent_id = agent_id
        self.agent_name = agent_name
        self.contact_id = contact_id
        self.escalation_id = escalation_id

    def compose(self) -> ComposeResult:
        with Vertical(id="note-box"):
            yield Label(f"Coaching note · {clean(self.agent_name)}", id="note-title", markup=False)
            if self.escalation_id or self.contact_id:
                link = (
                    f"escalation {self.escalation_id}"
                    if self.escalation_id
                    else f"contact {self.contact_id}"
                )
                yield Label(f"Linked to {clean(link)}", id="note-link", markup=False)
            yield Input(placeholder="What did you hear?", id="note-text")
            yield Select(
                [(c, c) for c in CATEGORIES],
                value="coaching",
                allow_blank=False,
                id="note-category",
            )
            yield Input(placeholder="Commitment (optional)", id="note-commitment")
            yield Input(placeholder="Follow up on (fri, in 2 weeks, dec 3)", id="note-follow-up")
            yield Label(
                "ctrl+s or F2 saves · Enter on the last field saves · Esc cancels", id="note-help"
            )

    AUTO_FOCUS = "#note-text"  # the cursor is in the text when the dialog shows

    def on_mount(self) -> None:
        d = self.draft
        if d is None:
            return
        self.query_one("#note-text", Input).value = d.text
        self.query_one("#note-category", Select).value = d.category
        self.query_one("#note-commitment", Input).value = d.commitment
        if d.follow_up_on is not None:
            follow = d.follow_up_on
            self.query_one("#note-follow-up", Input).value = f"{follow:%b} {follow.day}"
        if self.problem:
            self.notify(f"Not saved: {self.problem} Your note is kept here.", severity="error")

    def action_next_field(self) -> None:
        """Enter: the next field, or save on the last one (a priority binding, so the keys
        typed after it already go to the next field)."""
        focused = self.focused
        if not isinstance(focused, Input):
            raise SkipAction  # a Select's own Enter opens it
        if focused.id == "note-follow-up":
            self.action_save()
        else:
            self.focus_next()

    def action_save(self) -> None:
        text = self.query_one("#note-text", Input).value.strip()
        if not text:
            self.notify("Write something first, or Esc to cancel.", severity="warning")
            self.query_one("#note-text", Input).focus()
            return
        category = self.query_one("#note-category", Select).value
        follow_text = self.query_one("#note-follow-up", Input).value.strip()
        follow_up: date | None = None
        if follow_text:
            from floorlead.domain.when import WhenError, parse_day

            try:
                follow_up = parse_day(follow_text, self.today)
            except WhenError as exc:
                self.notify(str(exc), severity="warning")
                self.query_one("#note-follow-up", Input).focus()
                return
        self.dismiss(
            NoteDraft(
                agent_id=self.agent_id,
                text=text,
                category=category if isinstance(category, str) else "coaching",
                commitment=self.query_one("#note-commitment", Input).value.strip(),
                contact_id=self.contact_id,
                escalation_id=self.escalation_id,
                follow_up_on=follow_up,
            )
        )

    def action_cancel(self) -> None:
        """Escape: straight out when nothing was typed; otherwise ask before discarding."""
        typed = any(i.value.strip() for i in self.query(Input))
        if not typed:
            self.dismiss(None)
            return

        def answer(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        from floorlead.tui.widgets.modals import ConfirmModal

        self.app.push_screen(ConfirmModal("Discard this note? What you typed is lost."), answer)
