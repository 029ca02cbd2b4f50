"""Timesheet approval (key 4): a day's shifts, exceptions first, with regular and overtime
hours (US federal weekly rule). a approve · A approve every clean pending one · x reject ·
o reopen · e export CSV · [ and ] change the day."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.binding import Binding, BindingType
from textual.widgets import Static

from floorlead.domain.when import hhmm, hours_text
from floorlead.tui.messages import SheetsLoaded
from floorlead.tui.screens.base import FloorScreen
from floorlead.tui.widgets.cells import warn
from floorlead.tui.widgets.floor_table import FloorTable, Row
from floorlead.tui.widgets.modals import ConfirmModal, PromptModal
from floorlead.tui.words import plural

if TYPE_CHECKING:
    from textual.notifications import SeverityLevel

    from floorlead.domain.board import FloorSnapshot
    from floorlead.store.sheets import TimesheetRow

COLUMNS = (
    ("name", "Agent"),
    ("scheduled", "Scheduled"),
    ("in", "In"),
    ("out", "Out"),
    ("worked", "Worked"),
    ("regular", "Reg"),
    ("overtime", "OT"),
    ("double", "DT"),
    ("exceptions", "Exceptions"),
    ("status", "Status"),
    ("breaks", "Breaks"),
    ("meal", "Meal"),
)


class TimesheetsScreen(FloorScreen):
    SCREEN_TITLE = "Timesheets"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "coach", "Note", tooltip="Quick coaching note on this agent", id="ts.coach"),
        Binding("a", "approve", "Approve", tooltip="Approve this timesheet", id="ts.approve"),
        Binding(
            "A",
            "approve_clean",
            "Approve clean",
            tooltip="Approve every clean pending timesheet shown",
            id="ts.approve_clean",
        ),
        Binding("x", "reject", "Reject", tooltip="Reject, with a reason", id="ts.reject"),
        Binding(
            "o",
            "reopen",
            "Reopen",
            tooltip="Reopen an approved timesheet, with a reason",
            id="ts.reopen",
        ),
        Binding(
            "enter",
            "detail",
            "Punches",
            show=False,
            tooltip="The punches beside the schedule; corrections and leave",
            id="ts.detail",
        ),
        Binding(
            "e", "export", "Export", tooltip="Write the day as CSV for payroll", id="ts.export"
        ),
        Binding(
            "left_square_bracket",
            "day(-1)",
            "Prev day",
            key_display="[",
            tooltip="The day before",
            id="ts.prev",
        ),
        Binding(
            "right_square_bracket",
            "day(1)",
            "Next day",
            key_display="]",
            tooltip="The day after",
            id="ts.next",
        ),
    ]
    SCREEN_COMMANDS = (
        ("Approve timesheet", "The selected agent's", "approve"),
        ("Approve every clean pending timesheet", "After one confirmation", "approve_clean"),
        ("Reject timesheet", "With a reason", "reject"),
        ("Reopen timesheet", "With a reason; it must be approved again", "reopen"),
        ("Open the timesheet's punches", "Beside the schedule; correct or mark leave", "detail"),
        ("Export timesheets as CSV", "One row per agent for the day shown", "export"),
        ("Timesheets: previous day", "", "day(-1)"),
        ("Timesheets: next day", "", "day(1)"),
    )

    def __init__(self) -> None:
        super().__init__()
        self.day: date | None = None
        self.rows: list[TimesheetRow] = []
        self._seen: FloorSnapshot | None = None

    def compose_body(self) -> Iterable:  # type: ignore[type-arg]
        yield Static("Loading timesheets…", id="timesheets-summary", classes="summary")
        yield FloorTable(
            COLUMNS,
            first=("name", "worked", "overtime", "exceptions", "status"),
            widest={"exceptions": 40},
            id="timesheets-table",
        )

    def show(self, snapshot: FloorSnapshot, now: datetime) -> None:
        if self.day is None:
            self.day = snapshot.day
        if snapshot is not self._seen:
            self._seen = snapshot
            self._load(self.day, snapshot.taken_at)

    def _load(self, day: date, now: datetime) -> None:
        app = self.floor_app

        def read(conn: Any) -> list[TimesheetRow]:
            from floorlead.store.reader import agent_names, driver_of
            from floorlead.store.sheets import week_timesheets

            names = agent_names(driver_of(conn)[0])
            return week_timesheets(conn, app.settings, day, now, names)

        # one sentence on screen if it fails; the table keeps what it had
        app.client.load(
            self,
            read,
            lambda rows, error: SheetsLoaded(day, rows or [], error),
            group="timesheets",
            failed=lambda exc: f"Reading timesheets failed: {exc}.",
        )

    @on(SheetsLoaded)
    def _loaded(self, message: SheetsLoaded) -> None:
        summary = self.query_one("#timesheets-summary", Static)
        if message.error:
            summary.update(message.error)
            return
        if message.day != self.day:
            return
        self.rows = message.rows
        tz = self.floor_app.settings.floor.timezone
        table_rows: list[Row] = []
        for t in message.rows:
            scheduled = (
                f"{hhmm(t.scheduled_start, tz)}–{hhmm(t.scheduled_end, tz)}"
                if t.scheduled_start
                else "unscheduled"
            )
            exceptions = warn("⚠ " + "; ".join(t.exceptions)) if t.exceptions else Text("clean")
            status = ("on shift" if t.in_progress and t.status == "pending" else t.status) + (
                f" ({t.decided_by})" if t.decided_by else ""
            )
            table_rows.append(
                (
                    t.agent_id,
                    [
                        t.name,
                        scheduled,
                        hhmm(t.first_in, tz),
                        hhmm(t.last_out, tz),
                        hours_text(t.worked_s) if t.hours_known else "? unknown",
                        *(
                            (f"{t.regular_h:.2f}", f"{t.overtime_h:.2f}", f"{t.double_h:.2f}")
                            if t.hours_known
                            else ("?", "?", "?")
                        ),
                        exceptions,
                        status,
                        hours_text(t.break_s),
                        hours_text(t.meal_s),
                    ],
                )
            )
        self.query_one(FloorTable).sync(table_rows)
        with_exc = sum(bool(t.exceptions) for t in message.rows)
        pending = sum(t.status in ("pending", "reopened") for t in message.rows)
        clean = len(self._clean_pending())
        summary.update(
            f"Shifts starting {message.day:%a %d %b %Y} · "
            f"{plural(len(message.rows), 'timesheet')} · "
            f"{with_exc} with exceptions · {pending} to decide ({clean} clean: A approves them)"
        )

    # ------------------------------------------------------------------ actions

    def _selected(self) -> TimesheetRow | None:
        key = self.query_one(FloorTable).selected_key
        return next((t for t in self.rows if t.agent_id == key), None)

    def _clean_pending(self) -> list[TimesheetRow]:
        return [
            t
            for t in self.rows
            if t.clean and not t.in_progress and t.status in ("pending", "reopened")
        ]

    def _decide(self, t: TimesheetRow, action: str, reason: str, done: str) -> None:
        from floorlead.store.approvals import Decision, decide

        settings = self.floor_app.settings
        decision = Decision(t.agent_id, t.shift_date, t.version)
        self.floor_app.client.write(
            self,
            lambda db, by: decide(db, decision, action, by=by, settings=settings, reason=reason),
            done,
            group="timesheet-write",
        )

    def action_approve(self) -> None:
        t = self._selected()
        if t is not None and t.in_progress:
            self.notify(
                f"{t.name} is still on shift; approve it when the shift ends.", severity="warning"
            )
            return
        if t is None:
            return
        if not t.exceptions or not t.hours_known:  # unknown hours: the store says why not
            self._decide(t, "approve", "", f"Approved: {t.name}.")
            return

        def answer(yes: bool | None) -> None:
            if yes:
                self._decide(t, "approve", "", f"Approved with exceptions: {t.name}.")

        self.app.push_screen(
            ConfirmModal(f"Approve {t.name}'s timesheet with {'; '.join(t.exceptions)}?"),
            answer,
        )

    def action_reject(self) -> None:
        t = self._selected()
        if t is None:
            return

        def with_reason(reason: str | None) -> None:
            if reason is not None:
                self._decide(t, "reject", reason, f"Rejected: {t.name}.")

        self.app.push_screen(
            PromptModal(f"Reject {t.name}'s timesheet: why?", required=True), with_reason
        )

    def action_reopen(self) -> None:
        t = self._selected()
        if t is None:
            return

        def with_reason(reason: str | None) -> None:
            if reason is not None:
                self._decide(t, "reopen", reason, f"Reopened: {t.name}.")

        self.app.push_screen(
            PromptModal(f"Reopen {t.name}'s timesheet: why?", required=True), with_reason
        )

    def action_approve_clean(self) -> None:
        clean = self._clean_pending()
        if not clean:
            self.notify("No clean pending timesheets on screen.", severity="warning")
            return

        def answer(yes: bool | None) -> None:
            if yes:
                self._approve_many(clean)

        self.app.push_screen(
            ConfirmModal(
                f"Approve {len(clean)} clean pending timesheet{'s' if len(clean) != 1 else ''} "
                f"for {self.day:%a %d %b}?"
            ),
            answer,
        )

    def _approve_many(self, rows: list[TimesheetRow]) -> None:
        from floorlead.store.approvals import Decision, approve_many

        settings = self.floor_app.settings
        decisions = [Decision(t.agent_id, t.shift_date, t.version) for t in rows]

        def said(outcome: tuple[int, list[str]]) -> list[tuple[str, SeverityLevel]]:
            approved, problems = outcome
            lines: list[tuple[str, SeverityLevel]] = [
                (f"Approved {plural(approved, 'timesheet')}.", "information")
            ]
            return lines + [(problem, "warning") for problem in problems[:3]]

        self.floor_app.client.write(
            self,
            lambda db, by: approve_many(db, decisions, by=by, settings=settings),
            said,
            group="timesheet-write",
            refused="error",
        )

    def on_data_table_row_selected(self, event: FloorTable.RowSelected) -> None:
        event.stop()
        self.action_detail()

    def action_detail(self) -> None:
        from floorlead.tui.screens.timesheet_detail import TimesheetDetailScreen

        t = self._selected()
        if t is not None:
            self.app.push_screen(TimesheetDetailScreen(t))

    def action_coach(self) -> None:
        t = self._selected()
        if t is not None:
            self.floor_app.open_coaching_note(t.agent_id)

    def action_day(self, step: int) -> None:
        if self.day is None:
            return
        self.day = self.day + timedelta(days=step)
        self.rows = []
        self.query_one(FloorTable).sync([])
        self.query_one("#timesheets-summary", Static).update(f"Loading {self.day:%a %d %b}…")
        self._load(self.day, self.floor_app.clock())

    def action_export(self) -> None:
        if self.day is None:
            return
        from pathlib import Path

        default = str(Path.home() / f"floorlead-timesheets-{self.day.isoformat()}.csv")

        def with_path(path: str | None) -> None:
            if path:
                self._export(path)

        self.app.push_screen(
            PromptModal(
                "Write the day's approved timesheets as CSV to", value=default, required=True
            ),
            with_path,
        )

    @work(thread=True, exit_on_error=False, group="timesheet-export")
    def _export(self, path: str) -> None:
        from floorlead.reports.payroll import payable, write_csv

        rows, left_out = payable(self.rows, ("approved",))
        try:
            count = write_csv(path, rows, self.floor_app.settings.floor.timezone)
            self.app.call_from_thread(
                self.notify,
                f"Wrote {count} approved timesheets to {path}{left_out}.",
                timeout=8,
            )
        except OSError as exc:
            self.app.call_from_thread(
                self.notify, f"Cannot write {path}: {exc.strerror}.", severity="error", timeout=8
            )
