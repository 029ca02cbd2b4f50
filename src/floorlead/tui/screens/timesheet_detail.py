"""One timesheet (Enter on Timesheets): the schedule beside every punch, originals and
corrections. + add a punch · m move · v void (each with a reason) · l mark leave."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Static

from floorlead.domain.when import hhmm
from floorlead.tui.messages import DetailLoaded
from floorlead.tui.screens.base import FloorScreen
from floorlead.tui.widgets.floor_table import FloorTable
from floorlead.tui.widgets.modals import ChoiceModal, PromptModal

if TYPE_CHECKING:
    from floorlead.domain.board import FloorSnapshot
    from floorlead.store.sheets import SheetDetail, TimesheetRow

KINDS = ("in", "out", "break_start", "break_end", "meal_start", "meal_end")


class TimesheetDetailScreen(FloorScreen):
    SCREEN_TITLE = "Timesheet"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape,backspace",
            "app.pop_screen",
            "Back",
            tooltip="Back to timesheets",
            id="ts_detail.back",
        ),
        Binding(
            "plus",
            "add",
            "Add punch",
            key_display="+",
            tooltip="Add a missing punch",
            id="ts_detail.add",
        ),
        Binding("m", "move", "Move", tooltip="Move the selected punch", id="ts_detail.move"),
        Binding("v", "void", "Void", tooltip="Void the selected punch", id="ts_detail.void"),
        Binding(
            "l",
            "leave",
            "Leave",
            tooltip="Mark the day as leave (no punches)",
            id="ts_detail.leave",
        ),
    ]
    SCREEN_COMMANDS = (
        ("Add a punch", "With a reason; the original punches stay", "add"),
        ("Move the selected punch", "With a reason; the original stays", "move"),
        ("Void the selected punch", "With a reason; the original stays", "void"),
        ("Mark the day as leave", "Sick, vacation or unpaid, with a reason", "leave"),
    )

    def __init__(self, sheet: TimesheetRow) -> None:
        super().__init__()
        self.sheet = sheet
        self.detail: SheetDetail | None = None
        self._seen: FloorSnapshot | None = None

    def compose_body(self) -> Iterable:  # type: ignore[type-arg]
        yield Static(
            f"{self.sheet.name} · shift of {self.sheet.shift_date:%a %d %b %Y}",
            id="ts-detail-summary",
            classes="summary",
        )
        with Horizontal(id="ts-detail-body"):
            yield FloorTable(
                (("from", "From"), ("to", "To"), ("activity", "Scheduled")), id="ts-schedule"
            )
            yield FloorTable(
                (("at", "Punch"), ("kind", "Kind"), ("note", "Correction")), id="ts-punches"
            )

    def show(self, snapshot: FloorSnapshot, now: datetime) -> None:
        if snapshot is not self._seen:
            self._seen = snapshot
            self._load()

    def _load(self) -> None:
        from floorlead.store.sheets import timesheet_detail

        settings, sheet = self.floor_app.settings, self.sheet
        self.floor_app.client.load(
            self,
            lambda conn: timesheet_detail(conn, settings, sheet.agent_id, sheet.shift_date),
            DetailLoaded,
            group="ts-detail",
            failed=lambda exc: f"Reading the timesheet failed: {exc}.",
        )

    @on(DetailLoaded)
    def _loaded(self, message: DetailLoaded) -> None:
        if message.detail is None:
            self.query_one("#ts-detail-summary", Static).update(message.error)
            return
        self.detail = message.detail
        tz = self.floor_app.settings.floor.timezone
        self.query_one("#ts-schedule", FloorTable).sync(
            [
                (
                    f"{b.start.isoformat()}{b.activity}",
                    [hhmm(b.start, tz), hhmm(b.end, tz), b.activity],
                )
                for b in message.detail.schedule
            ]
        )
        rows = []
        for p in message.detail.punches:
            if p.voided:
                note = f"voided by {p.created_by}: {p.reason}"
            elif p.replaces_id is not None:
                note = f"moved by {p.created_by}: {p.reason}"
            elif p.source == "correction":
                note = f"added by {p.created_by}: {p.reason}"
            elif p.replaced:
                note = "original (corrected)"
            else:
                note = ""
            rows.append((str(p.id), [hhmm(p.at, tz), p.kind, note]))
        self.query_one("#ts-punches", FloorTable).sync(rows)
        self.query_one("#ts-punches", FloorTable).focus()

    # ------------------------------------------------------------------ corrections

    def _selected_punch(self) -> Any:
        key = self.query_one("#ts-punches", FloorTable).selected_key
        if self.detail is None or key is None:
            return None
        return next((p for p in self.detail.punches if str(p.id) == key), None)

    def _correct(self, done: str, **kwargs: Any) -> None:
        from floorlead.store.approvals import correct_punch, mark_leave

        leave = kwargs.pop("leave_kind", None)
        sheet = self.sheet
        common: dict[str, Any] = {
            "agent_id": sheet.agent_id,
            "day": sheet.shift_date,
            "expected_version": sheet.version,
        }

        def call(db: Any, by: Any) -> None:
            if leave is not None:
                mark_leave(db, leave_kind=leave, by=by, **common, **kwargs)
            else:
                correct_punch(db, by=by, **common, **kwargs)

        def bumped(_outcome: object) -> None:
            self.sheet = _bumped(self.sheet)

        self.floor_app.client.write(self, call, done, group="ts-write", then=bumped)

    def _ask_time_then_reason(self, title: str, then: Any) -> None:
        from floorlead.domain.when import WhenError, at_on_day

        tz = self.floor_app.settings.floor.timezone
        anchor = self.sheet.scheduled_start or self.sheet.first_in

        def with_time(text: str | None) -> None:
            if text is None:
                return
            try:
                at = at_on_day(text, self.sheet.shift_date, tz, after=anchor)
            except WhenError as exc:
                self.notify(str(exc), severity="warning")
                return

            def with_reason(reason: str | None) -> None:
                if reason is not None:
                    then(at, reason)

            self.app.push_screen(
                PromptModal("Reason for the correction", required=True), with_reason
            )

        self.app.push_screen(PromptModal(title, placeholder="9:07", required=True), with_time)

    def action_add(self) -> None:
        def with_kind(kind: str | None) -> None:
            if kind is None:
                return
            self._ask_time_then_reason(
                f"Time of the missing {kind.replace('_', ' ')} punch",
                lambda at, reason: self._correct(
                    "Punch added.", action="add", kind=kind, at=at, reason=reason
                ),
            )

        self.app.push_screen(
            ChoiceModal("Which punch is missing?", [(k, k.replace("_", " ")) for k in KINDS]),
            with_kind,
        )

    def action_move(self) -> None:
        punch = self._selected_punch()
        if punch is None:
            return
        self._ask_time_then_reason(
            f"Move the {punch.kind.replace('_', ' ')} punch to",
            lambda at, reason: self._correct(
                "Punch moved.", action="move", punch_id=punch.id, at=at, reason=reason
            ),
        )

    def action_void(self) -> None:
        punch = self._selected_punch()
        if punch is None:
            return

        def with_reason(reason: str | None) -> None:
            if reason is not None:
                self._correct("Punch voided.", action="void", punch_id=punch.id, reason=reason)

        self.app.push_screen(
            PromptModal(f"Void the {punch.kind} punch: why?", required=True), with_reason
        )

    def action_leave(self) -> None:
        def with_kind(kind: str | None) -> None:
            if kind is None:
                return

            def with_reason(reason: str | None) -> None:
                if reason is not None:
                    self._correct(f"Marked as {kind} leave.", leave_kind=kind, reason=reason)

            self.app.push_screen(PromptModal("Reason for the leave", required=True), with_reason)

        self.app.push_screen(
            ChoiceModal("Leave", [(k, k) for k in ("sick", "vacation", "unpaid")]), with_kind
        )


def _bumped(sheet: TimesheetRow) -> TimesheetRow:
    """After this supervisor's own change, the version moved on by one."""
    from dataclasses import replace

    return replace(sheet, version=sheet.version + 1)
