"""The native event format: parsing, refusals with a reason, and the round trip."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from floorlead.domain import events as ev
from floorlead.domain.event_json import to_json
from tests.conftest import FROZEN, make_simulator


def test_parses_every_documented_type() -> None:
    lines = [
        '{"type":"queue.upsert","queue":"billing","name":"Billing","channel":"voice",'
        '"sl_target":"80/20"}',
        '{"type":"agent.upsert","agent":"a07","name":"Dana Reyes","team":"North",'
        '"queues":["billing","tech"]}',
        '{"type":"schedule","agent":"a07","start":"2026-11-23T09:00:00-05:00",'
        '"end":"2026-11-23T17:30:00-05:00","activity":"work"}',
        '{"type":"agent.state","at":"2026-11-23T14:00:00Z","agent":"a07","state":"available"}',
        '{"type":"contact.queued","at":"2026-11-23T14:00:00Z","contact":"c1","queue":"billing"}',
        '{"type":"contact.answered","at":"2026-11-23T14:00:10Z","contact":"c1","agent":"a07"}',
        '{"type":"contact.abandoned","at":"2026-11-23T14:00:10Z","contact":"c2"}',
        '{"type":"contact.ended","at":"2026-11-23T14:05:00Z","contact":"c1"}',
        '{"type":"contact.wrapped","at":"2026-11-23T14:06:00Z","contact":"c1"}',
        '{"type":"escalation.raised","at":"2026-11-23T14:05:00Z","escalation":"e55",'
        '"contact":"c1","agent":"a07","queue":"billing","priority":"P1","kind":"approval",'
        '"reason":"big order","customer":"J. Doe","amount":1250.00}',
        '{"type":"punch","at":"2026-11-23T14:00:00Z","agent":"a07","kind":"in"}',
    ]
    parsed = [ev.parse_line(line) for line in lines]
    assert [type(p).__name__ for p in parsed] == [
        "QueueUpsert",
        "AgentUpsert",
        "ScheduleBlock",
        "AgentStateChanged",
        "ContactQueued",
        "ContactAnswered",
        "ContactAbandoned",
        "ContactEnded",
        "ContactWrapped",
        "EscalationRaised",
        "Punch",
    ]
    schedule = parsed[2]
    assert isinstance(schedule, ev.ScheduleBlock)
    assert schedule.start == datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
    raised = parsed[9]
    assert isinstance(raised, ev.EscalationRaised) and raised.amount == Decimal("1250.00")
    queue = parsed[0]
    assert isinstance(queue, ev.QueueUpsert) and queue.sl_target == ev.SlTarget(80, 20)


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("{not json", "not valid JSON"),
        ('{"type":"contact.teleported","at":"2026-11-23T14:00:00Z"}', "unknown event type"),
        (
            '{"type":"contact.queued","at":"2026-11-23T14:00:00","contact":"c","queue":"q"}',
            "no time zone",
        ),
        (
            '{"type":"contact.queued","at":"yesterday","contact":"c","queue":"q"}',
            "not an ISO 8601 time",
        ),
        (
            '{"type":"contact.queued","at":"2026-11-23T14:00:00Z","queue":"q"}',
            "missing field 'contact'",
        ),
        (
            '{"type":"agent.state","at":"2026-11-23T14:00:00Z","agent":"a","state":"napping"}',
            "is not one of",
        ),
        (
            '{"type":"queue.upsert","queue":"q","channel":"voice","sl_target":"80%"}',
            "not like 80/20",
        ),
        (
            '{"type":"escalation.raised","at":"2026-11-23T14:00:00Z","escalation":"e",'
            '"priority":"P1","kind":"refund","amount":"lots"}',
            "not a number",
        ),
        (
            '{"type":"schedule","agent":"a","start":"2026-11-23T14:00:00Z",'
            '"end":"2026-11-23T13:00:00Z","activity":"work"}',
            "after its start",
        ),
        ("[1, 2]", "must be a JSON object"),
    ],
)
def test_refuses_bad_lines_with_a_reason(line: str, reason: str) -> None:
    with pytest.raises(ev.EventError, match=reason):
        ev.parse_line(line)


def test_unknown_fields_are_ignored() -> None:
    event = ev.parse_line(
        '{"type":"contact.ended","at":"2026-11-23T14:00:00Z","contact":"c1","vendor_extra":{"x":1}}'
    )
    assert event == ev.ContactEnded(at=datetime(2026, 11, 23, 14, tzinfo=UTC), contact="c1")


def test_simulator_events_round_trip_through_json() -> None:
    sim = make_simulator(agents=6)
    events = sim.setup_events() + sim.advance(FROZEN)
    assert len(events) > 500
    for event in events:
        line = to_json(event)
        assert json.loads(line)["type"]
        assert ev.parse_line(line) == event
