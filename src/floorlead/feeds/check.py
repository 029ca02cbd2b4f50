"""``feed check``: what a vendor file would give the floor, and where the board would mislead.

A dry run through the one pipeline: the file is translated by its adapter and applied to a
throwaway database in a temporary folder (so what the store would refuse is found too), then
summed up. The floor's own database is never opened.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from floorlead.domain import events as ev
from floorlead.feeds.pipeline import FeedRun, Quarantine, Record

#: An agent still in after-call work this long before the file's last event never left it.
STUCK_ACW_S = 600


@dataclass
class FeedCheck:
    """Everything the file said, summed as it is read."""

    format: str
    read: int = 0
    agents: dict[str, str] = field(default_factory=dict)
    queues: set[str] = field(default_factory=set)
    members: dict[str, set[str]] = field(default_factory=dict)
    membership_seen: bool = False
    states: Counter[str] = field(default_factory=Counter)
    contacts: dict[str, dict[str, datetime | None]] = field(default_factory=dict)
    last_state: dict[str, tuple[str, datetime]] = field(default_factory=dict)
    last_at: datetime | None = None
    left_out: Counter[str] = field(default_factory=Counter)
    quarantined: list[tuple[int, str]] = field(default_factory=list)

    def see(self, event: ev.Event) -> None:
        at = getattr(event, "at", None)
        if isinstance(at, datetime):
            self._later(at)
        if isinstance(event, ev.QueueUpsert):
            self.queues.add(event.queue)
        elif isinstance(event, ev.AgentUpsert):
            self.agents[event.agent] = event.name
            if event.queues is not None:
                self.members[event.agent] = set(event.queues)
                self.membership_seen |= bool(event.queues)
        elif isinstance(event, ev.AgentQueueMembership):
            self.membership_seen = True
            held = self.members.setdefault(event.agent, set())
            (held.add if event.member else held.discard)(event.queue)
        elif isinstance(event, ev.AgentStateChanged):
            self.agents.setdefault(event.agent, event.agent)
            self.states[event.state] += 1
            last = self.last_state.get(event.agent)
            if last is None or event.at >= last[1]:
                self.last_state[event.agent] = (event.state, event.at)
        elif isinstance(event, ev.ContactRecord):
            self.queues.add(event.queue)
            self.contacts[event.contact] = {
                "queued": event.queued_at,
                "answered": event.answered_at,
                "abandoned": event.abandoned_at,
                "ended": event.ended_at,
                "wrapped": event.wrapped_at,
            }
            self._later(event.wrapped_at or event.ended_at or event.abandoned_at)
        elif isinstance(event, CONTACT_EVENTS):
            step = CONTACT_STEPS[type(event)]
            self.contacts.setdefault(event.contact, {}).setdefault(step, event.at)

    def _later(self, at: datetime | None) -> None:
        if at is not None and (self.last_at is None or at > self.last_at):
            self.last_at = at

    # -- the summary -------------------------------------------------------------------------

    def contact_counts(self) -> dict[str, int]:
        def count(step: str) -> int:
            return sum(1 for c in self.contacts.values() if c.get(step) is not None)

        still_open = sum(
            1
            for c in self.contacts.values()
            if c.get("abandoned") is None and c.get("wrapped") is None
        )
        return {
            "queued": count("queued"),
            "answered": count("answered"),
            "abandoned": count("abandoned"),
            "ended": count("ended"),
            "wrapped": count("wrapped"),
            "open_at_end": still_open,
        }

    def warnings(self) -> list[str]:
        out = []
        if self.agents and not self.membership_seen:
            out.append("no queue membership seen: staffed will read 0 for every queue")
        if self.last_at is not None:
            stuck = [
                agent
                for agent, (state, since) in self.last_state.items()
                if state == "acw" and (self.last_at - since).total_seconds() >= STUCK_ACW_S
            ]
            if stuck:
                out.append(
                    f"agents never leave after-call work: {len(stuck)} still in ACW "
                    f"{STUCK_ACW_S // 60} minutes or more before the file ends "
                    f"({', '.join(sorted(stuck)[:3])})"
                )
        answered = [c for c in self.contacts.values() if c.get("answered") is not None]
        unwrapped = [c for c in answered if c.get("wrapped") is None]
        if answered and len(unwrapped) == len(answered):
            out.append(
                f"contacts never wrapped: none of the {len(answered)} answered contacts "
                "ends its after-call work, so handled and AHT will read 0"
            )
        if self.quarantined:
            out.append(f"{len(self.quarantined)} records would be quarantined")
        return out

    def document(self, file: str) -> dict[str, Any]:
        return {
            "format": self.format,
            "file": file,
            "read": self.read,
            "agents": [
                {"id": a, "name": name, "queues": sorted(self.members.get(a, ()))}
                for a, name in sorted(self.agents.items())
            ],
            "queues": sorted(self.queues | {q for qs in self.members.values() for q in qs}),
            "memberships": sum(len(q) for q in self.members.values()),
            "states": dict(sorted(self.states.items())),
            "contacts": self.contact_counts(),
            "left_out": dict(sorted(self.left_out.items())),
            "quarantined": [{"line": n, "reason": r} for n, r in self.quarantined],
            "warnings": self.warnings(),
        }


CONTACT_EVENTS = (
    ev.ContactQueued,
    ev.ContactAnswered,
    ev.ContactAbandoned,
    ev.ContactEnded,
    ev.ContactWrapped,
)
CONTACT_STEPS: dict[type, str] = dict(
    zip(CONTACT_EVENTS, ("queued", "answered", "abandoned", "ended", "wrapped"), strict=True)
)


def check_feed(fmt: str, records: Iterable[Record | None], left_out: Counter[str]) -> FeedCheck:
    """Translate and apply ``records`` to a throwaway floor; sum up what they said."""
    from floorlead.store.db import open_database, resolve_target

    check = FeedCheck(fmt)
    with tempfile.TemporaryDirectory(prefix="floorlead-check-") as folder:
        db = open_database(resolve_target(str(Path(folder) / "check.db")))
        try:
            run = FeedRun(db, "check", window_s=0, quarantine=Quarantine(None, "check"))
            for record in records:
                if record is None:
                    continue
                for event in record.events:
                    check.see(event)
                run.add(record)
            run.finish()
            check.read = run.counts.read
            check.quarantined = list(run.quarantine.items)
        finally:
            db.dispose()
    check.left_out = left_out
    return check


def render(doc: dict[str, Any]) -> str:
    """The check as a person reads it."""
    c = doc["contacts"]
    lines = [
        f"{doc['file']} as {doc['format']}: read {doc['read']} records",
        f"agents: {len(doc['agents'])}; queues: {len(doc['queues'])} "
        f"({', '.join(doc['queues'][:6]) or 'none'}); "
        f"queue memberships: {doc['memberships']}",
        "states seen: " + (", ".join(f"{s} {n}" for s, n in doc["states"].items()) or "none"),
        f"contacts: queued {c['queued']}, answered {c['answered']}, abandoned {c['abandoned']}, "
        f"ended {c['ended']}, wrapped {c['wrapped']}, still open at the end {c['open_at_end']}",
    ]
    if doc["left_out"]:
        lines.append(
            "read and left out: " + ", ".join(f"{name} {n}" for name, n in doc["left_out"].items())
        )
    for item in doc["quarantined"][:10]:
        lines.append(f"would quarantine line {item['line']}: {item['reason']}")
    if len(doc["quarantined"]) > 10:
        lines.append(f"… and {len(doc['quarantined']) - 10} more")
    for warning in doc["warnings"]:
        lines.append(f"warning: {warning}")
    if not doc["warnings"]:
        lines.append("no warnings: the board will read this feed as it is")
    return "\n".join(lines)
