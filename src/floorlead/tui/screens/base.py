"""What every floor screen shares: the header with the floor clock, the footer, and the
``show(snapshot, now)`` entry point the app calls when data or the clock moves."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import ActiveBinding
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widgets import Footer, Input

from floorlead.domain.alerts import badge
from floorlead.domain.when import clock_text
from floorlead.tui.widgets.floor_table import FloorTable
from floorlead.tui.widgets.header import FloorHeader

if TYPE_CHECKING:
    from floorlead.domain.board import FloorSnapshot
    from floorlead.domain.feed_health import Freshness


if TYPE_CHECKING:
    from floorlead.tui.app import FloorleadApp


#: binding ids the footer shows first, on every screen
ESSENTIAL_KEYS = ("app.help", "app.urgent", "app.handover", "app.quit")


class FloorScreen(Screen[None]):
    """Base of the five screens."""

    SCREEN_TITLE: ClassVar[str] = ""
    AUTO_FOCUS = "FloorTable"
    #: Palette entries that only make sense on this screen: (title, help, action name).
    SCREEN_COMMANDS: ClassVar[tuple[tuple[str, str, str], ...]] = ()
    #: True where the screen shows only queues and agents, so the board read before the
    #: database opened (an incomplete snapshot) is enough to show it
    BOARD_ONLY: ClassVar[bool] = False
    #: False while a screen that reads its own rows waits for them (tests wait on it)
    ready = True

    @property
    def floor_app(self) -> FloorleadApp:
        from floorlead.tui.app import FloorleadApp

        assert isinstance(self.app, FloorleadApp)
        return self.app

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        """The footer's order: what every screen must keep at 80 columns (help, the urgent
        jump, handover, quit) first, then this screen's actions, the screen keys last."""
        bindings = super().active_bindings
        first = {k: b for k, b in bindings.items() if b.binding.id in ESSENTIAL_KEYS}
        last = {k: b for k, b in bindings.items() if (b.binding.id or "").startswith("go.")}
        middle = {k: b for k, b in bindings.items() if k not in first and k not in last}
        ordered = sorted(first.items(), key=lambda kb: ESSENTIAL_KEYS.index(kb[1].binding.id or ""))
        return {**dict(ordered), **middle, **last}

    def compose(self) -> ComposeResult:
        yield FloorHeader(self.header_title())
        yield from self.compose_body()
        yield Footer()

    def header_title(self) -> str:
        app = self.floor_app
        demo = " · DEMO (simulated)" if app.demo else ""
        return f"floorlead · {self.SCREEN_TITLE} · {app.settings.floor.name}{demo}"

    def compose_body(self) -> Iterable:  # type: ignore[type-arg]
        return ()

    def on_screen_resume(self) -> None:
        self.floor_app.render_screen(self)

    def tick(self, snapshot: FloorSnapshot | None, now: datetime) -> None:
        """Called by the app every second and on every new snapshot.

        The clock keeps ticking while a screen's widgets come and go: on a slow machine a
        tick can reach a screen still being composed, or one being taken down as the app
        closes. Then some of its widgets are missing, and the next tick finds it whole (or
        gone), so that tick is skipped here, for every screen at once."""
        try:
            tz = self.floor_app.settings.floor.timezone
            header = self.query_one(FloorHeader)
            header.set_clock(clock_text(now, tz))
            header.set_feeds(*feeds_text(self.floor_app.fresh))
            header.set_alerts(badge(self.floor_app.alerts))
            if snapshot is not None and (snapshot.complete or self.BOARD_ONLY):
                self.show(snapshot, now)
        except NoMatches:
            return

    def show(self, snapshot: FloorSnapshot, now: datetime) -> None:
        raise NotImplementedError

    def open_search(self, selector: str) -> None:
        """Show the screen's search box with the cursor in it. Bound as a priority key and
        focused at once, so letters typed right after ``/`` are the search (read by the table
        they would be its keys: ``z`` undoes). ``/`` typed in the box is a letter."""
        box = self.query_one(selector, Input)
        if box.has_focus:
            raise SkipAction
        box.disabled = False
        box.add_class("visible")
        self.set_focus(box)

    def main_table(self) -> FloorTable | None:
        tables = self.query(FloorTable)
        return tables.first() if tables else None

    def select(self, key: str) -> bool:
        """Move the cursor to ``key`` (palette jumps); False when it is not on this screen."""
        table = self.main_table()
        if table is None or not table.select_key(key):
            return False
        table.focus()
        return True


def feeds_text(fresh: Freshness | None) -> tuple[str, bool]:
    """The header's feed part: the feeds' ages, ‼ STALE when the board may be frozen, and
    the lines quarantined today."""
    if fresh is None:
        return "", False
    parts = [fresh.summary] if fresh.summary else []
    if fresh.stale:
        parts.insert(0, "‼ STALE")
    if fresh.quarantined:
        parts.append(f"{fresh.quarantined} quarantined")
    return " · ".join(parts), fresh.stale
