"""Messages the refresh worker posts to the app (worker threads never touch widgets)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from floorlead.domain.board import FloorSnapshot


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
