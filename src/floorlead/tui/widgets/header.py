"""The top line: where you are, which floor, whether its feeds are live, and its clock."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label

#: Narrower than this, the header leaves out the app's name.
NARROW = 100


class FloorHeader(Horizontal):
    """Screen title on the left, the floor's clock (in its time zone) on the right."""

    DEFAULT_CSS = """
    FloorHeader { height: 1; dock: top; }
    FloorHeader > #title { width: 1fr; text-wrap: nowrap; text-overflow: ellipsis; }
    FloorHeader > #clock { width: auto; margin: 0 0 0 1; }
    FloorHeader > #feeds { width: auto; margin: 0 0 0 1; }
    FloorHeader > #alerts { width: auto; margin: 0 0 0 1; display: none; }
    FloorHeader > #alerts.holding { display: block; background: $error; color: $text;
        text-style: bold; }
    App:nocolor FloorHeader > #alerts.holding, App:nocolor FloorHeader > #feeds.stale {
        text-style: bold reverse; }
    FloorHeader > #feeds.stale { background: $error; color: $text; text-style: bold; }
    """

    def __init__(self, title: str) -> None:
        super().__init__()
        self._title = title

    def compose(self) -> ComposeResult:
        yield Label(self._title, id="title")
        yield Label("", id="feeds")
        yield Label("", id="alerts")
        yield Label("", id="clock")

    def set_title(self, title: str) -> None:
        self._title = title
        self._fit_title()

    def on_resize(self) -> None:
        self._fit_title()

    def _fit_title(self) -> None:
        """Below 100 columns the app's name gives way to the screen's (what is cut after
        that ends in an ellipsis)."""
        title = self._title
        if 0 < self.size.width < NARROW:
            title = title.removeprefix("floorlead · ")
        for label in self.query("#title").results(Label):
            label.update(title)

    def set_clock(self, text: str) -> None:
        # a header mounted but not composed yet (a slow machine's first second) has no clock
        for clock in self.query("#clock").results(Label):
            clock.update(text)

    def set_feeds(self, text: str, stale: bool) -> None:
        """The feeds' ages (``ami 3s``), and STALE in words as well as colour."""
        for feeds in self.query("#feeds").results(Label):
            feeds.update(text)
            feeds.set_class(stale, "stale")

    def set_alerts(self, text: str) -> None:
        """The alert badge (``‼ 2 P1 · 3 past target``); hidden when nothing holds."""
        for alerts in self.query("#alerts").results(Label):
            alerts.update(text)
            alerts.set_class(bool(text), "holding")
