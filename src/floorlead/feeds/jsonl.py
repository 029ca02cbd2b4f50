"""Native JSON Lines events (format version 1) from a file, a pipe or a growing file."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from floorlead.domain import events as ev
from floorlead.feeds.pipeline import FeedRun, Quarantine, Record
from floorlead.feeds.sources import Undecodable
from floorlead.store.db import FloorDatabase


def records(lines: Iterable[str | None]) -> Iterator[Record | None]:
    """One record a non-blank line, numbered from 1 as an editor numbers them.

    ``None`` (an idle moment of a followed file) is passed through.
    """
    number = 0
    for line in lines:
        if line is None:
            yield None
            continue
        number += 1
        text = line.rstrip("\r\n")
        if not text or text.isspace():
            continue
        if isinstance(line, Undecodable):
            yield Record(number, text, error="the line is not UTF-8 text")
            continue
        try:
            yield Record(number, text, [ev.parse_line(text)])
        except ev.UNREADABLE as exc:
            yield Record(number, text, error=ev.unreadable(exc))


@dataclass
class IngestResult:
    read: int = 0
    applied: int = 0
    duplicates: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


def ingest_lines(db: FloorDatabase, lines: Iterable[str], window_s: float = 0) -> IngestResult:
    """Apply native lines in order (no quarantine file): for tests and library callers."""
    run = FeedRun(db, "jsonl", window_s=window_s, quarantine=Quarantine(None, "jsonl"))
    counts = run.run(r for r in records(lines) if r is not None)
    errors = sorted(run.quarantine.items)
    return IngestResult(counts.read, counts.applied, counts.duplicates, errors)
