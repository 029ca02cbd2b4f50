"""The native event format (JSON Lines, version 1) as plain dataclasses.

Every feed, the simulator included, produces these, so there is one path into the store.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from floorlead.domain.when import iso_utc

AGENT_STATES = (
    "offline",
    "available",
    "on_contact",
    "acw",
    "break",
    "lunch",
    "meeting",
    "training",
    "coaching",
)
ACTIVITIES = ("work", "break", "lunch", "meeting", "training", "coaching")
CHANNELS = ("voice", "chat", "email")
PRIORITIES = ("P1", "P2", "P3", "P4")
ESCALATION_KINDS = ("complaint", "refund", "approval", "technical", "other")
PUNCH_KINDS = ("in", "out", "break_start", "break_end", "meal_start", "meal_end")


class EventError(ValueError):
    """An event that cannot be applied; the message says why in one sentence."""


@dataclass(frozen=True)
class SlTarget:
    """A service-level target such as 80/20: ``percent`` answered within ``seconds``."""

    percent: int
    seconds: int

    @classmethod
    def parse(cls, text: str) -> SlTarget:
        try:
            pct, secs = (int(part) for part in text.strip().split("/"))
        except ValueError:
            raise EventError(f"service-level target {text!r} is not like 80/20") from None
        if not 0 < pct <= 100 or secs < 0:
            raise EventError(f"service-level target {text!r} is out of range")
        return cls(pct, secs)

    def __str__(self) -> str:
        return f"{self.percent}/{self.seconds}"


@dataclass(frozen=True)
class Event:
    """Base of every native event; ``id`` makes an event idempotent."""

    id: str | None = field(default=None, kw_only=True)


@dataclass(frozen=True)
class QueueUpsert(Event):
    queue: str
    name: str
    channel: str
    sl_target: SlTarget


@dataclass(frozen=True)
class AgentUpsert(Event):
    agent: str
    name: str
    team: str
    queues: tuple[str, ...]


@dataclass(frozen=True)
class ScheduleBlock(Event):
    agent: str
    start: datetime
    end: datetime
    activity: str


@dataclass(frozen=True)
class AgentStateChanged(Event):
    at: datetime
    agent: str
    state: str
    reason: str = ""


@dataclass(frozen=True)
class ContactQueued(Event):
    at: datetime
    contact: str
    queue: str


@dataclass(frozen=True)
class ContactAnswered(Event):
    at: datetime
    contact: str
    agent: str


@dataclass(frozen=True)
class ContactAbandoned(Event):
    at: datetime
    contact: str


@dataclass(frozen=True)
class ContactEnded(Event):
    at: datetime
    contact: str


@dataclass(frozen=True)
class ContactWrapped(Event):
    at: datetime
    contact: str


@dataclass(frozen=True)
class EscalationRaised(Event):
    at: datetime
    escalation: str
    priority: str
    kind: str
    contact: str | None = None
    agent: str | None = None
    queue: str | None = None
    reason: str = ""
    customer: str = ""
    amount: Decimal | None = None


@dataclass(frozen=True)
class Punch(Event):
    at: datetime
    agent: str
    kind: str


# ---------------------------------------------------------------- parsing


def parse_instant(value: Any, key: str = "at") -> datetime:
    """An ISO 8601 instant with an offset or ``Z``, returned in UTC; naive times are refused."""
    if not isinstance(value, str):
        raise EventError(f"{key} must be an ISO 8601 time, got {value!r}")
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise EventError(f"{key} {value!r} is not an ISO 8601 time") from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise EventError(f"{key} {value!r} has no time zone offset")
    return parsed.astimezone(UTC)


def _text(obj: dict[str, Any], key: str, *, required: bool = True, default: str = "") -> str:
    value = obj.get(key)
    if value is None:
        if required:
            raise EventError(f"missing field {key!r}")
        return default
    if not isinstance(value, str) or (required and not value.strip()):
        raise EventError(f"field {key!r} must be a non-empty string")
    return value


def _choice(obj: dict[str, Any], key: str, allowed: tuple[str, ...]) -> str:
    value = _text(obj, key)
    if value not in allowed:
        raise EventError(f"{key} {value!r} is not one of {', '.join(allowed)}")
    return value


def _amount(value: Any) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise EventError(f"amount {value!r} is not a number")
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise EventError(f"amount {value!r} is not a number") from None
    if not amount.is_finite() or amount < 0:
        raise EventError(f"amount {value!r} must be zero or more")
    return amount.quantize(Decimal("0.01"))


def parse_event(obj: Any) -> Event:
    """Turn one decoded JSON object into an event, or raise :class:`EventError`."""
    if not isinstance(obj, dict):
        raise EventError("an event must be a JSON object")
    kind = obj.get("type")
    event_id = obj.get("id")
    if event_id is not None and not isinstance(event_id, str):
        event_id = str(event_id)
    ident = {"id": event_id}
    if kind == "queue.upsert":
        return QueueUpsert(
            queue=_text(obj, "queue"),
            name=_text(obj, "name", required=False) or _text(obj, "queue"),
            channel=_choice(obj, "channel", CHANNELS),
            sl_target=SlTarget.parse(_text(obj, "sl_target", required=False, default="80/20")),
            **ident,
        )
    if kind == "agent.upsert":
        queues = obj.get("queues", [])
        if not isinstance(queues, list) or not all(isinstance(q, str) for q in queues):
            raise EventError("queues must be a list of queue ids")
        return AgentUpsert(
            agent=_text(obj, "agent"),
            name=_text(obj, "name", required=False) or _text(obj, "agent"),
            team=_text(obj, "team", required=False),
            queues=tuple(queues),
            **ident,
        )
    if kind == "schedule":
        start = parse_instant(obj.get("start"), "start")
        end = parse_instant(obj.get("end"), "end")
        if end <= start:
            raise EventError("schedule end must be after its start")
        return ScheduleBlock(
            agent=_text(obj, "agent"),
            start=start,
            end=end,
            activity=_choice(obj, "activity", ACTIVITIES),
            **ident,
        )
    if kind is None:
        raise EventError("missing field 'type'")
    at = parse_instant(obj.get("at"))
    if kind == "agent.state":
        return AgentStateChanged(
            at=at,
            agent=_text(obj, "agent"),
            state=_choice(obj, "state", AGENT_STATES),
            reason=_text(obj, "reason", required=False),
            **ident,
        )
    if kind == "contact.queued":
        return ContactQueued(
            at=at, contact=_text(obj, "contact"), queue=_text(obj, "queue"), **ident
        )
    if kind == "contact.answered":
        return ContactAnswered(
            at=at, contact=_text(obj, "contact"), agent=_text(obj, "agent"), **ident
        )
    if kind == "contact.abandoned":
        return ContactAbandoned(at=at, contact=_text(obj, "contact"), **ident)
    if kind == "contact.ended":
        return ContactEnded(at=at, contact=_text(obj, "contact"), **ident)
    if kind == "contact.wrapped":
        return ContactWrapped(at=at, contact=_text(obj, "contact"), **ident)
    if kind == "escalation.raised":
        return EscalationRaised(
            at=at,
            escalation=_text(obj, "escalation"),
            priority=_choice(obj, "priority", PRIORITIES),
            kind=_choice(obj, "kind", ESCALATION_KINDS),
            contact=_text(obj, "contact", required=False) or None,
            agent=_text(obj, "agent", required=False) or None,
            queue=_text(obj, "queue", required=False) or None,
            reason=_text(obj, "reason", required=False),
            customer=_text(obj, "customer", required=False),
            amount=_amount(obj.get("amount")),
            **ident,
        )
    if kind == "punch":
        return Punch(
            at=at, agent=_text(obj, "agent"), kind=_choice(obj, "kind", PUNCH_KINDS), **ident
        )
    raise EventError(f"unknown event type {kind!r}")


def parse_line(line: str) -> Event:
    """Parse one JSON Lines record."""
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        raise EventError(f"not valid JSON ({exc.msg} at column {exc.colno})") from None
    return parse_event(obj)


def to_json(event: Event) -> str:
    """Serialise an event back to one native JSON Lines record."""
    out: dict[str, Any] = {}
    if isinstance(event, QueueUpsert):
        out = {
            "type": "queue.upsert",
            "queue": event.queue,
            "name": event.name,
            "channel": event.channel,
            "sl_target": str(event.sl_target),
        }
    elif isinstance(event, AgentUpsert):
        out = {
            "type": "agent.upsert",
            "agent": event.agent,
            "name": event.name,
            "team": event.team,
            "queues": list(event.queues),
        }
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
