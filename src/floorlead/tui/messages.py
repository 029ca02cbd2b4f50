"""Messages the refresh worker posts to the app (worker threads never touch widgets)."""

from __future__ import annotations

from textual.message import Message

from floorlead.store.read import FloorSnapshot


class SnapshotLoaded(Message):
    """A fresh floor snapshot; a newer one replaces an unhandled older one."""

    def __init__(self, snapshot: FloorSnapshot) -> None:
        super().__init__()
        self.snapshot = snapshot

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, SnapshotLoaded)


class NothingChanged(Message):
    """The database has not changed since the last snapshot."""


class LoadFailed(Message):
    """Reading the floor failed; ``reason`` is one sentence for the supervisor."""

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason
