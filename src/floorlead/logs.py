"""Logging to a file under the user's log folder. Never log the text of a note."""

from __future__ import annotations

import logging
from pathlib import Path

import platformdirs


def log_path() -> Path:
    return Path(platformdirs.user_log_dir("floorlead")) / "floorlead.log"


class CleanFormatter(logging.Formatter):
    """A log line is one line of plain text, whatever a peer put in what is logged (a
    webhook's request path, a feed's field)."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        from floorlead.domain.safe_text import clean

        return clean(super().formatMessage(record))


def setup_logging() -> None:
    """Best effort: a read-only home must not stop the floor."""
    path = log_path()
    try:
        from floorlead.files import append_private

        handler: logging.Handler = logging.StreamHandler(append_private(path))
    except OSError:
        handler = logging.NullHandler()
    handler.setFormatter(CleanFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("floorlead")
    root.setLevel(logging.INFO)
    root.handlers[:] = [handler]
    root.propagate = False
