"""Files floorlead writes: private to their owner, whole or not at all, never through a link.

Reports, payroll and exports name people and their hours; quarantine files hold what feeds
sent. Folders floorlead creates are 0700 and files 0600 whatever the umask; a file is written
to a fresh temporary name (created exclusively, so a link planted in the folder is never
followed) and renamed into place; appends refuse a link at the file's name.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import TextIO

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def private_folder(folder: Path) -> Path:
    """Create ``folder`` and any missing parent as 0700 (``mkdir(parents=True)`` would make
    the parents 0777 less the umask)."""
    missing = []
    current = folder
    while not current.exists() and current != current.parent:
        missing.append(current)
        current = current.parent
    for path in reversed(missing):
        with contextlib.suppress(FileExistsError):
            path.mkdir(mode=0o700)
    return folder


def write_private(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` whole or not at all, readable by its owner only."""
    target = path.expanduser()
    private_folder(target.parent)
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.replace(temporary, target)  # replaces a link at ``target``, never follows it
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


def append_private(path: Path) -> TextIO:
    """Open ``path`` to append, created 0600; refuses (OSError) where ``path`` is a link."""
    private_folder(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | _NOFOLLOW, 0o600)
    # what a peer sent is kept as sent, a lone surrogate written as its escape
    return os.fdopen(fd, "a", encoding="utf-8", errors="backslashreplace")
