"""The TUI's one way to the floor: the database, the running engine, the supervisor acting,
and the two things a screen does with them — load its data, run a write and say what
happened — each in a thread worker of the screen, never on the UI thread.

A load posts the screen's own message (``tui/messages.py``) with the result, or with one
sentence when the read failed. A write gets the database and an :class:`Actor` (who, now, the
floor's zone), says what happened in one sentence (a refusal as a warning), and asks the app
to read the floor again at once, so the next key acts on what is true.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from floorlead.domain.actor import Actor
from floorlead.errors import FloorleadError

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection
    from textual.message import Message
    from textual.notifications import SeverityLevel
    from textual.screen import Screen

    from floorlead.domain.board import FloorSnapshot
    from floorlead.domain.feed_health import FeedReport
    from floorlead.store.db import FloorDatabase
    from floorlead.store.engine import FloorEngine
    from floorlead.tui.app import FloorleadApp

log = logging.getLogger("floorlead.tui")
T = TypeVar("T")
#: What a write says: one sentence, or sentences with their severity, from its outcome.
Said = str | Callable[[Any], list[tuple[str, "SeverityLevel"]]]


class FloorClient:
    """Owned by the app; screens reach it as ``self.floor_app.client``."""

    def __init__(self, app: FloorleadApp, db: FloorDatabase | None) -> None:
        self.app = app
        self.db: FloorDatabase | None = db
        self._engine: FloorEngine | None = None

    @property
    def engine(self) -> FloorEngine:
        """The floor's one running engine (today's rows), made on first use."""
        if self._engine is None:
            from floorlead.store.engine import FloorEngine

            self._engine = FloorEngine(self.app.settings)
        return self._engine

    def actor(self) -> Actor:
        """This supervisor, acting now on the floor's clock."""
        app = self.app
        return Actor(app.supervisor(), app.clock(), app.settings.floor.timezone)

    # -- the floor, for the refresh worker --------------------------------------------------

    def read_floor(
        self, force: bool, with_people: bool
    ) -> tuple[FloorSnapshot | None, list[FeedReport], tuple[str, ...] | None, int | None]:
        """The engine's floor if anything moved (or ``force``), the feeds' reports, and with
        ``with_people`` the supervisors and the two-person limit (a scan: once a minute)."""
        from floorlead.store.feed_health import feed_reports
        from floorlead.store.policy import limit_cents
        from floorlead.store.reader import driver_of, supervisors

        assert self.db is not None
        with self.db.connect() as conn:
            driver, d = driver_of(conn)
            snapshot = self.engine.refresh(driver, d, self.app.clock(), force=force)
            if snapshot is None:
                return None, [], None, None
            reports = feed_reports(conn)
            if not with_people:
                return snapshot, reports, None, None
            return snapshot, reports, supervisors(driver), limit_cents(conn)

    # -- a screen's data and a screen's writes ----------------------------------------------

    def load(
        self,
        node: Screen[Any],
        read: Callable[[Connection], T],
        loaded: Callable[[T | None, str], Message],
        *,
        group: str,
        failed: Callable[[Exception], str],
    ) -> None:
        """Run ``read`` in one read transaction off the UI thread and post ``loaded(result,
        "")`` to ``node``, or ``loaded(None, failed(exc))`` when it failed (the screen keeps
        what it shows). A newer load of the same group replaces an older one."""

        def run() -> None:
            try:
                assert self.db is not None
                with self.db.connect() as conn:
                    result = read(conn)
            except Exception as exc:
                log.warning("a screen's load failed: %s", type(exc).__name__)
                node.post_message(loaded(None, failed(exc)))
                return
            node.post_message(loaded(result, ""))

        node.run_worker(run, thread=True, exclusive=True, group=group, exit_on_error=False)

    def write(
        self,
        node: Screen[Any],
        call: Callable[[FloorDatabase, Actor], Any],
        said: Said,
        *,
        group: str,
        then: Callable[[Any], None] | None = None,
        refused: SeverityLevel = "warning",
    ) -> None:
        """Run ``call(db, actor)`` (one store function: one transaction, one audit row) off
        the UI thread; say ``said`` (or what it makes of the outcome), or the store's sentence
        when it refused; ``then(outcome)`` on the UI thread after a success; read the floor
        again at once either way."""
        app = self.app

        def run() -> None:
            try:
                assert self.db is not None
                outcome = call(self.db, self.actor())
            except FloorleadError as exc:
                app.call_from_thread(node.notify, str(exc), severity=refused, timeout=8)
            else:
                lines: list[tuple[str, SeverityLevel]] = (
                    [(said, "information")] if isinstance(said, str) else said(outcome)
                )
                for text, severity in lines:
                    timeout = 4 if severity == "information" else 8
                    app.call_from_thread(node.notify, text, severity=severity, timeout=timeout)
                if then is not None:
                    app.call_from_thread(then, outcome)
            app.call_from_thread(app.refresh_now)

        node.run_worker(run, thread=True, group=group, exit_on_error=False)
