"""Logging to a file under the user's log folder. Never log the text of a note."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import platformdirs


def log_path() -> Path:
    return Path(platformdirs.user_log_dir("floorlead")) / "floorlead.log"


def setup_logging() -> None:
    """Best effort: a read-only home must not stop the floor."""
    path = log_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.FileHandler(path, encoding="utf-8")
        os.chmod(path, 0o600)
    except OSError:
        handler = logging.NullHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("floorlead")
    root.setLevel(logging.INFO)
    root.handlers[:] = [handler]
    root.propagate = False
