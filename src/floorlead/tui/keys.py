"""The ``[keys]`` settings table: any binding remapped by its id (Textual's keymap), checked
before the app starts, so a typo is one sentence naming the key and the file, not a key that
silently does nothing or takes another action's place."""

from __future__ import annotations

import importlib
import unicodedata
from collections.abc import Iterator
from pathlib import Path

from textual.binding import Binding
from textual.keys import Keys
from textual.screen import ModalScreen

from floorlead.errors import ConfigError

#: Every module whose classes carry bindings; their bindings are active together with the
#: app's and the tables' on a screen, alone on a dialog.
MODULES = (
    "floorlead.tui.screens.queues",
    "floorlead.tui.screens.agents",
    "floorlead.tui.screens.escalations",
    "floorlead.tui.screens.timesheets",
    "floorlead.tui.screens.coaching",
    "floorlead.tui.screens.coverage",
    "floorlead.tui.screens.interval_detail",
    "floorlead.tui.screens.queue_detail",
    "floorlead.tui.screens.escalation_detail",
    "floorlead.tui.screens.timesheet_detail",
    "floorlead.tui.screens.agent_day",
    "floorlead.tui.screens.help",
    "floorlead.tui.widgets.modals",
    "floorlead.tui.widgets.note_modal",
    "floorlead.tui.widgets.grade_modal",
    "floorlead.tui.widgets.handover_modal",
)
_MODIFIERS = ("ctrl+", "shift+", "alt+", "meta+", "super+", "hyper+")


def _own_bindings(cls: type) -> list[Binding]:
    return [b for b in cls.__dict__.get("BINDINGS", ()) if isinstance(b, Binding) and b.id]


def _homes() -> Iterator[tuple[str, list[Binding], bool]]:
    """(where, the bindings with ids it declares, whether it is a dialog) for every screen
    and dialog, the app and the tables first."""
    from floorlead.tui.app import FloorleadApp
    from floorlead.tui.widgets.floor_table import FloorTable

    yield "every screen", _own_bindings(FloorleadApp), False
    yield "every table", _own_bindings(FloorTable), False
    seen: set[type] = set()
    for name in MODULES:
        module = importlib.import_module(name)
        for value in vars(module).values():
            if not isinstance(value, type) or value in seen or value.__module__ != name:
                continue
            seen.add(value)
            mine = [b for c in value.__mro__ for b in _own_bindings(c)]
            if mine:
                title = getattr(value, "SCREEN_TITLE", "") or value.__name__
                yield title, mine, issubclass(value, ModalScreen)


def scopes() -> Iterator[tuple[str, list[Binding]]]:
    """(where, the bindings with ids active together there) for every screen and dialog."""
    homes = list(_homes())
    shared = homes[0][1] + homes[1][1]
    yield "every screen", shared
    for title, mine, modal in homes[2:]:
        yield title, mine if modal else mine + shared


def key_table() -> str:
    """Every key as a Markdown table, by the names ``[keys]`` takes (the README carries it;
    a test keeps the two equal)."""
    lines = ["| Where | Key | Does | Id |", "|---|---|---|---|"]
    for title, mine, _modal in _homes():
        for b in mine:
            keys = " ".join(f"`{k}`" for k in b.key.split(","))
            lines.append(f"| {title} | {keys} | {b.description or b.tooltip} | `{b.id}` |")
    return "\n".join(lines)


def _known_key(key: str) -> bool:
    base = key
    while base.startswith(_MODIFIERS) and len(base) > len("ctrl+"):
        base = base.split("+", 1)[1]
    if len(base) == 1 or base in {k.value for k in Keys}:
        return True
    try:
        unicodedata.lookup(base.replace("_", " "))
        return True
    except KeyError:
        return False


def check_keymap(keymap: dict[str, str], source: Path | None) -> None:
    """Raise one sentence for an id no binding carries, a key Textual does not know, or a key
    that another action already has where the remapped one is active."""
    where = f" in {source}" if source else ""
    found = list(scopes())
    ids = {b.id for _scope, bindings in found for b in bindings}
    for ident, keys in keymap.items():
        if ident not in ids:
            raise ConfigError(
                f"Setting keys.{ident}{where} names no action; the ids are listed in the "
                "help screen (press ?) and the README."
            )
        for key in keys.split(","):
            if not _known_key(key):
                raise ConfigError(f"Setting keys.{ident}{where}: {key!r} is not a key name.")

    def keys_of(b: Binding) -> set[str]:
        return set((keymap.get(b.id or "") or b.key).split(","))

    for scope, bindings in found:
        for b in bindings:
            if b.id not in keymap:
                continue
            for other in bindings:
                if other.id == b.id or other.action == b.action:
                    continue
                clash = keys_of(b) & keys_of(other)
                if clash:
                    key = sorted(clash)[0]
                    raise ConfigError(
                        f"Setting keys.{b.id}{where}: {key!r} is already "
                        f"{other.description or other.action} ({other.id}) on {scope}."
                    )
