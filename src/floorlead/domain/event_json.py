"""Events written back as native JSON Lines records: the inverse of ``events.parse_line``
(tests replay what they parse; benchmarks make feeds of a simulated floor).
"""

from __future__ import annotations

import json
import math
from typing import Any

from floorlead.domain.events import (
    AgentQueueMembership,
    AgentStateChanged,
    AgentUpsert,
    ContactAbandoned,
    ContactAnswered,
    ContactEnded,
    ContactQueued,
    ContactRecord,
    ContactWrapped,
    EscalationRaised,
    Event,
    Punch,
    QueueUpsert,
    ScheduleBlock,
)
from floorlead.domain.when import iso_utc


def to_json(event: Event) -> str:  # noqa: C901 - one branch per event type
    """Serialise an event back to one native JSON Lines record."""
    out: dict[str, Any] = {}
    if isinstance(event, QueueUpsert):
        out = {"type": "queue.upsert", "queue": event.queue}
        if event.name is not None:
            out["name"] = event.name
        if event.channel is not None:
            out["channel"] = event.channel
        if event.sl_target is not None:
            out["sl_target"] = str(event.sl_target)
    elif isinstance(event, AgentUpsert):
        out = {
            "type": "agent.upsert",
            "agent": event.agent,
            "name": event.name,
        }
        if event.team is not None:
            out["team"] = event.team
        if event.queues is not None:
            out["queues"] = list(event.queues)
    elif isinstance(event, AgentQueueMembership):
        out = {
            "type": "agent.queue",
            "at": iso_utc(event.at),
            "agent": event.agent,
            "queue": event.queue,
            "member": event.member,
        }
    elif isinstance(event, ContactRecord):
        out = {
            "type": "contact.record",
            "updated": iso_utc(event.updated),
            "contact": event.contact,
            "queue": event.queue,
            "queued": iso_utc(event.queued_at),
            "hold_s": event.hold_s,
        }
        if event.agent:
            out["agent"] = event.agent
        for key in ("answered", "abandoned", "ended", "wrapped"):
            moment = getattr(event, f"{key}_at")
            if moment is not None:
                out[key] = iso_utc(moment)
    elif isinstance(event, ScheduleBlock):
        out = {
            "type": "schedule",
            "agent": event.agent,
            "start": iso_utc(event.start),
            "end": iso_utc(event.end),
            "activity": event.activity,
        }
    elif isinstance(event, AgentStateChanged):
        out = {
            "type": "agent.state",
            "at": iso_utc(event.at),
            "agent": event.agent,
            "state": event.state,
        }
        if event.reason:
            out["reason"] = event.reason
    elif isinstance(event, ContactQueued):
        out = {
            "type": "contact.queued",
            "at": iso_utc(event.at),
            "contact": event.contact,
            "queue": event.queue,
        }
    elif isinstance(event, ContactAnswered):
        out = {
            "type": "contact.answered",
            "at": iso_utc(event.at),
            "contact": event.contact,
            "agent": event.agent,
        }
    elif isinstance(event, (ContactAbandoned, ContactEnded, ContactWrapped)):
        name = {ContactAbandoned: "abandoned", ContactEnded: "ended", ContactWrapped: "wrapped"}
        out = {
            "type": f"contact.{name[type(event)]}",
            "at": iso_utc(event.at),
            "contact": event.contact,
        }
    elif isinstance(event, EscalationRaised):
        out = {
            "type": "escalation.raised",
            "at": iso_utc(event.at),
            "escalation": event.escalation,
            "priority": event.priority,
            "kind": event.kind,
        }
        for key in ("contact", "agent", "queue", "reason", "customer"):
            if getattr(event, key):
                out[key] = getattr(event, key)
        if event.amount is not None:
            out["amount"] = float(event.amount) if math.isfinite(event.amount) else None
    elif isinstance(event, Punch):
        out = {"type": "punch", "at": iso_utc(event.at), "agent": event.agent, "kind": event.kind}
    if event.id is not None:
        out["id"] = event.id
    return json.dumps(out, separators=(",", ":"))
