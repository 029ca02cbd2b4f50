"""What a webhook feed has acknowledged but not yet stored.

A TaskRouter callback answered 204 is never sent again, yet the feed holds its events for a
few seconds (the reorder window) before committing them. So each body is first appended to a
spool file and synced to disk, then acknowledged; the next start replays the spool (event ids
make anything already stored a duplicate), and the spool is emptied whenever everything read
has been committed.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from floorlead.files import append_private


class Spool:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle = append_private(path)
        self.kept = 0  # bodies written since the spool was last emptied

    def waiting(self) -> list[str]:
        """The bodies a previous run acknowledged and may not have stored (a torn last line,
        written as the process died, is left out: it was never acknowledged)."""
        out = []
        for line in self.path.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                body = json.loads(line)
            except ValueError:
                continue
            if isinstance(body, str):
                out.append(body)
        self.kept = len(out)
        return out

    def keep(self, body: str) -> None:
        """On disk before the caller is told it arrived."""
        self._handle.write(json.dumps(body) + "\n")
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self.kept += 1

    def empty(self) -> None:
        """Everything kept has been committed to the floor."""
        if self.kept:
            self._handle.flush()
            os.ftruncate(self._handle.fileno(), 0)
            self.kept = 0

    def close(self) -> None:
        self._handle.close()
