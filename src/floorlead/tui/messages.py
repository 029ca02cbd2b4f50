"""Every message the TUI's workers post (worker threads never touch widgets): the refresh
worker's to the app, the screens' loaders' to their screens."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from datetime import date, datetime

    from floorlead.domain.board import AgentDay, FloorSnapshot
    from floorlead.domain.coverage import Coverage
    from floorlead.store.escalations import HistoryLine
    from floorlead.store.sheets import SheetDetail, TimesheetRow


class SnapshotLoaded(Message):
    """A fresh floor snapshot; a newer one replaces an unhandled older one."""

    def __init__(self, snapshot: FloorSnapshot) -> None:
        super().__init__()
        self.snapshot = snapshot

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, SnapshotLoaded)


class BoardPreview(Message):
    """The board's figures read before the database opened (``FloorSnapshot.complete`` is
    False): shown until the first complete snapshot arrives."""

    def __init__(self, snapshot: FloorSnapshot) -> None:
        super().__init__()
        self.snapshot = snapshot


class NothingChanged(Message):
    """The database has not changed since the last snapshot."""


class LoadFailed(Message):
    """Reading the floor failed; ``reason`` is one sentence for the supervisor."""

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason


class DatabaseReady(Message):
    """The database opened (and migrated) behind the first paint."""

    def __init__(self, db: object) -> None:
        super().__init__()
        self.db = db


class DatabaseFailed(Message):
    """The database could not be opened; ``reason`` is one sentence."""

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason


class DayLoaded(Message):
    """One agent's day read for the agent's-day screen (or why it could not be)."""

    def __init__(self, day: AgentDay | None, reason: str = "") -> None:
        super().__init__()
        self.day = day
        self.reason = reason


class HistoryLoaded(Message):
    """An escalation's history read for its detail screen."""

    def __init__(self, lines: list[HistoryLine]) -> None:
        super().__init__()
        self.lines = lines


class DetailLoaded(Message):
    """A timesheet's punches read for its detail screen (or why they could not be)."""

    def __init__(self, detail: SheetDetail | None, error: str = "") -> None:
        super().__init__()
        self.detail, self.error = detail, error


class SheetsLoaded(Message):
    """A day's timesheets read for the Timesheets screen (or why they could not be)."""

    def __init__(self, day: date, rows: list[TimesheetRow], error: str = "") -> None:
        super().__init__()
        self.day, self.rows, self.error = day, rows, error


class CoverageLoaded(Message):
    """The day's coverage (``domain.coverage.Coverage``), or one sentence why not."""

    def __init__(self, day: date, coverage: Coverage | None, error: str) -> None:
        super().__init__()
        self.day, self.coverage, self.error = day, coverage, error


class IntervalLoaded(Message):
    """Who is scheduled in one interval: (agent, name, activity, skills, from, to) rows."""

    def __init__(
        self, rows: list[tuple[str, str, str, str, datetime, datetime]], error: str
    ) -> None:
        super().__init__()
        self.rows, self.error = rows, error
