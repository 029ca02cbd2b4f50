"""Floor checkpoints (``domain.checkpoint``) kept in the floor's SQLite file, through the
sqlite3 driver alone (the quick ``snapshot --json`` path has no SQLAlchemy).

One row per floor day (its bounds are the key, so other zone or day-start settings never
meet it), the sums as JSON. A row is deleted whenever something it summed is written (by the
feed's batches themselves, :data:`FORGET_SQL`, and by migration 0009's triggers for every rarer
write), so a row that is there is true; :func:`load` also checks that it serves the
snapshot asked for (:meth:`Checkpoint.serves`). Saving is best effort and never waits: a
read-only file, a lock held by a feed, or a commit by anyone since the day was read (the
read transaction can no longer write) all mean "not this time".
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from floorlead.domain import checkpoint as ck
from floorlead.domain import metrics as mx
from floorlead.store.sqlite import sqlite_text

#: Days of checkpoints kept (a snapshot ``--at`` yesterday may still use one).
KEEP = timedelta(days=2)
_METRICS = (
    "offered",
    "answered",
    "abandoned",
    "short_abandoned",
    "answered_in_target",
    "handled",
    "waiting",
    "queue_time_answered_s",
    "handle_time_s",
)


def _encode(mark: ck.Checkpoint) -> str:
    def agent(a: ck.AgentCheckpoint) -> list[Any]:
        last = a.last
        return [
            None if last is None else last.at.isoformat(),
            None if last is None else last.state,
            None if last is None else last.reason,
            a.busy_s,
            a.idle_s,
            a.adherent_s,
            a.handled,
            {label: at.isoformat() for label, at in a.out_since.items()},
        ]

    return json.dumps(
        {
            "short_abandon_s": mark.short_abandon_s,
            "agents": {agent_id: agent(a) for agent_id, a in mark.agents.items()},
            "queues": {
                q: [sl, *(getattr(m, f) for f in _METRICS)] for q, (sl, m) in mark.queues.items()
            },
        },
        separators=(",", ":"),
    )


def _decode(
    day_start: datetime, day_end: datetime, instants: list[str], open_ids: str, data: str
) -> ck.Checkpoint:
    raw = json.loads(data)
    agents = {}
    for agent_id, (at, state, reason, busy, idle, adherent, handled, out) in raw["agents"].items():
        last = None if at is None else mx.StateChange(datetime.fromisoformat(at), state, reason)
        agents[agent_id] = ck.AgentCheckpoint(
            last,
            busy,
            idle,
            adherent,
            handled,
            {label: datetime.fromisoformat(t) for label, t in out.items()},
        )
    queues: Mapping[str, tuple[int, mx.QueueMetrics]] = {
        q: (values[0], mx.QueueMetrics(**dict(zip(_METRICS, values[1:], strict=True))))
        for q, values in raw["queues"].items()
    }
    through, settled_at, states_through = (datetime.fromisoformat(t) for t in instants)
    return ck.Checkpoint(
        day_start,
        day_end,
        through,
        settled_at,
        states_through,
        raw["short_abandon_s"],
        agents,
        queues,
        frozenset(json.loads(open_ids)),
    )


#: Drops the checkpoints a feed's batch wrote into: state changes from the first ? on,
#: contacts of the second ? (a JSON array of [queued, id], queued as stored: contacts new,
#: answered, wrapped up or rewritten by a vendor record, where they were queued before and
#: after) that a checkpoint summed. The batch says so itself: a trigger on those tables cost
#: a fifth of the feed's throughput (migration 0009 has triggers for the rarer writes).
FORGET_SQL = (
    "DELETE FROM floor_checkpoint WHERE states_through > ? OR EXISTS "
    "(SELECT 1 FROM json_each(?) AS w WHERE w.value ->> 0 >= day_start "
    "AND w.value ->> 0 < through "
    "AND w.value ->> 1 NOT IN (SELECT value FROM json_each(open_ids)))"
)
_NEVER = "9999-12-31 23:59:59.999999"


def forget_params(
    contacts: Iterable[tuple[datetime, str]], states_from: str | None
) -> tuple[str, str]:
    """:data:`FORGET_SQL`'s parameters for ``contacts`` (when queued, id) and state changes
    from ``states_from`` (stored text) on; either may be empty."""
    return states_from or _NEVER, json.dumps([(sqlite_text(t), i) for t, i in set(contacts)])


def load(conn: sqlite3.Connection, day_start: datetime, day_end: datetime) -> ck.Checkpoint | None:
    """The checkpoint of the day ``[day_start, day_end)``, if one is kept."""
    row = conn.execute(
        "SELECT through || '+00:00', settled_at || '+00:00', states_through || '+00:00', "
        "open_ids, data FROM floor_checkpoint WHERE day_start = ? AND day_end = ?",
        (sqlite_text(day_start), sqlite_text(day_end)),
    ).fetchone()
    return None if row is None else _decode(day_start, day_end, list(row[:3]), row[3], row[4])


def save(conn: sqlite3.Connection, mark: ck.Checkpoint) -> bool:
    """Keep ``mark`` (replacing the day's) inside the caller's read transaction, and commit;
    False, with nothing written, where it cannot be done at once."""
    try:
        conn.execute("PRAGMA busy_timeout = 0")  # never keep a script waiting for a feed
        conn.execute(
            "INSERT OR REPLACE INTO floor_checkpoint "
            "(day_start, day_end, through, settled_at, states_through, open_ids, data) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                sqlite_text(mark.day_start),
                sqlite_text(mark.day_end),
                sqlite_text(mark.through),
                sqlite_text(mark.settled_at),
                sqlite_text(mark.states_through),
                json.dumps(sorted(mark.open)),
                _encode(mark),
            ),
        )
        conn.execute(
            "DELETE FROM floor_checkpoint WHERE day_end < ?", (sqlite_text(mark.day_start - KEEP),)
        )
        conn.execute("COMMIT")
    except sqlite3.Error:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        return False
    return True
