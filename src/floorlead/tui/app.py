"""FloorleadApp: the five screens, global keys, the floor clock and the refresh worker.

Data flows one way: the refresh worker (a thread) asks the floor's one engine
(``store.engine``) what moved since its last read; only when something did (or the clock needs
it) does it post a fresh :class:`FloorSnapshot`, which the app hands to the screen on view.
Screens never build SQL.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import App, ScreenStackError
from textual.binding import Binding, BindingType
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.timer import Timer

from floorlead.config import Settings
from floorlead.domain.alerts import Alert, AlertWatch, quiet, standing
from floorlead.errors import FloorleadError
from floorlead.tui.client import FloorClient
from floorlead.tui.commands import FloorCommands
from floorlead.tui.messages import (
    BoardPreview,
    DatabaseFailed,
    DatabaseReady,
    LoadFailed,
    NothingChanged,
    SnapshotLoaded,
)
from floorlead.tui.screens.base import FloorScreen
from floorlead.tui.screens.queues import QueuesScreen

if TYPE_CHECKING:  # the store loads in a worker after the first paint
    from floorlead.domain.board import FloorSnapshot
    from floorlead.domain.feed_health import FeedReport, Freshness
    from floorlead.store.db import FloorDatabase
    from floorlead.store.engine import FloorEngine
    from floorlead.store.handover import Handover
    from floorlead.tui.widgets.note_modal import NoteDraft

log = logging.getLogger("floorlead.tui")


def _screen(module: str, name: str) -> Screen:  # type: ignore[type-arg]
    """A screen other than the queue board, imported when first shown: launch paints the
    board without loading the other four."""
    import importlib

    screen: Screen = getattr(importlib.import_module(f"floorlead.tui.screens.{module}"), name)()  # type: ignore[type-arg]
    return screen


SCREENS: tuple[tuple[str, str], ...] = (
    ("queues", "Queues"),
    ("agents", "Agents"),
    ("escalations", "Escalations"),
    ("timesheets", "Timesheets"),
    ("coaching", "Coaching"),
    ("coverage", "Coverage"),
)
#: The footer shows the screen keys together, in little room: ``12345 screens``.
SCREEN_KEYS = Binding.Group("screens", compact=True)
#: Reload at least this often even when nothing was committed (the interval rolls over).
FORCE_RELOAD_S = 15.0
#: New alerts shown one by one at a look; more are counted in one line.
ALERTS_SHOWN = 3
#: The list of supervisors (for assigning) scans the audit log: once a minute is enough.
SUPERVISORS_EVERY_S = 60.0


def _utc_now() -> datetime:
    return datetime.now(UTC)


def reports_folder() -> Path:
    """Where the R key writes handovers (FLOORLEAD_REPORTS overrides it)."""
    import os

    import platformdirs

    override = os.environ.get("FLOORLEAD_REPORTS")
    return Path(override) if override else Path(platformdirs.user_data_dir("floorlead")) / "reports"


class FloorleadApp(App[None]):
    """The supervisor's desk terminal."""

    CSS_PATH = Path(__file__).parent / "floorlead.tcss"
    TITLE = "floorlead"
    COMMANDS = App.COMMANDS | {FloorCommands}
    MODES: ClassVar[dict[str, str | Callable[[], Screen]]] = {  # type: ignore[type-arg]
        "queues": QueuesScreen,
        "agents": lambda: _screen("agents", "AgentsScreen"),
        "escalations": lambda: _screen("escalations", "EscalationsScreen"),
        "timesheets": lambda: _screen("timesheets", "TimesheetsScreen"),
        "coaching": lambda: _screen("coaching", "CoachingScreen"),
        "coverage": lambda: _screen("coverage", "CoverageScreen"),
    }
    BINDINGS: ClassVar[list[BindingType]] = [
        *(
            Binding(
                str(n),
                f"switch_mode('{mode}')",
                title,
                tooltip=f"The {title} screen",
                id=f"go.{mode}",
                group=SCREEN_KEYS,
            )
            for n, (mode, title) in enumerate(SCREENS, 1)
        ),
        Binding(
            "f1,question_mark",
            "help",
            "Help",
            key_display="?",
            tooltip="Keys and metric definitions",
            id="app.help",
        ),
        Binding(
            "R",
            "handover",
            "Handover",
            tooltip="Write the end-of-shift handover (with a note for the next shift)",
            id="app.handover",
        ),
        Binding(
            "exclamation_mark",
            "urgent",
            "Urgent",
            key_display="!",
            tooltip="Go to the most urgent alert (again: the next one)",
            id="app.urgent",
        ),
        Binding("q", "quit", "Quit", tooltip="Leave floorlead", id="app.quit"),
    ]

    def __init__(
        self,
        db: FloorDatabase | Callable[[], FloorDatabase],
        settings: Settings,
        *,
        clock: Callable[[], datetime] = _utc_now,
        demo: bool = False,
        poll_interval: float = 0.5,
        preview: Callable[[FloorEngine, datetime], FloorSnapshot | None] | None = None,
        busy: Callable[[], str | None] | None = None,
        opening_patience_s: float = 2.0,
    ) -> None:
        super().__init__()
        from floorlead.tui.widgets.cells import set_monochrome

        set_monochrome(self.no_color)  # NO_COLOR: marks in reverse video and underline
        if settings.keys:  # a mistake in [keys] is one sentence before anything is drawn
            from floorlead.tui.keys import check_keymap

            check_keymap(settings.keys, settings.source)
            self.set_keymap(settings.keys)
        #: why opening takes long (another program's lock), asked after opening_patience_s
        self._busy = busy
        self._patience = opening_patience_s
        self._opener = db if callable(db) else None
        #: the board without the database layer, read while that loads (SQLite floors)
        self._preview = preview
        #: the one way to the floor: the database, the engine, loads and writes
        self.client = FloorClient(self, None if callable(db) else db)
        #: set when the database could not be opened; the command line reports it and exits 1
        self.fatal_error: str | None = None
        self.settings = settings
        self.clock = clock
        self.demo = demo
        self.poll_interval = poll_interval
        self.snapshot: FloorSnapshot | None = None
        self.loads = 0
        self._last_load = 0.0
        #: people who have acted on this floor, read by the refresh worker once a minute
        self.supervisors: tuple[str, ...] = ()
        #: the floor's two-person limit (its policy, read with the supervisors); None unread
        self.approval_limit_cents: int | None = None
        #: what the live feeds last reported of themselves, read with every load
        self.feed_reports: list[FeedReport] = []
        #: the feeds judged at the last render (every screen's header shows it)
        self.fresh: Freshness | None = None
        self._stale_said = False
        #: every alert rule that holds now, most urgent first (the header's badge)
        self.alerts: list[Alert] = []
        self._alert_watch = AlertWatch()
        self._jumped: str | None = None
        self._supervisors_at = -SUPERVISORS_EVERY_S
        self._failing = False
        self._timer: Timer | None = None

    # ------------------------------------------------------------------ start-up

    def on_mount(self) -> None:
        self.switch_mode("queues")
        self.set_interval(1.0, self._tick)
        self.set_timer(self._patience, self._still_opening)
        if self._opener is not None:
            self._open_database()  # first paint now; the store loads behind it
        else:
            self._load_snapshot()

    def _still_opening(self) -> None:
        """A floor not read within a moment: say why, rather than show a blank board."""
        if self.snapshot is None or not self.snapshot.complete:
            self._explain_wait()

    @work(thread=True, exit_on_error=False, group="open-hint")
    def _explain_wait(self) -> None:
        from floorlead.store.db import busy_reason

        if self._busy is not None:
            reason = self._busy()
        else:
            reason = busy_reason(self.db.target) if self.db is not None else None
        said = reason or "Still opening the floor…"
        self.call_from_thread(self.notify, said, severity="warning", timeout=10)

    @work(thread=True, exit_on_error=False, group="open")
    def _open_database(self) -> None:
        assert self._opener is not None
        if self._preview is not None:
            try:
                board = self._preview(self.client.engine, self.clock())
            except Exception:  # only a head start: the full read follows and reports
                log.exception("the board preview failed")
                board = None
            if board is not None:
                self.post_message(BoardPreview(board))
        try:
            self.post_message(DatabaseReady(self._opener()))
        except FloorleadError as exc:
            self.post_message(DatabaseFailed(str(exc)))
        except Exception as exc:
            log.exception("opening the database failed")
            self.post_message(DatabaseFailed(f"The database could not be opened: {exc}."))

    @on(BoardPreview)
    def _board_preview(self, message: BoardPreview) -> None:
        if self.snapshot is None:  # never over a complete snapshot
            self.snapshot = message.snapshot
            self.render_screen(self._shown())

    @on(DatabaseReady)
    def _database_ready(self, message: DatabaseReady) -> None:
        self.db = message.db  # type: ignore[assignment]
        self._load_snapshot()

    @on(DatabaseFailed)
    def _database_failed(self, message: DatabaseFailed) -> None:
        self.fatal_error = message.reason
        self.exit(return_code=1)

    # ------------------------------------------------------------------ refresh loop

    @property
    def db(self) -> FloorDatabase:
        """The floor's database (the client's; None until it has opened)."""
        return self.client.db  # type: ignore[return-value]

    @db.setter
    def db(self, value: FloorDatabase) -> None:
        self.client.db = value

    @work(thread=True, exclusive=True, exit_on_error=False, group="refresh")
    def _load_snapshot(self) -> None:
        """Runs in a thread: never touches widgets, only posts messages."""
        try:
            # the clock alone moves some figures (the interval rolls, snoozes wake): read them
            # again now and then even when nothing was written
            force = (
                time.monotonic() - self._last_load > FORCE_RELOAD_S
                or self.snapshot is None
                or not self.snapshot.complete
            )
            people = time.monotonic() - self._supervisors_at > SUPERVISORS_EVERY_S
            snapshot, reports, supervisors, limit = self.client.read_floor(force, people)
            if snapshot is None:
                self.post_message(NothingChanged())
                return
            self.feed_reports = reports
            if supervisors is not None:
                self.supervisors, self.approval_limit_cents = supervisors, limit
                self._supervisors_at = time.monotonic()
            self._last_load = time.monotonic()
            self.post_message(SnapshotLoaded(snapshot))
        except FloorleadError as exc:
            self.post_message(LoadFailed(str(exc)))
        except Exception as exc:  # a reader must never take the terminal down
            log.exception("loading the floor failed")
            self.post_message(LoadFailed(f"Reading the floor failed: {exc}."))

    def refresh_now(self) -> None:
        """Read the floor at once (after this supervisor's own write)."""
        if self.db is not None:
            if self._timer is not None:
                self._timer.stop()
            self._load_snapshot()

    def _rearm(self) -> None:
        """One pending poll at a time: a new one replaces any other, so polls never pile up."""
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(self.poll_interval, self._load_snapshot)

    @on(SnapshotLoaded)
    def _snapshot_loaded(self, message: SnapshotLoaded) -> None:
        self.snapshot = message.snapshot
        self.loads += 1
        if self._failing:
            self._failing = False
            self.notify("Reading the floor again.", timeout=3)
        self.render_screen(self._shown())
        self._rearm()

    @on(NothingChanged)
    def _nothing_changed(self) -> None:
        self._rearm()

    @on(LoadFailed)
    def _load_failed(self, message: LoadFailed) -> None:
        if not self._failing:
            self._failing = True
            log.warning("load failed: %s", message.reason)
            self.notify(message.reason, severity="error", timeout=8)
        self._rearm()

    # ------------------------------------------------------------------ the clock

    def _tick(self) -> None:
        self.render_screen(self._shown())
        self._say_if_stale()

    def freshness(self) -> Freshness | None:
        """Can the board be trusted now? (None before the first complete read.)"""
        from floorlead.domain.feed_health import freshness

        snap = self.snapshot
        if snap is None:
            return None
        logged_in = sum(1 for a in snap.agents if a.state != "offline")
        return freshness(
            self.feed_reports,
            self.clock(),
            logged_in=logged_in,
            stale_after_s=self.settings.feeds.stale_after_s,
            since=snap.day_start,
        )

    def _say_if_stale(self) -> None:
        """The board frozen is an alert (see :meth:`_watch_alerts`); live again is said once."""
        fresh = self.fresh
        stale = fresh is not None and fresh.stale
        if self._stale_said and not stale:
            self.notify("The feeds are live again.", timeout=5)
        self._stale_said = stale

    def _watch_alerts(self) -> None:
        """The alert rules, on every tick and every new snapshot, whichever screen shows:
        the bell (unless muted or in quiet hours) and a notification for each new alert."""
        snap = self.snapshot
        if snap is None or not snap.complete:  # the preview has no escalations yet
            return
        now = self.clock()
        fresh = self.fresh
        why = fresh.why if fresh is not None and fresh.stale else None
        self.alerts = standing(snap.queues, snap.escalations, now, self.settings, why)
        fired = self._alert_watch.fired(self.alerts, self.settings.alerts.events)
        if not fired:
            return
        if self.settings.alerts.bell and not quiet(now, self.settings):
            self.bell()
        for alert in fired[:ALERTS_SHOWN]:
            severity: SeverityLevel = "warning" if alert.kind == "longest_wait" else "error"
            self.notify(alert.text, severity=severity, timeout=15)
        if len(fired) > ALERTS_SHOWN:
            more = len(fired) - ALERTS_SHOWN
            self.notify(f"{more} more alerts: press ! to go through them.", severity="warning")

    def _shown(self) -> Screen | None:  # type: ignore[type-arg]
        """The screen on show, or None in the moment a mode's stack is empty (a screen
        being made on its first switch): the clock and the refresh skip that moment."""
        try:
            return self.screen
        except ScreenStackError:
            return None

    def render_screen(self, screen: Screen | None) -> None:  # type: ignore[type-arg]
        self.fresh = self.freshness()
        self._watch_alerts()
        if isinstance(screen, FloorScreen) and screen.is_mounted:
            screen.tick(self.snapshot, self.clock())

    # ------------------------------------------------------------------ actions

    def jump_to(self, mode: str, key: str) -> None:
        """Palette jumps: show ``mode`` and put the cursor on ``key``."""

        def select() -> None:
            screen = self._shown()
            if isinstance(screen, FloorScreen) and not screen.select(key):
                self.notify("That row is no longer on the floor.", severity="warning")

        self.switch_mode(mode)
        self.call_after_refresh(select)

    def action_urgent(self) -> None:
        """!: the most urgent alert's row; pressed again, the next one."""
        targets = [a for a in self.alerts if a.goto is not None]
        if not targets:
            self.notify("Nothing urgent: no alert holds now.", timeout=3)
            return
        keys = [a.key for a in targets]
        at = keys.index(self._jumped) + 1 if self._jumped in keys else 0
        alert = targets[at % len(targets)]
        self._jumped = alert.key
        assert alert.goto is not None
        self.jump_to(*alert.goto)
        self.notify(f"{at % len(targets) + 1} of {len(targets)}: {alert.text}", timeout=5)

    def _today(self) -> date:
        from floorlead.domain.when import floor_date

        f = self.settings.floor
        return floor_date(self.clock(), f.timezone, f.day_start)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Messages name customers and agents as feeds spelled them: plain text (no markup
        from a name), cleaned of control characters."""
        from floorlead.domain.safe_text import clean

        super().notify(
            clean(message), title=clean(title), severity=severity, timeout=timeout, markup=markup
        )

    def supervisor(self) -> str:
        """Who is acting, for the audit log: the setting, else the login name."""
        import getpass

        return self.settings.floor.supervisor or getpass.getuser()

    def open_coaching_note(
        self, agent_id: str, *, contact_id: str | None = None, escalation_id: str | None = None
    ) -> None:
        """The quick note, from any screen that has an agent selected (with the contact or
        escalation in context linked)."""
        from floorlead.tui.widgets.note_modal import NoteModal

        if self.db is None:  # the board can show before the database has opened
            self.notify("The floor is still opening; try again in a moment.", severity="warning")
            return
        names = self.snapshot.agent_names if self.snapshot else {}
        self.push_screen(
            NoteModal(
                agent_id,
                names.get(agent_id, agent_id),
                contact_id=contact_id,
                escalation_id=escalation_id,
                today=self._today(),
            ),
            self._save_note,
        )

    def _note_again(self, draft: NoteDraft, problem: str) -> None:
        from floorlead.tui.widgets.note_modal import NoteModal

        names = self.snapshot.agent_names if self.snapshot else {}
        self.push_screen(
            NoteModal(
                draft.agent_id,
                names.get(draft.agent_id, draft.agent_id),
                contact_id=draft.contact_id,
                escalation_id=draft.escalation_id,
                today=self._today(),
                draft=draft,
                problem=problem,
            ),
            self._save_note,
        )

    def _save_note(self, draft: NoteDraft | None) -> None:
        if draft is not None:
            self._write_note(draft)

    @work(thread=True, exit_on_error=False, group="write")
    def _write_note(self, draft: NoteDraft) -> None:
        from floorlead.store.coaching import add_coaching_note

        try:
            add_coaching_note(
                self.db,
                agent_id=draft.agent_id,
                text=draft.text,
                category=draft.category,
                commitment=draft.commitment,
                author=self.supervisor(),
                at=self.clock(),
                contact_id=draft.contact_id,
                escalation_id=draft.escalation_id,
                follow_up_on=draft.follow_up_on,
            )
        except FloorleadError as exc:  # the note comes back, typed, until it is saved
            self.call_from_thread(self._note_again, draft, str(exc))
            return
        except Exception as exc:
            # the type only: a database error's text would carry the note's words
            log.error("saving a coaching note failed: %s", type(exc).__name__)
            self.call_from_thread(self._note_again, draft, "the floor could not store it.")
            return
        self.call_from_thread(self.notify, "Coaching note saved.", timeout=3)

    def action_handover(self) -> None:
        """R: the "for the next shift" text, then the handover written to the reports folder."""
        if self.db is not None:
            self._load_handover()

    @work(thread=True, exit_on_error=False, group="write")
    def _load_handover(self) -> None:
        from floorlead.store.handover import read_handover

        with self.db.connect() as conn:
            current = read_handover(conn, self._today())
        self.call_from_thread(self._open_handover, current)

    def _open_handover(self, current: Handover) -> None:
        from floorlead.tui.widgets.handover_modal import HandoverModal

        def done(text: str | None) -> None:
            if text is not None:
                self._write_handover(current, text)

        label = current.day.strftime("%a %d %b %Y")
        self.push_screen(HandoverModal(current.text, label, current.author), done)

    @work(thread=True, exit_on_error=False, group="write")
    def _write_handover(self, current: Handover, text: str) -> None:
        from floorlead.reports import shift as render
        from floorlead.store.handover import save_handover, shift_bounds, shift_report

        f = self.settings.floor
        now = self.clock()
        try:
            if text != current.text:
                save_handover(
                    self.db, current.day, text, self.supervisor(), now, current.version, f.timezone
                )
            start, end = shift_bounds(current.day, f.timezone, None, f.day_start)
            with self.db.connect() as conn:
                report = shift_report(conn, self.settings, current.day, start, end, now)
            folder = reports_folder()
            stem = f"handover-{current.day.isoformat()}"
            render.write_private(folder / f"{stem}.md", render.markdown(report))
            page = render.write_private(folder / f"{stem}.html", render.html_page(report))
        except FloorleadError as exc:
            self.call_from_thread(self.notify, str(exc), severity="error")
            return
        except OSError as exc:
            message = f"The handover could not be written: {exc.strerror}."
            self.call_from_thread(self.notify, message, severity="error")
            return
        self.call_from_thread(
            self.notify, f"Handover written to {page} (and .md beside it).", timeout=8
        )

    def action_help(self) -> None:
        # Imported here: its Markdown widget pulls in markdown-it and Pygments, which the
        # first paint does not need.
        from floorlead.tui.screens.help import HelpScreen

        keys: list[tuple[str, str, str]] = []
        shown: dict[str, int] = {}  # action -> its line: every key of an action on one line
        for screen_binding in self.screen.active_bindings.values():
            b = screen_binding.binding
            if b.id is None and b.action.startswith(
                ("cursor_", "scroll_", "page_", "select_cursor")
            ):
                continue
            if not b.description or b.action == "command_palette":  # said below, in full
                continue
            key = self.get_key_display(b)
            if b.action in shown:
                line = shown[b.action]
                known, desc, ident = keys[line]
                if key not in known.split(" "):
                    keys[line] = (f"{known} {key}", desc, ident)
                continue
            shown[b.action] = len(keys)
            keys.append((key, b.description, b.id or ""))
        keys.append(("^p", "Command palette: jump to a screen, agent, queue or escalation", ""))
        f = self.settings.floor
        self.push_screen(
            HelpScreen(
                keys,
                interval=f.interval_minutes,
                tz=f.timezone,
                day_start=f.day_start,
                short=self.settings.metrics.short_abandon_s,
                grace=self.settings.thresholds.adherence_grace_min,
            )
        )
