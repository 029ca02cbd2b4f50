"""Where a feed's lines come from: a file, a pipe, or a file that keeps growing."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO


class Undecodable(str):
    """A line that was not UTF-8; its text has replacement characters and it is refused."""


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return Undecodable(raw.decode("utf-8", errors="replace"))


def text_lines(stream: BinaryIO | Iterable[bytes]) -> Iterator[str]:
    """Lines of a byte stream as text (a byte-order mark at the start is dropped)."""
    first = True
    for raw in stream:
        if first:
            raw = raw.removeprefix(b"\xef\xbb\xbf")
            first = False
        yield _decode(raw)


def follow_lines(
    path: Path, stop: threading.Event, poll_s: float = 0.2, from_start: bool = True
) -> Iterator[str | None]:
    """Complete lines of a growing file, as ``tail -F`` would give them.

    A half-written last line stays in the buffer until its newline arrives. Silence yields
    ``None`` every ``poll_s`` (so the feed can apply what it holds). A file that is replaced
    (log rotation) or truncated is read again from its start.
    """
    handle = path.open("rb")
    if not from_start:
        handle.seek(0, os.SEEK_END)
    inode = os.fstat(handle.fileno()).st_ino
    buffer = b""
    try:
        while not stop.is_set():
            chunk = handle.read(1 << 16)
            if chunk:
                buffer += chunk
                *complete, buffer = buffer.split(b"\n")
                for raw in complete:
                    yield _decode(raw + b"\n")
                continue
            yield None
            stop.wait(poll_s)
            try:
                status = os.stat(path)
            except FileNotFoundError:
                continue  # being rotated: the new file appears in a moment
            if status.st_ino != inode or status.st_size < handle.tell():
                handle.close()
                handle = path.open("rb")
                inode = os.fstat(handle.fileno()).st_ino
                buffer = b""
    finally:
        handle.close()
