"""The vendors' real and documented traffic gives the floor a supervisor must see.

Fixtures are written from the vendors' documented layouts (Amazon's "Agent event streams" and
"Determine ACW time" pages, Asterisk's AMI event documentation for 11 and 12+, Twilio's TaskRouter
Events reference and Event Streams types); where ``../shared/vendor-samples`` exists beside the
checkout, the captures there are replayed too (skipped, saying why, where it does not).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from floorlead.config import DEFAULT_FEED_STATES, FloorSettings, Settings
from floorlead.feeds.ami import AmiTranslator
from floorlead.feeds.connect import ConnectTranslator
from floorlead.feeds.pipeline import FeedRun, Quarantine, Record
from floorlead.feeds.taskrouter import TaskRouterTranslator
from floorlead.store.db import FloorDatabase
from floorlead.store.floor import floor_snapshot
from floorlead.store.views import FloorSnapshot

STATES = dict(DEFAULT_FEED_STATES)
SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "vendor-samples"
needs_samples = pytest.mark.skipif(
    not SAMPLES.is_dir(),
    reason=f"no vendor samples at {SAMPLES} (they sit beside a developer's checkout only)",
)


def apply(db: FloorDatabase, records: Iterable[Record | None], window: float = 5) -> FeedRun:
    run = FeedRun(db, "test", window_s=window, quarantine=Quarantine(None, "test"))
    run.run(r for r in records if r is not None)
    return run


def board(db: FloorDatabase, now: datetime) -> FloorSnapshot:
    settings = Settings(floor=FloorSettings(timezone="UTC"))
    with db.connect() as conn:
        return floor_snapshot(conn, settings, now)


def states_of(db: FloorDatabase, agent: str) -> list[tuple[str, datetime]]:
    from sqlalchemy import text

    with db.connect() as conn:
        got = conn.execute(
            text("SELECT state, at FROM agent_state WHERE agent_id = :a ORDER BY at, id"),
            {"a": agent},
        )
        return [(s, datetime.fromisoformat(str(a)).replace(tzinfo=UTC)) for s, a in got]


def iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


# ------------------------------------------------------------------ Amazon Connect agents


def snapshot(status: str, status_since: str, contacts: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "AgentStatus": {"ARN": "arn:status", "Name": status, "StartTimestamp": status_since},
        "Configuration": {
            "AgentHierarchyGroups": None,
            "FirstName": "Dana",
            "LastName": "Reyes",
            "RoutingProfile": {
                "ARN": "arn:rp",
                "Name": "Basic Routing Profile",
                "InboundQueues": [{"ARN": "arn:q", "Name": "BasicQueue"}],
            },
            "Username": "dreyes",
        },
        "Contacts": contacts,
    }


def contact(cid: str, state: str, since: str, connected: str | None = None) -> dict[str, Any]:
    return {
        "Channel": "VOICE",
        "ConnectedToAgentTimestamp": connected,
        "ContactId": cid,
        "InitialContactId": None,
        "InitiationMethod": "INBOUND",
        "Queue": {"ARN": "arn:q", "Name": "BasicQueue"},
        "QueueTimestamp": None,
        "State": state,
        "StateStartTimestamp": since,
    }


def agent_record(
    event_id: str,
    at: str,
    current: dict[str, Any],
    previous: dict[str, Any] | None,
    kind: str = "STATE_CHANGE",
) -> str:
    """A record in the layout of Amazon's "Amazon Connect agent event streams" page."""
    return json.dumps(
        {
            "AWSAccountId": "012345678901",
            "AgentARN": "arn:aws:connect:us-east-1:012345678901:instance/i/agent/a",
            "CurrentAgentSnapshot": current,
            "EventId": event_id,
            "EventTimestamp": at,
            "EventType": kind,
            "InstanceARN": "arn:aws:connect:us-east-1:012345678901:instance/i",
            "PreviousAgentSnapshot": previous,
            "Version": "2019-05-25",
        }
    )


SINCE = "2019-05-25T18:43:59.049Z"
CONNECTED = "2019-05-25T18:55:21.011Z"
ENDED = "2019-05-25T18:55:27.017Z"
ACW_OVER = "2019-05-25T18:55:32.022Z"


def connect_cycle() -> list[str]:
    """AWS's "Determine ACW time" example around a whole contact: available, connected, ended
    (ACW starts), then a record with no contacts while the status stays "Available" since
    before the contact (ACW over at the record's EventTimestamp)."""
    idle = snapshot("Available", SINCE, [])
    talking = snapshot("Available", SINCE, [contact("c-1", "CONNECTED", CONNECTED, CONNECTED)])
    wrapping = snapshot("Available", SINCE, [contact("c-1", "ENDED", ENDED, CONNECTED)])
    return [
        agent_record("e0", SINCE, idle, None),
        agent_record("e1", CONNECTED, talking, idle),
        agent_record("e2", ENDED, wrapping, talking),
        agent_record("e3", ACW_OVER, idle, wrapping),
    ]


def test_connect_acw_ends_when_the_record_says_so_not_at_the_status_start(
    db: FloorDatabase,
) -> None:
    lines = [line + "\n" for line in connect_cycle()]
    run = apply(db, ConnectTranslator(STATES).records(lines, "agent"))
    assert run.quarantine.items == []
    assert states_of(db, "dreyes") == [
        ("available", iso(SINCE)),
        ("on_contact", iso(CONNECTED)),
        ("acw", iso(ENDED)),
        ("available", iso(ACW_OVER)),
    ]
    snap = board(db, iso(ACW_OVER) + timedelta(minutes=5))
    (agent,) = snap.agents
    assert (agent.state, agent.state_since) == ("available", iso(ACW_OVER))
    again = apply(db, ConnectTranslator(STATES).records(lines, "agent"))
    assert again.counts.applied == 0


def test_connect_acw_end_alone_after_a_restart_is_not_taken_for_a_duplicate(
    db: FloorDatabase,
) -> None:
    """A fresh translator (the feed restarted) reading only the record that ends ACW still
    dates it from the record: the previous snapshot had a contact."""
    lines = [line + "\n" for line in connect_cycle()]
    apply(db, ConnectTranslator(STATES).records(lines[:3], "agent"))
    apply(db, ConnectTranslator(STATES).records(lines[3:], "agent"))
    assert states_of(db, "dreyes")[-1] == ("available", iso(ACW_OVER))


def test_connect_several_contacts_take_the_state_start_from_the_record(db: FloorDatabase) -> None:
    """Two chats: the agent is on contact from the first connection, whatever the list order;
    ACW begins when the last one ends; available again when none is left."""
    t = ["2026-11-23T15:00:00Z", "2026-11-23T15:01:00Z", "2026-11-23T15:02:00Z"]
    t += ["2026-11-23T15:03:00Z", "2026-11-23T15:04:00Z", "2026-11-23T15:05:00Z"]
    idle = snapshot("Available", t[0], [])
    a_on = contact("chat-a", "CONNECTED", t[1], t[1])
    b_on = contact("chat-b", "CONNECTED", t[2], t[2])
    a_end = contact("chat-a", "ENDED", t[3], t[1])
    b_end = contact("chat-b", "ENDED", t[4], t[2])
    one = snapshot("Available", t[0], [a_on])
    two = snapshot("Available", t[0], [b_on, a_on])  # the newer contact listed first
    one_left = snapshot("Available", t[0], [b_on, a_end])
    both_done = snapshot("Available", t[0], [a_end, b_end])
    lines = [
        agent_record("x0", t[0], idle, None),
        agent_record("x1", t[1], one, idle),
        agent_record("x2", t[2], two, one),
        agent_record("x3", t[3], one_left, two),
        agent_record("x4", t[4], both_done, one_left),
        agent_record("x5", t[5], idle, both_done),
    ]
    fresh = ConnectTranslator(STATES)
    run = apply(db, fresh.records([line + "\n" for line in lines], "agent"))
    assert run.quarantine.items == []
    assert states_of(db, "dreyes") == [
        ("available", iso(t[0])),
        ("on_contact", iso(t[1])),
        ("acw", iso(t[4])),
        ("available", iso(t[5])),
    ]


@needs_samples
@pytest.mark.parametrize(
    "name", ["connect_agent_docs_acw.jsonl", "connect_agent_docs_acw_fullcycle.jsonl"]
)
def test_connect_agent_samples_leave_acw(db: FloorDatabase, name: str) -> None:
    lines = (SAMPLES / name).read_text().splitlines(keepends=True)
    run = apply(db, ConnectTranslator(STATES).records(lines, "agent"))
    assert run.quarantine.items == []
    agent = "(Removed)"
    got = states_of(db, agent)
    assert ("acw", iso(ENDED)) in got
    assert got[-1] == ("available", iso(ACW_OVER))
    if name.endswith("fullcycle.jsonl"):
        assert got == [
            ("available", iso(SINCE)),
            ("on_contact", iso(CONNECTED)),
            ("acw", iso(ENDED)),
            ("available", iso(ACW_OVER)),
        ]


@needs_samples
def test_connect_heartbeat_sample_is_an_available_agent_in_its_queue(db: FloorDatabase) -> None:
    lines = (SAMPLES / "connect_agent_docs_heartbeat.jsonl").read_text().splitlines(True)
    run = apply(db, ConnectTranslator(STATES).records(lines, "agent"))
    assert run.quarantine.items == []
    snap = board(db, iso("2019-08-13T21:00:00Z"))
    (agent,) = snap.agents
    assert (agent.id, agent.state) == ("aestest", "available")
    assert "Omni-channel-queue" in agent.queues
