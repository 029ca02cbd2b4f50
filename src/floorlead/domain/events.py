"""The native event format (JSON Lines, version 1) as plain dataclasses.

Every feed, the simulator included, produces these, so there is one path into the store.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from floorlead.domain.vocabulary import (
    ACTIVITIES as ACTIVITIES,
)
from floorlead.domain.vocabulary import (
    AGENT_STATES as AGENT_STATES,
)
from floorlead.domain.vocabulary import (
    CHANNELS as CHANNELS,
)
from floorlead.domain.vocabulary import (
    ESCALATION_KINDS as ESCALATION_KINDS,
)
from floorlead.domain.vocabulary import (
    PRIORITIES as PRIORITIES,
)
from floorlead.domain.vocabulary import (
    PUNCH_KINDS as PUNCH_KINDS,
)
from floorlead.domain.vocabulary import (
    UNREADABLE as UNREADABLE,
)
from floorlead.domain.vocabulary import (
    EventError as EventError,
)
from floorlead.domain.vocabulary import (
    SlTarget as SlTarget,
)
from floorlead.domain.vocabulary import (
    unreadable as unreadable,
)


@dataclass(frozen=True)
class Event:
    """Base of every native event; ``id`` makes an event idempotent."""

    id: str | None = field(default=None, kw_only=True)


@dataclass(frozen=True)
class QueueUpsert(Event):
    """A queue and its settings; None keeps what is stored (its id as name, voice and 80/20
    when new): a vendor mentioning a queue never renames one a supervisor named."""

    queue: str
    name: str | None
    channel: str | None
    sl_target: SlTarget | None


@dataclass(frozen=True)
class AgentUpsert(Event):
    """An agent; ``team``/``queues`` None keep what is stored (vendor feeds rarely send both)."""

    agent: str
    name: str
    team: str | None
    queues: tuple[str, ...] | None


@dataclass(frozen=True)
class AgentQueueMembership(Event):
    """An agent joins (``member``) or leaves one queue, as Asterisk reports it."""

    at: datetime
    agent: str
    queue: str
    member: bool


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
class ContactRecord(Event):
    """A whole contact as a vendor reports it after the fact (an Amazon Connect CTR).

    Records arrive at least once and may be updated: the copy with the latest ``updated``
    wins, whatever order they arrive in.
    """

    updated: datetime
    contact: str
    queue: str
    queued_at: datetime
    agent: str | None = None
    answered_at: datetime | None = None
    abandoned_at: datetime | None = None
    ended_at: datetime | None = None
    wrapped_at: datetime | None = None
    hold_s: int = 0


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
    try:
        parsed = datetime.fromisoformat(value)  # Python 3.11 reads "Z" and most of ISO 8601
    except ValueError:
        try:
            parsed = datetime.fromisoformat(value.strip().upper())
        except ValueError:
            raise EventError(f"{key} {value!r} is not an ISO 8601 time") from None
    if parsed.tzinfo is None:  # fromisoformat only ever gives fixed offsets otherwise
        raise EventError(f"{key} {value!r} has no time zone offset")
    return sane_instant(parsed if parsed.tzinfo is UTC else parsed.astimezone(UTC), key)


#: the instants a floor can hold; year 1 or 9999 would overflow the reorder window's sums
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)


def sane_instant(at: datetime, key: str = "at") -> datetime:
    """``at`` if a floor can hold it; one sentence otherwise."""
    if not EARLIEST <= at < LATEST:
        raise EventError(f"{key} {at.isoformat()} is not a time a floor can hold (1970–2199)")
    return at


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


def _queue_upsert(obj: dict[str, Any], ident: str | None) -> Event:
    return QueueUpsert(
        queue=_text(obj, "queue"),
        name=_text(obj, "name", required=False) or None,
        channel=_choice(obj, "channel", CHANNELS) if obj.get("channel") is not None else None,
        sl_target=SlTarget.parse(str(obj["sl_target"])) if obj.get("sl_target") else None,
        id=ident,
    )


def _agent_upsert(obj: dict[str, Any], ident: str | None) -> Event:
    queues = obj.get("queues")
    if queues is not None and (
        not isinstance(queues, list) or not all(isinstance(q, str) for q in queues)
    ):
        raise EventError("queues must be a list of queue ids")
    team = obj.get("team")
    if team is not None and not isinstance(team, str):
        raise EventError("field 'team' must be a string")
    return AgentUpsert(
        agent=_text(obj, "agent"),
        name=_text(obj, "name", required=False) or _text(obj, "agent"),
        team=team,
        queues=None if queues is None else tuple(queues),
        id=ident,
    )


def _schedule(obj: dict[str, Any], ident: str | None) -> Event:
    start = parse_instant(obj.get("start"), "start")
    end = parse_instant(obj.get("end"), "end")
    if end <= start:
        raise EventError("schedule end must be after its start")
    return ScheduleBlock(
        agent=_text(obj, "agent"),
        start=start,
        end=end,
        activity=_choice(obj, "activity", ACTIVITIES),
        id=ident,
    )


def _agent_state(obj: dict[str, Any], ident: str | None) -> Event:
    return AgentStateChanged(
        at=parse_instant(obj.get("at")),
        agent=_text(obj, "agent"),
        state=_choice(obj, "state", AGENT_STATES),
        reason=_text(obj, "reason", required=False),
        id=ident,
    )


def _agent_queue(obj: dict[str, Any], ident: str | None) -> Event:
    member = obj.get("member")
    if not isinstance(member, bool):
        raise EventError("field 'member' must be true or false")
    return AgentQueueMembership(
        at=parse_instant(obj.get("at")),
        agent=_text(obj, "agent"),
        queue=_text(obj, "queue"),
        member=member,
        id=ident,
    )


def _contact_queued(obj: dict[str, Any], ident: str | None) -> Event:
    at = parse_instant(obj.get("at"))
    return ContactQueued(at=at, contact=_text(obj, "contact"), queue=_text(obj, "queue"), id=ident)


def _contact_answered(obj: dict[str, Any], ident: str | None) -> Event:
    at = parse_instant(obj.get("at"))
    return ContactAnswered(
        at=at, contact=_text(obj, "contact"), agent=_text(obj, "agent"), id=ident
    )


def _contact_moment(
    cls: type[ContactAbandoned | ContactEnded | ContactWrapped],
) -> Callable[[dict[str, Any], str | None], Event]:
    def parse(obj: dict[str, Any], ident: str | None) -> Event:
        return cls(at=parse_instant(obj.get("at")), contact=_text(obj, "contact"), id=ident)

    return parse


def _escalation(obj: dict[str, Any], ident: str | None) -> Event:
    return EscalationRaised(
        at=parse_instant(obj.get("at")),
        escalation=_text(obj, "escalation"),
        priority=_choice(obj, "priority", PRIORITIES),
        kind=_choice(obj, "kind", ESCALATION_KINDS),
        contact=_text(obj, "contact", required=False) or None,
        agent=_text(obj, "agent", required=False) or None,
        queue=_text(obj, "queue", required=False) or None,
        reason=_text(obj, "reason", required=False),
        customer=_text(obj, "customer", required=False),
        amount=_amount(obj.get("amount")),
        id=ident,
    )


def _punch(obj: dict[str, Any], ident: str | None) -> Event:
    return Punch(
        at=parse_instant(obj.get("at")),
        agent=_text(obj, "agent"),
        kind=_choice(obj, "kind", PUNCH_KINDS),
        id=ident,
    )


def parse_event(obj: Any) -> Event:
    """Turn one decoded JSON object into an event, or raise :class:`EventError`."""
    if not isinstance(obj, dict):
        raise EventError("an event must be a JSON object")
    kind = obj.get("type")
    if kind is None:
        raise EventError("missing field 'type'")
    parser = _PARSERS.get(kind) if isinstance(kind, str) else None
    if parser is None:
        raise EventError(f"unknown event type {kind!r}")
    event_id = obj.get("id")
    if event_id is not None and not isinstance(event_id, str):
        event_id = str(event_id)
    return parser(obj, event_id)


def _optional_instant(obj: dict[str, Any], key: str) -> datetime | None:
    return None if obj.get(key) is None else parse_instant(obj[key], key)


def _contact_record(obj: dict[str, Any], event_id: str | None) -> Event:
    hold = obj.get("hold_s", 0)
    if isinstance(hold, bool) or not isinstance(hold, (int, float)) or not 0 <= hold < 86400:
        raise EventError(f"hold_s {hold!r} is not a number of seconds")
    record = ContactRecord(
        updated=parse_instant(obj.get("updated"), "updated"),
        contact=_text(obj, "contact"),
        queue=_text(obj, "queue"),
        queued_at=parse_instant(obj.get("queued"), "queued"),
        agent=_text(obj, "agent", required=False) or None,
        answered_at=_optional_instant(obj, "answered"),
        abandoned_at=_optional_instant(obj, "abandoned"),
        ended_at=_optional_instant(obj, "ended"),
        wrapped_at=_optional_instant(obj, "wrapped"),
        hold_s=int(hold),
        id=event_id,
    )
    check_record(record)
    return record


def check_record(r: ContactRecord) -> None:
    """The order a contact's moments must come in, so a vendor's odd record is refused whole."""
    if r.answered_at is not None and r.abandoned_at is not None:
        raise EventError(f"contact {r.contact!r} is both answered and abandoned")
    if r.answered_at is not None and r.agent is None:
        raise EventError(f"contact {r.contact!r} is answered but names no agent")
    chain = [r.queued_at, r.answered_at or r.abandoned_at, r.ended_at, r.wrapped_at]
    known = [t for t in chain if t is not None]
    if known != sorted(known):
        raise EventError(f"contact {r.contact!r} has its times out of order")
    if (r.ended_at or r.wrapped_at) and r.answered_at is None:
        raise EventError(f"contact {r.contact!r} ended without being answered")


_PARSERS: dict[str, Callable[[dict[str, Any], str | None], Event]] = {
    "queue.upsert": _queue_upsert,
    "agent.upsert": _agent_upsert,
    "agent.queue": _agent_queue,
    "schedule": _schedule,
    "agent.state": _agent_state,
    "contact.queued": _contact_queued,
    "contact.answered": _contact_answered,
    "contact.abandoned": _contact_moment(ContactAbandoned),
    "contact.ended": _contact_moment(ContactEnded),
    "contact.wrapped": _contact_moment(ContactWrapped),
    "contact.record": _contact_record,
    "escalation.raised": _escalation,
    "punch": _punch,
}
EVENT_TYPES = frozenset(_PARSERS)


def parse_line(line: str) -> Event:
    """Parse one JSON Lines record."""
    text = line.strip()
    try:
        obj, end = _DECODER.raw_decode(text)  # json.loads without its second whitespace scan
    except json.JSONDecodeError as exc:
        raise EventError(f"not valid JSON ({exc.msg} at column {exc.colno})") from None
    if end != len(text):
        raise EventError(f"not valid JSON (extra data at column {end + 1})")
    return parse_event(obj)


_DECODER = json.JSONDecoder()


def event_time(event: Event) -> datetime | None:
    """When an event happened, for putting a feed back in order; None for definitions."""
    at = getattr(event, "at", None)
    if at is not None:
        return at  # type: ignore[no-any-return]
    return event.updated if isinstance(event, ContactRecord) else None
