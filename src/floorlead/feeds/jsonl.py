"""Native JSON Lines events (format version 1) from a file or a pipe."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice

from floorlead.domain import events as ev
from floorlead.store.db import FloorDatabase
from floorlead.store.ingest import apply_batch

BATCH = 2000


@dataclass
class IngestResult:
    read: int = 0
    applied: int = 0
    duplicates: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


def parse_lines(lines: Iterable[str], result: IngestResult) -> Iterator[tuple[int, ev.Event]]:
    """Numbered events; unreadable lines go to ``result.errors`` with their line number."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        result.read += 1
        try:
            yield number, ev.parse_line(line)
        except ev.EventError as exc:
            result.errors.append((number, str(exc)))


def ingest_lines(db: FloorDatabase, lines: Iterable[str]) -> IngestResult:
    """Apply events in batches, one transaction each; a bad event is skipped, not fatal."""
    result = IngestResult()
    events = parse_lines(lines, result)
    while batch := list(islice(events, BATCH)):
        with db.begin() as conn:
            outcome = apply_batch(conn, batch)
        result.applied += outcome.applied
        result.duplicates += outcome.duplicates
        result.errors.extend(outcome.errors)
    result.errors.sort()
    return result
