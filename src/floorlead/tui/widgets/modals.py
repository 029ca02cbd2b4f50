"""Small typed dialogs. Enter answers, Escape always backs out with nothing changed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from floorlead.domain.safe_text import clean

MODAL_CSS = """
{name} {{ align: center middle; }}
{name} > Vertical {{
    width: 64; max-width: 100%; height: auto; max-height: 90%;
    border: round $primary; background: $surface; padding: 0 1;
}}
{name} Label {{ width: 100%; }}
{name} .hint {{ color: $text-muted; }}
{name} OptionList {{ height: auto; max-height: 12; }}
"""


#: Tab, shift+Tab and Enter in dialogs of several fields. Textual hands a key to the widget
#: focused when the key is read, so keys typed right after a Tab (a paste, a fast typist)
#: would land in the field being left; as priority bindings these move the focus before
#: the next key is read.
FIELD_KEYS: list[BindingType] = [
    Binding("tab", "app.focus_next", "Next field", show=False, priority=True, id="field.next"),
    Binding(
        "shift+tab",
        "app.focus_previous",
        "Previous field",
        show=False,
        priority=True,
        id="field.previous",
    ),
    Binding("enter", "next_field", "Next field", show=False, priority=True, id="field.enter"),
]


class PromptModal(ModalScreen[str | None]):
    """One line of text. ``required`` refuses an empty answer."""

    DEFAULT_CSS = MODAL_CSS.format(name="PromptModal")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape", "cancel", "Cancel", tooltip="Back out, nothing changes", id="prompt.cancel"
        ),
    ]

    def __init__(
        self,
        title: str,
        *,
        placeholder: str = "",
        value: str = "",
        hint: str = "Enter to confirm · Esc to cancel",
        required: bool = False,
    ) -> None:
        super().__init__()
        self._title, self._placeholder, self._value = title, placeholder, value
        self._hint, self._required = hint, required

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(clean(self._title), markup=False)
            yield Input(value=self._value, placeholder=self._placeholder)
            yield Label(self._hint, classes="hint")

    # Textual focuses this when the dialog shows, and does nothing if the dialog is already
    # going away (keys typed while the app quits must not crash it)
    AUTO_FOCUS = "Input"

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self._required and not event.value.strip():
            self.notify("This needs an answer, or Esc to cancel.", severity="warning")
            return
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ChoiceModal(ModalScreen[str | None]):
    """Pick one of ``choices`` (value, label); the first is highlighted, so Enter takes it."""

    DEFAULT_CSS = MODAL_CSS.format(name="ChoiceModal")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape", "cancel", "Cancel", tooltip="Back out, nothing changes", id="choice.cancel"
        ),
    ]

    def __init__(
        self, title: str, choices: Sequence[tuple[str, str]], *, filterable: bool = False
    ) -> None:
        super().__init__()
        self._title = title
        self._choices = list(choices)
        self._filterable = filterable

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(clean(self._title), markup=False)
            if self._filterable:
                yield Input(placeholder="Type to narrow…")
            yield OptionList(
                *[Option(Text(clean(label)), id=value) for value, label in self._choices]
            )
            yield Label("↑↓ choose · Enter to confirm · Esc to cancel", classes="hint")

    def on_mount(self) -> None:
        # query, not query_one: a dialog already going away (keys typed while the app quits)
        # has no children left, and that must not crash anything
        for options in self.query(OptionList):
            options.highlighted = 0 if self._choices else None
        targets = self.query(Input) if self._filterable else self.query(OptionList)
        if targets:
            targets.first().focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        needle = event.value.lower().strip()
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options(
            [
                Option(Text(clean(label)), id=value)
                for value, label in self._choices
                if all(part in label.lower() for part in needle.split())
            ]
        )
        options.highlighted = 0 if options.option_count else None

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        options = self.query_one(OptionList)
        if options.highlighted is not None:
            option = options.get_option_at_index(options.highlighted)
            self.dismiss(option.id)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def key_down(self) -> None:
        if self._filterable and self.query_one(Input).has_focus:
            self.query_one(OptionList).action_cursor_down()

    def key_up(self) -> None:
        if self._filterable and self.query_one(Input).has_focus:
            self.query_one(OptionList).action_cursor_up()

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmModal(ModalScreen[bool]):
    """Yes or no; Enter or y confirms, Escape or n backs out."""

    DEFAULT_CSS = MODAL_CSS.format(name="ConfirmModal")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter,y", "answer(True)", "Confirm", tooltip="Go ahead", id="confirm.yes"),
        Binding(
            "escape,n",
            "answer(False)",
            "Cancel",
            tooltip="Back out, nothing changes",
            id="confirm.no",
        ),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self._question = question

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(clean(self._question), markup=False)
            yield Label("Enter or y to confirm · Esc or n to cancel", classes="hint")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
