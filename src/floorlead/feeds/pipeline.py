"""The one path every feed takes into the store: reorder, batch, apply, quarantine, count.

An adapter turns what it reads into :class:`Record` s (a line or a block, with its number, its
raw text and the native events it means, or why it cannot be read). :class:`FeedRun` does the
rest the same way for every vendor: events within the reorder window are applied in time order,
many a transaction; what cannot be read or applied goes, with its line number and the reason,
to a quarantine file beside the database, and the feed carries on.
"""

from __future__ import annotations

import bisect
import gc
import hashlib
import json
import logging
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TextIO

import platformdirs

from floorlead.domain import events as ev
from floorlead.domain.feed_health import BEAT_S, FeedReport
from floorlead.store.db import FloorDatabase
from floorlead.store.feed_health import report
from floorlead.store.ingest import apply_events

log = logging.getLogger("floorlead.feeds")

#: Events a transaction: big enough that commits (and WAL checkpoints) are rare, small
#: enough that a watching board sees a file arrive in steps of a fraction of a second.
BATCH = 10_000
#: A live feed commits at least this often, so the board is never more than this behind.
LIVE_FLUSH_S = 0.25


def tune_for_bulk() -> None:
    """For a process that only feeds: the objects made at start-up (SQLAlchemy's, mostly)
    leave the garbage collector's sight and it runs less often. A feed makes millions of
    short-lived events and no reference cycles; this saves about a fifth of the time."""
    gc.freeze()
    gc.set_threshold(20_000, 50, 50)


@dataclass(slots=True)
class Record:
    """One unit a feed read: its line number, its text, and what it means (or why not)."""

    number: int
    raw: str
    events: list[ev.Event] = field(default_factory=list)
    error: str | None = None


def definition_id(source: str, *parts: object) -> str:
    """A stable id for a vendor's queue or agent definition: the same definition replayed is
    a duplicate, a changed one (new name, team or queues) is applied."""
    digest = hashlib.sha1(repr(parts).encode(), usedforsecurity=False).hexdigest()[:16]
    return f"{source}:def:{digest}"


def feed_folder(db: FloorDatabase) -> Path:
    """Where feeds keep their files: beside the database (or in the data folder for a server
    database)."""
    return (
        db.target.path.parent if db.target.path else Path(platformdirs.user_data_dir("floorlead"))
    )


def quarantine_path(db: FloorDatabase, source: str) -> Path:
    """A new file in the feed folder's ``quarantine``."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    return feed_folder(db) / "quarantine" / f"{stamp}-{source}-{os.getpid()}.jsonl"


class Quarantine:
    """Lines that could not be used, kept whole with the reason; the file appears on first use.

    Without a path (library callers and tests) the reasons are only kept in ``items``.
    """

    def __init__(self, path: Path | None, source_name: str) -> None:
        self.path = path
        self.source_name = source_name
        self.items: list[tuple[int, str]] = []
        self._handle: TextIO | None = None

    def add(self, number: int, reason: str, raw: str) -> None:
        self.items.append((number, reason))
        if self.path is None:
            return
        record = {"source": self.source_name, "line": number, "reason": reason, "raw": raw}
        try:
            if self._handle is None:
                from floorlead.files import append_private

                self._handle = append_private(self.path)
            self._handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            self._handle.flush()
        except OSError as exc:  # a full disk, a folder gone: the feed stops, saying where
            from floorlead.errors import FloorleadError

            raise FloorleadError(
                f"Cannot write the quarantine file {self.path}: {exc.strerror or exc}."
            ) from None

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None


class Reorder:
    """Holds timed events for ``window`` and releases them in time order.

    Definitions (queue, agent and schedule upserts) carry no time and pass straight through,
    so they are in place before the events that need them. An event is released once one at
    least ``window`` later has arrived, or, when the feed is idle, once the wall clock is
    ``window`` past it; the end of the input releases everything.
    """

    def __init__(self, window_s: float) -> None:
        self.window = timedelta(seconds=window_s)
        # (time, arrival order, line number, raw text, event), kept sorted from _head on:
        # feeds arrive almost in order, so holding an event is nearly always an append.
        self._held: list[tuple[datetime, int, int, str, ev.Event]] = []
        self._head = 0
        self._seq = 0
        self._latest: datetime | None = None

    def __len__(self) -> int:
        return len(self._held) - self._head

    def push(self, number: int, raw: str, event: ev.Event) -> list[tuple[int, str, ev.Event]]:
        out: list[tuple[int, str, ev.Event]] = []
        self.push_into(out, number, raw, event)
        return out

    @property
    def empty(self) -> bool:
        return len(self._held) == self._head

    def push_into(
        self, out: list[tuple[int, str, ev.Event]], number: int, raw: str, event: ev.Event
    ) -> None:
        """Hold ``event``; append to ``out`` whatever that makes safe to apply, in time order."""
        at = getattr(event, "at", None) or ev.event_time(event)
        if at is None or not self.window:
            out.append((number, raw, event))
            return
        self._seq += 1
        held = self._held
        item = (at, self._seq, number, raw, event)
        if len(held) == self._head or at >= held[-1][0]:
            held.append(item)
        else:
            bisect.insort(held, item, lo=self._head)
        latest = self._latest
        if latest is None or at > latest:
            self._latest = latest = at
        until = latest - self.window
        if held[self._head][0] <= until:
            self._release_into(out, until)

    def due(self, now: datetime) -> list[tuple[int, str, ev.Event]]:
        """What the wall clock has made safe to apply (for an idle live feed)."""
        out: list[tuple[int, str, ev.Event]] = []
        self._release_into(out, now - self.window)
        return out

    def drain(self) -> list[tuple[int, str, ev.Event]]:
        held = self._held[self._head :]
        self._held, self._head = [], 0
        return [(number, raw, event) for _at, _seq, number, raw, event in held]

    def _release_into(self, out: list[tuple[int, str, ev.Event]], until: datetime) -> None:
        held, i = self._held, self._head
        size = len(held)
        while i < size and held[i][0] <= until:
            item = held[i]
            out.append((item[2], item[3], item[4]))
            i += 1
        if i > 4096 and i * 2 > size:  # drop what was released, now and then
            del held[:i]
            i = 0
        self._head = i


class Beacon:
    """A live feed's reports of itself to the floor (the header's feed health): when it last
    received anything, whether it is connected, what it quarantined. Written at most every
    ``BEAT_S`` and whenever its status changes; a failed report never stops the feed."""

    def __init__(self, db: FloorDatabase, kind: str, where: str) -> None:
        self.db = db
        # By what it reads, not by process: a feed started again replaces the report of the
        # one before it (which may have been killed without saying so).
        self.id = f"{kind} {where}"
        self.kind = kind
        self.started_at = datetime.now(UTC)
        self.current = "live"
        self.arrived: float | None = None  # time.time() of the last record
        self._reported = 0.0

    def status(self, status: str, counts: FeedCounts, path: Path | None) -> None:
        if status != self.current:
            self.current = status
            self.report(counts, path, force=True)

    def report(self, counts: FeedCounts, path: Path | None, force: bool = False) -> None:
        now = time.time()
        if not force and now - self._reported < BEAT_S:
            return
        self._reported = now
        arrived = self.arrived
        feed = FeedReport(
            id=self.id,
            kind=self.kind,
            status=self.current,
            started_at=self.started_at,
            beat_at=datetime.fromtimestamp(now, UTC),
            last_event_at=None if arrived is None else datetime.fromtimestamp(arrived, UTC),
            quarantined=counts.quarantined,
            quarantine_path=str(path) if counts.quarantined and path else "",
        )
        try:
            report(self.db, feed, counts.read)
        except Exception:  # the floor locked or gone for a moment: the next beat tries again
            log.warning("the feed could not report itself")


@dataclass
class FeedCounts:
    read: int = 0
    applied: int = 0
    duplicates: int = 0
    quarantined: int = 0


class FeedRun:
    """Applies a feed's records to the database; the same for every vendor and for replays."""

    def __init__(
        self,
        db: FloorDatabase,
        source: str,
        *,
        window_s: float = 5,
        quarantine: Quarantine | None = None,
        actor: str = "feed",
        batch: int = BATCH,
        default_sl: ev.SlTarget | None = None,
        beacon: Beacon | None = None,
    ) -> None:
        self.db = db
        self.beacon = beacon
        self.actor = actor
        self.batch = batch
        self.default_sl = default_sl
        self.quarantine = quarantine or Quarantine(quarantine_path(db, source), source)
        self.reorder = Reorder(window_s)
        self.counts = FeedCounts()
        self._pending: list[tuple[int, str, ev.Event]] = []
        self._last_flush = time.monotonic()

    def add(self, record: Record) -> None:
        self.counts.read += 1
        if self.beacon is not None:
            self.beacon.arrived = time.time()
        if record.error is not None:
            self.reject(record.number, record.error, record.raw)
            return
        push, pending = self.reorder.push_into, self._pending
        for event in record.events:
            push(pending, record.number, record.raw, event)
        # A full batch, or a busy live feed that never falls idle: either way, commit.
        if len(pending) >= self.batch or (
            pending and time.monotonic() - self._last_flush >= LIVE_FLUSH_S
        ):
            self.flush()

    def reject(self, number: int, reason: str, raw: str) -> None:
        self.quarantine.add(number, reason, raw)
        self.counts.quarantined += 1

    def run(self, records: Iterable[Record]) -> FeedCounts:
        """A whole finite input: everything is applied (held events too) before returning."""
        for record in records:
            self.add(record)
        self.finish()
        return self.counts

    def idle(self, now: datetime | None = None) -> None:
        """Called by live feeds when nothing arrived for a moment: apply what is due."""
        self._pending.extend(self.reorder.due(now or datetime.now(UTC)))
        if self._pending and time.monotonic() - self._last_flush >= LIVE_FLUSH_S:
            self.flush()
        if self.beacon is not None:
            self.beacon.report(self.counts, self.quarantine.path)

    def status(self, status: str) -> None:
        """A live feed's connection changed: live, reconnecting or stopped."""
        if self.beacon is not None:
            self.beacon.status(status, self.counts, self.quarantine.path)

    def finish(self) -> None:
        self._pending.extend(self.reorder.drain())
        self.flush()
        self.quarantine.close()
        self.status("stopped")

    def flush(self) -> None:
        self._last_flush = time.monotonic()
        pending, self._pending = self._pending, []
        if not pending:
            return
        with self.db.begin() as conn:
            events = [item[2] for item in pending]
            result = apply_events(conn, events, self.actor, self.default_sl)
        self.counts.applied += result.applied
        self.counts.duplicates += result.duplicates
        for index, reason in result.errors:
            number, raw, _event = pending[index]
            self.reject(number, reason, raw)

    @property
    def settled(self) -> bool:
        """Everything read so far is committed (nothing held, nothing pending)."""
        return not self._pending and self.reorder.empty

    def summary(self) -> str:
        c = self.counts
        text = (
            f"read {c.read}, applied {c.applied}, duplicates skipped {c.duplicates}, "
            f"quarantined {c.quarantined}"
        )
        if c.quarantined:
            text += f" (in {self.quarantine.path})"
        return text
