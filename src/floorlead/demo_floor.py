"""Where demo floors live: one database file per running demo, never shared, never deleted
while its demo runs.

Each demo holds an exclusive lock on ``demo-PID.lock`` beside its ``demo-PID.db`` for as long
as it runs. A new demo sweeps the files of demos whose lock is free (ended or killed), so a
second demo never deletes the file a first one (or a viewer opened with ``--db``) is using.
Where the operating system has no ``fcntl`` (Windows), files are swept only when they can be
deleted, which Windows refuses for a file another process has open.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO

import platformdirs


def demo_folder() -> Path:
    folder = Path(platformdirs.user_cache_dir("floorlead")) / "demo"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def _lock(handle: IO[bytes]) -> bool:
    """Take the lock without waiting; False when another process holds it."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        return True
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _files(db: Path) -> list[Path]:
    return [db, Path(f"{db}-wal"), Path(f"{db}-shm"), db.with_suffix(".lock")]


def running_demos(folder: Path | None = None) -> list[Path]:
    """The database files of the demos running now."""
    folder = folder or demo_folder()
    out = []
    for lock in sorted(folder.glob("demo-*.lock")):
        with lock.open("rb") as handle:
            if not _lock(handle):
                out.append(lock.with_suffix(".db"))
    return out


def _sweep(folder: Path) -> None:
    """Delete the files of demos that have ended (their lock is free)."""
    for db in folder.glob("demo*.db"):
        lock = db.with_suffix(".lock")
        if lock.exists():
            with lock.open("rb") as handle:
                if not _lock(handle):
                    continue  # that demo is still running
        for path in _files(db):
            try:
                path.unlink(missing_ok=True)
            except OSError:  # pragma: no cover - Windows: still open somewhere
                break


class DemoFloor:
    """This process's demo database file, locked for as long as the demo runs."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or demo_folder()
        _sweep(self.folder)
        self.path = self.folder / f"demo-{os.getpid()}.db"
        for path in _files(self.path)[:3]:  # a file left by an earlier process with our pid
            path.unlink(missing_ok=True)
        fd = os.open(self.path.with_suffix(".lock"), os.O_CREAT | os.O_RDWR, 0o600)
        self._handle: IO[bytes] | None = os.fdopen(fd, "r+b")
        _lock(self._handle)

    def release(self) -> None:
        """The demo has ended: its file stays for viewers until the next demo sweeps it."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None
