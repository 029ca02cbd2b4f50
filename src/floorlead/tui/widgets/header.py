"""The top line: where you are, which floor, whether its feeds are live, and its clock."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label


class FloorHeader(Horizontal):
    """Screen title on the left, the floor's clock (in its time zone) on the right."""

    DEFAULT_CSS = """
    FloorHeader { height: 1; dock: top; }
    FloorHeader > #title { width: 1fr; }
    FloorHeader > #clock { width: auto; }
    FloorHeader > #feeds { width: auto; margin: 0 1; }
    FloorHeader > #feeds.stale { background: $error; color: $text; text-style: bold; }
    """

    def __init__(self, title: str) -> None:
        super().__init__()
        self._title = title

    def compose(self) -> ComposeResult:
        yield Label(self._title, id="title")
        yield Label("", id="feeds")
        yield Label("", id="clock")

    def set_title(self, title: str) -> None:
        self.query_one("#title", Label).update(title)

    def set_clock(self, text: str) -> None:
        # a header mounted but not composed yet (a slow machine's first second) has no clock
        for clock in self.query("#clock").results(Label):
            clock.update(text)

    def set_feeds(self, text: str, stale: bool) -> None:
        """The feeds' ages (``ami 3s``), and STALE in words as well as colour."""
        for feeds in self.query("#feeds").results(Label):
            feeds.update(text)
            feeds.set_class(stale, "stale")
