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
from floorlead.domain.board import FloorSnapshot
from floorlead.feeds.ami import AmiTranslator
from floorlead.feeds.connect import ConnectTranslator
from floorlead.feeds.pipeline import FeedRun, Quarantine, Record
from floorlead.feeds.taskrouter import TaskRouterTranslator
from floorlead.store.db import FloorDatabase
from tests.reference import floor_now
from tests.test_cli import run
from tests.test_vendor_feeds import CALLER, EPOCH, MEMBER, T0
from tests.test_vendor_feeds import ami_event as block

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
        return floor_now(conn, settings, now)


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


# ------------------------------------------------------------------------------ Asterisk


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def ami(db: FloorDatabase, *messages: str, clock: datetime | None = None) -> FeedRun:
    text = "Asterisk Call Manager/1.3\r\n" + "".join(messages)
    translator = AmiTranslator(STATES, clock=(lambda: clock) if clock else None)
    return apply(db, translator.records(text.splitlines(keepends=True)))


def queue_row(snap: FloorSnapshot, queue: str) -> Any:
    return next(q for q in snap.queues if q.id == queue)


#: Asterisk 11 (app_queue.c of 1.8-11): members by Location, Join/Leave, Member in
#: AgentConnect/AgentComplete, QueueMemberPaused with Reason and no Status.
A11_MEMBER = {
    "Queue": "support",
    "Location": "SIP/2001",
    "MemberName": "Ana Silva",
    "StateInterface": "SIP/2001",
    "Membership": "dynamic",
    "Penalty": "0",
    "CallsTaken": "0",
    "LastCall": "0",
}
A11_CALLER = {"Channel": "SIP/trunk-00000011", "CallerIDNum": "5550100", "Queue": "support"}
A11_SESSION = [
    block("QueueMemberAdded", 0, **A11_MEMBER, Status="1", Paused="0"),
    block(
        "Join",
        10,
        **A11_CALLER,
        CallerIDName="Caller",
        Position="1",
        Count="1",
        Uniqueid="1795964410.11",
    ),
    block(
        "AgentCalled",
        11,
        Queue="support",
        AgentCalled="SIP/2001",
        AgentName="Ana Silva",
        ChannelCalling="SIP/trunk-00000011",
        DestinationChannel="SIP/2001-00000012",
        Uniqueid="1795964410.11",
    ),
    block(
        "AgentConnect",
        22,
        Queue="support",
        Uniqueid="1795964410.11",
        Channel="SIP/2001-00000012",
        Member="SIP/2001",
        MemberName="Ana Silva",
        Holdtime="12",
        BridgedChannel="SIP/trunk-00000011",
        Ringtime="3",
    ),
    block("QueueMemberStatus", 22, **A11_MEMBER, Status="2", Paused="0"),
    block(
        "Leave",
        22,
        Channel="SIP/trunk-00000011",
        Queue="support",
        Count="0",
        Position="1",
        Uniqueid="1795964410.11",
    ),
    block(
        "AgentComplete",
        112,
        Queue="support",
        Uniqueid="1795964410.11",
        Channel="SIP/2001-00000012",
        Member="SIP/2001",
        MemberName="Ana Silva",
        HoldTime="12",
        TalkTime="90",
        Reason="agent",
    ),
    block("QueueMemberStatus", 132, **A11_MEMBER, Status="1", Paused="0"),
    block(
        "Join",
        200,
        **A11_CALLER,
        CallerIDName="Caller",
        Position="1",
        Count="1",
        Uniqueid="1795964600.13",
    ),
    block(
        "QueueCallerAbandon",
        240,
        Queue="support",
        Uniqueid="1795964600.13",
        Position="1",
        OriginalPosition="1",
        HoldTime="40",
    ),
    block(
        "Leave",
        240,
        Channel="SIP/trunk-00000013",
        Queue="support",
        Count="0",
        Position="1",
        Uniqueid="1795964600.13",
    ),
    block(
        "QueueMemberPaused",
        300,
        Queue="support",
        Location="SIP/2001",
        MemberName="Ana Silva",
        Paused="1",
        Reason="Lunch",
    ),
    block(
        "QueueMemberPaused",
        2100,
        Queue="support",
        Location="SIP/2001",
        MemberName="Ana Silva",
        Paused="0",
    ),
]


def test_asterisk_11_layouts_are_read_not_quarantined(db: FloorDatabase) -> None:
    run = ami(db, *A11_SESSION)
    assert run.quarantine.items == []
    assert states_of(db, "SIP/2001") == [
        ("available", at(0)),
        ("on_contact", at(22)),
        ("acw", at(112)),
        ("available", at(132)),
        ("lunch", at(300)),
        ("available", at(2100)),
    ]
    snap = board(db, at(2200))
    support = queue_row(snap, "support")
    today = support.today
    assert (today.offered, today.answered, today.abandoned, today.handled) == (2, 1, 1, 1)
    assert today.asa_s == 12 and today.aht_s == 110  # 90 s talk + 20 s until the device freed
    assert (support.staffed, support.available) == (1, 1)
    (agent,) = snap.agents
    assert (agent.name, agent.handled) == ("Ana Silva", 1)
    again = ami(db, *A11_SESSION)
    assert again.counts.applied == 0


def test_asterisk_11_member_removed_leaves_the_queue(db: FloorDatabase) -> None:
    removed = block(
        "QueueMemberRemoved", 2200, Queue="support", Location="SIP/2001", MemberName="Ana Silva"
    )
    run = ami(db, *A11_SESSION, removed)
    assert run.quarantine.items == []
    assert queue_row(board(db, at(2300)), "support").staffed == 0


def member16(name: str, seconds: float, status: str, in_call: str, wrapup: str = "0") -> str:
    fields = {**MEMBER, "InCall": in_call, "Status": status, "Paused": "0", "Wrapuptime": wrapup}
    return block(name, seconds, **fields, PausedReason="")


def call16(wrapup: str, device_free_at: float) -> list[str]:
    """A queue call where Asterisk reports the device free one second *before* AgentComplete,
    as its update_status() may (the member's InCall still 1)."""
    agent = {"MemberName": "Dana Reyes", "Interface": "PJSIP/1001"}
    return [
        member16("QueueMemberAdded", 0, "1", "0", wrapup),
        block("QueueCallerJoin", 10, **CALLER, Uniqueid="1795964410.1", Position="1", Count="1"),
        block(
            "AgentConnect",
            18,
            **CALLER,
            Uniqueid="1795964410.1",
            **agent,
            HoldTime="8",
            RingTime="3",
        ),
        member16("QueueMemberStatus", 18, "2", "1", wrapup),
        member16("QueueMemberStatus", device_free_at, "1", "1", wrapup),
        block(
            "AgentComplete",
            138,
            **CALLER,
            Uniqueid="1795964410.1",
            **agent,
            HoldTime="8",
            TalkTime="120",
            Reason="caller",
        ),
    ]


def test_asterisk_device_free_before_agent_complete_wraps_the_call(db: FloorDatabase) -> None:
    run = ami(db, *call16("0", 137))
    assert run.quarantine.items == []
    assert states_of(db, "PJSIP/1001") == [
        ("available", at(0)),
        ("on_contact", at(18)),
        ("acw", at(138)),
        ("available", at(138)),
    ]
    sales = queue_row(board(db, at(300)), "sales")
    assert sales.today.handled == 1 and sales.today.aht_s == 120
    assert sales.available == 1 and sales.agents_needed is not None


def test_asterisk_wrapuptime_holds_acw_after_the_device_is_free(db: FloorDatabase) -> None:
    later = block(
        "QueueCallerJoin", 400, **CALLER, Uniqueid="1795964800.5", Position="1", Count="1"
    )
    run = ami(db, *call16("30", 137), later)
    assert run.quarantine.items == []
    assert states_of(db, "PJSIP/1001")[-2:] == [("acw", at(138)), ("available", at(168))]
    assert queue_row(board(db, at(500)), "sales").today.aht_s == 150


def test_asterisk_device_free_after_agent_complete_still_wraps(db: FloorDatabase) -> None:
    messages = call16("0", 137)
    messages[4], messages[5] = messages[5], member16("QueueMemberStatus", 150, "1", "0")
    run = ami(db, *messages)
    assert run.quarantine.items == []
    assert states_of(db, "PJSIP/1001")[-2:] == [("acw", at(138)), ("available", at(150))]


def reply16(paused_reason: str = "Lunch") -> list[str]:
    """The QueueStatus reply as Asterisk 12-20 give it (manager_queues_status: QueueMember with
    Name and Location), with no Timestamp: three members, one caller waiting 45 s."""
    common = {
        "StateInterface": "",
        "Membership": "dynamic",
        "Penalty": "0",
        "CallsTaken": "3",
        "LastCall": "0",
        "LastPause": "0",
        "LoginTime": "0",
    }

    def listed(
        name: str, location: str, status: str, in_call: str, paused: str = "0", reason: str = ""
    ) -> str:
        return block(
            "QueueMember",
            None,
            Queue="sales",
            Name=name,
            Location=location,
            **common,
            InCall=in_call,
            Status=status,
            Paused=paused,
            PausedReason=reason,
            Wrapuptime="0",
            ActionID="floorlead-queuestatus",
        )

    return [
        "Response: Success\r\nActionID: floorlead-queuestatus\r\n"
        "EventList: start\r\nMessage: Queue status will follow\r\n\r\n",
        block(
            "QueueParams",
            None,
            Queue="sales",
            Max="0",
            Strategy="rrmemory",
            Calls="1",
            Holdtime="12",
            TalkTime="200",
            Completed="40",
            Abandoned="3",
            ServiceLevel="20",
            ServicelevelPerf="90.0",
            ServicelevelPerf2="85.0",
            Weight="0",
            ActionID="floorlead-queuestatus",
        ),
        listed("Dana Reyes", "PJSIP/1001", "1", "0"),
        listed("Sam Okafor", "PJSIP/1002", "1", "0", "1", paused_reason),
        listed("Lee Chen", "PJSIP/1003", "2", "1"),
        block(
            "QueueEntry",
            None,
            Queue="sales",
            Position="1",
            Channel="PJSIP/trunk-00000009",
            Uniqueid="1795964000.9",
            CallerIDNum="5550199",
            CallerIDName="Caller",
            ConnectedLineNum="unknown",
            ConnectedLineName="unknown",
            Wait="45",
            Priority="0",
            ActionID="floorlead-queuestatus",
        ),
        block(
            "QueueStatusComplete",
            None,
            EventList="Complete",
            ListItems="5",
            ActionID="floorlead-queuestatus",
        ),
    ]


def test_queue_status_reply_staffs_members_logged_in_before_floorlead(db: FloorDatabase) -> None:
    now = at(1000)
    run = ami(db, *reply16(), clock=now)
    assert run.quarantine.items == []
    snap = board(db, now)
    sales = queue_row(snap, "sales")
    assert (sales.staffed, sales.available, sales.on_contact, sales.aux) == (3, 1, 1, 1)
    assert sales.waiting == 1 and sales.oldest_waiting_at == now - timedelta(seconds=45)
    states = {a.id: (a.name, a.state, a.reason, a.state_since) for a in snap.agents}
    assert states["PJSIP/1002"] == ("Sam Okafor", "lunch", "Lunch", now)
    assert states["PJSIP/1003"][1] == "on_contact"


def test_queue_status_reply_in_a_capture_takes_the_next_events_time(db: FloorDatabase) -> None:
    nxt = block("QueueCallerJoin", 1000, **CALLER, Uniqueid="1795965000.1", Position="2", Count="2")
    run = ami(db, *reply16(), nxt)
    assert run.quarantine.items == []
    assert queue_row(board(db, at(1001)), "sales").staffed == 3
    alone = ami(db, *reply16())
    assert alone.quarantine.items and "cannot be dated" in alone.quarantine.items[0][1]


def test_queue_status_reply_after_a_reconnect_drops_members_who_left(db: FloorDatabase) -> None:
    """A member removed while floorlead was away is not in the next reply: it leaves."""
    translator = AmiTranslator(STATES, clock=lambda: at(1000))
    first = "".join(reply16())
    apply(db, translator.records(first.splitlines(keepends=True)))
    second = "".join(m for m in reply16() if "Sam Okafor" not in m)
    translator.clock = lambda: at(2000)
    apply(db, translator.records(second.splitlines(keepends=True)))
    sales = queue_row(board(db, at(2000)), "sales")
    assert sales.staffed == 2


@needs_samples
def test_asterisk_11_queue_status_sample_staffs_its_members(db: FloorDatabase) -> None:
    text = (SAMPLES / "ami_a11_panoramisk_queue_status.raw.txt").read_text()
    now = at(0)
    translator = AmiTranslator(STATES, clock=lambda: now)
    run = apply(db, translator.records(text.splitlines(keepends=True)))
    assert run.quarantine.items == []
    queue = queue_row(board(db, now), "xxxxxxxxxxxxxxxx-tous")
    assert (queue.staffed, queue.available, queue.aux) == (6, 5, 1)


@needs_samples
def test_asterisk_11_event_sample_reads_every_member_and_pause(db: FloorDatabase) -> None:
    lines = (SAMPLES / "ami_a11_panoramisk_agent_not_in_pause.ami").read_text().splitlines(True)
    run = apply(db, AmiTranslator(STATES).records(lines))
    assert run.quarantine.items == []
    got = [s for s, _ in states_of(db, "Local/id-12@agentcallback")]
    # Paused, then unpaused while its device is still in use (the *12 call that unpaused it),
    # then free.
    assert got == ["break", "on_contact", "available"]


@needs_samples
def test_asterisk_16_freepbx_sample(db: FloorDatabase) -> None:
    lines = (SAMPLES / "ami_a16_freepbx_nucleocom.ami").read_text().splitlines(True)
    run = apply(db, AmiTranslator(STATES).records(lines))
    assert run.quarantine.items == []
    start = datetime.fromtimestamp(1594054000, UTC)
    snap = board(db, start + timedelta(hours=2))
    queue = queue_row(snap, "201")
    today = queue.today
    assert (today.offered, today.answered, today.abandoned, today.asa_s) == (2, 1, 1, 6)
    got = [s for s, _ in states_of(db, "Local/206040@from-internal")]
    assert got[-3:] == ["on_contact", "acw", "available"]


# --------------------------------------------------------------------- Twilio TaskRouter


def callback(kind: str, seconds: float, **fields: str) -> dict[str, str]:
    """A callback's parameters as TaskRouter POSTs them ("TaskRouter Events reference")."""
    resource = kind.split(".")[0].title().replace("-", "")
    sid = f"EV{abs(hash((kind, seconds, tuple(fields.items())))):030d}"[:34]
    return {
        "Sid": sid,
        "EventType": kind,
        "AccountSid": "AC00000000000000000000000000000001",
        "WorkspaceSid": "WS00000000000000000000000000000001",
        "WorkspaceName": "Flex Task Assignment",
        "EventDescription": f"{kind} happened",
        "ResourceType": resource,
        "ResourceSid": fields.get("ReservationSid") or fields.get("TaskSid") or "",
        "Timestamp": f"{EPOCH + seconds:.0f}",
        **fields,
    }


def snake(key: str) -> str:
    return (
        "eventtype"
        if key == "EventType"
        else "".join("_" + c.lower() if c.isupper() and i else c.lower() for i, c in enumerate(key))
    )


def cloud_event(fields: dict[str, str], schema: int) -> dict[str, Any]:
    """The same event as Event Streams delivers it (CloudEvents; schema 4 nests the TaskRouter
    event under ``data.payload``, earlier schemas put it in ``data``)."""
    body: dict[str, Any] = {snake(k): v for k, v in fields.items() if k != "Timestamp"}
    body["timestamp"] = at(float(fields["Timestamp"]) - EPOCH).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    data: dict[str, Any] = body if schema < 4 else {"sid": body["sid"], "payload": body}
    return {
        "specversion": "1.0",
        "type": f"com.twilio.taskrouter.{fields['EventType']}",
        "source": "/v1/Workspaces/WS00000000000000000000000000000001",
        "id": fields["Sid"],
        "dataschema": f"https://events-schemas.twilio.com/TaskRouter.WDSEvent/{schema}",
        "datacontenttype": "application/json",
        "time": body["timestamp"],
        "data": data,
    }


WORKER = {"WorkerSid": "WK01", "WorkerName": "Dana Reyes", "WorkerActivityName": "Available"}


def chat(task: str, reservation: str) -> dict[str, str]:
    return {"TaskSid": task, "TaskQueueName": "Chat", "TaskChannelUniqueName": "chat",
            "ReservationSid": reservation, "TaskQueueSid": "WQ01"}  # fmt: skip


FLEX_CHATS = [
    callback("worker.activity.update", 0, **WORKER),
    callback("task-queue.entered", 10, **chat("WT01", "")),
    callback("reservation.created", 11, **chat("WT01", "WR01"), **WORKER),
    callback("reservation.accepted", 12, **chat("WT01", "WR01"), **WORKER),
    callback("task-queue.entered", 30, **chat("WT02", "")),
    callback("reservation.created", 31, **chat("WT02", "WR02"), **WORKER),
    callback("reservation.accepted", 32, **chat("WT02", "WR02"), **WORKER),
    callback("reservation.wrapup", 100, **chat("WT01", "WR01"), **WORKER),
    callback("reservation.completed", 120, **chat("WT01", "WR01"), **WORKER),
    # The worker picks "Break" while still chatting: it goes on break once the chat is done.
    callback("worker.activity.update", 150, **{**WORKER, "WorkerActivityName": "Break"}),
    callback("reservation.wrapup", 200, **chat("WT02", "WR02"), **WORKER),
    callback("reservation.completed", 230, **chat("WT02", "WR02"), **WORKER),
]
FLEX_STATES = [
    ("available", at(0)),
    ("on_contact", at(12)),
    ("acw", at(200)),
    ("break", at(230)),
]


def transports() -> dict[str, list[str]]:
    from urllib.parse import urlencode

    return {
        "form": [urlencode(c) + "\n" for c in FLEX_CHATS],
        "json": [json.dumps(c) + "\n" for c in FLEX_CHATS],
        "event-streams-v4": [json.dumps([cloud_event(c, 4) for c in FLEX_CHATS[:6]]) + "\n",
                             json.dumps([cloud_event(c, 4) for c in FLEX_CHATS[6:]]) + "\n"],
        "event-streams-v1": [json.dumps(cloud_event(c, 1)) + "\n" for c in FLEX_CHATS],
    }  # fmt: skip


@pytest.mark.parametrize("transport", sorted(transports()))
def test_flex_worker_state_comes_from_its_reservations(db: FloorDatabase, transport: str) -> None:
    lines = transports()[transport]
    run = apply(db, TaskRouterTranslator(STATES).records(lines))
    assert run.quarantine.items == []
    assert states_of(db, "WK01") == FLEX_STATES
    during = queue_row(board(db, at(60)), "Chat")
    assert (during.staffed, during.on_contact, during.available) == (1, 1, 0)
    after = board(db, at(300))
    chat_queue = queue_row(after, "Chat")
    assert chat_queue.today.handled == 2 and chat_queue.today.answered == 2
    assert chat_queue.aux == 1
    again = apply(db, TaskRouterTranslator(STATES).records(lines))
    assert again.counts.applied == 0


def test_feed_ami_staffs_from_the_login_reply_and_exits_1_after_quarantining(
    tmp_path: Path,
) -> None:
    """`floorlead feed ami` against a manager on 127.0.0.1: the QueueStatus reply it gets at
    login staffs the queue, a broken block is quarantined, and the command says so by its exit
    code."""
    import signal
    import sqlite3
    import subprocess
    import sys
    import time

    from tests.test_vendor_feeds import FakeManager

    server = FakeManager([[*reply16(), "Event: QueueMemberStatus\r\nbroken line\r\n\r\n"]])
    server.start()
    secret = tmp_path / "secret"
    secret.write_text("s3cret\n")
    path = tmp_path / "f.db"

    def counts() -> tuple[int, int]:
        """Members and contacts stored so far (read-only: the feed is writing)."""
        try:
            conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1)
            try:
                members = conn.execute("SELECT count(*) FROM agent_queue").fetchone()[0]
                waiting = conn.execute("SELECT count(*) FROM contact").fetchone()[0]
            finally:
                conn.close()
        except sqlite3.Error:  # not created yet, or being created
            return (0, 0)
        return int(members), int(waiting)

    feed = subprocess.Popen(
        [sys.executable, "-m", "floorlead", "--db", str(path), "feed", "ami", "--user",
         "floor", "--secret-file", str(secret), "--port", str(server.port),
         "--duration", "120"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 100
        while counts() != (3, 1) and time.monotonic() < deadline and feed.poll() is None:
            time.sleep(0.1)
        feed.send_signal(signal.SIGINT)  # what the floor has is enough: stop as ctrl+c does
        out, err = feed.communicate(timeout=60)
    finally:
        server.done.set()
        if feed.poll() is None:
            feed.kill()
    assert feed.returncode == 1, err
    assert "Traceback" not in err and "quarantined 1" in out
    assert counts() == (3, 1)


def test_csv_roster_creates_the_queues_it_names(db: FloorDatabase) -> None:
    from floorlead.config import FeedSettings
    from floorlead.feeds.csvfiles import CsvTranslator

    roster = (
        "agent,name,team,queues\na07,Dana Reyes,North,billing;tech\na08,Sam Okafor,North,tech\n"
    )
    translator = CsvTranslator("roster", FeedSettings().csv["roster"], "UTC")
    from floorlead.feeds import jsonl

    named = '{"type":"queue.upsert","queue":"tech","name":"Tech support","sl_target":"90/30"}\n'
    apply(db, jsonl.records([named]))
    run = apply(db, translator.records(roster.splitlines(keepends=True)))
    assert run.quarantine.items == []
    snap = board(db, at(0))
    assert sorted(q.id for q in snap.queues) == ["billing", "tech"]
    assert {a.id: a.queues for a in snap.agents} == {"a07": ("billing", "tech"), "a08": ("tech",)}
    assert {q.id: (q.name, q.sl_target) for q in snap.queues} == {
        "billing": ("billing", "80/20"),
        "tech": ("Tech support", "90/30"),
    }


# ------------------------------------------------------------------------ feed check


def test_feed_check_says_what_an_asterisk_11_capture_gives(tmp_path: Path) -> None:
    capture = tmp_path / "a11.ami"
    capture.write_text("".join(A11_SESSION))
    floor = tmp_path / "floor.db"
    result = run("--db", str(floor), "feed", "check", "-f", "ami", str(capture), "--json")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["agents"] == [{"id": "SIP/2001", "name": "Ana Silva", "queues": ["support"]}]
    assert doc["queues"] == ["support"] and doc["memberships"] == 1
    assert doc["states"] == {"acw": 1, "available": 3, "lunch": 1, "on_contact": 1}
    assert doc["contacts"] == {"queued": 2, "answered": 1, "abandoned": 1, "ended": 1,
                               "wrapped": 1, "open_at_end": 0}  # fmt: skip
    assert doc["left_out"] == {"AgentCalled": 1, "Leave": 2}
    assert doc["quarantined"] == [] and doc["warnings"] == []
    assert not floor.exists()  # a dry run: the floor is never opened


def test_feed_check_warns_where_the_board_would_mislead(tmp_path: Path) -> None:
    """Agents without queues, stuck in ACW, contacts never wrapped, a line that cannot be read:
    each is said, and the exit code is 1."""
    t = [at(s).isoformat() for s in (0, 10, 20, 60, 1800)]
    lines = [
        {"type": "queue.upsert", "queue": "q", "name": "Q"},
        {"type": "agent.upsert", "agent": "a1", "name": "Dana"},
        {"type": "agent.state", "at": t[0], "agent": "a1", "state": "available"},
        {"type": "contact.queued", "at": t[1], "contact": "c1", "queue": "q"},
        {"type": "contact.answered", "at": t[2], "contact": "c1", "agent": "a1"},
        {"type": "agent.state", "at": t[2], "agent": "a1", "state": "on_contact"},
        {"type": "contact.ended", "at": t[3], "contact": "c1"},
        {"type": "agent.state", "at": t[3], "agent": "a1", "state": "acw"},
        {"type": "contact.queued", "at": t[4], "contact": "c2", "queue": "q"},
    ]
    feed = tmp_path / "feed.jsonl"
    feed.write_text("".join(json.dumps(x) + "\n" for x in lines) + "{broken\n")
    result = run("--db", str(tmp_path / "f.db"), "feed", "check", str(feed))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    out = result.stdout
    assert "no queue membership seen: staffed will read 0" in out
    assert "agents never leave after-call work: 1" in out
    assert "contacts never wrapped" in out
    assert "would quarantine line 10" in out
    assert "still open at the end 2" in out  # c1 in after-call work, c2 waiting


def test_a_snapshot_of_an_earlier_instant_staffs_who_was_a_member_then(
    db: FloorDatabase, db_path: Path
) -> None:
    """A member who left the queue at 2200 s was staffed at 1000 s: both read paths (the full
    one and the quick one of `snapshot --json`) say so; after 2200 s nobody is staffed."""
    from floorlead.store.engine import FloorEngine, file_board

    removed = block(
        "QueueMemberRemoved", 2200, Queue="support", Location="SIP/2001", MemberName="Ana Silva"
    )
    rejoined = block("QueueMemberAdded", 2400, **A11_MEMBER, Status="1", Paused="0")
    ami(db, *A11_SESSION, removed, rejoined)
    settings = Settings(floor=FloorSettings(timezone="UTC"))
    for seconds, staffed in ((1000, 1), (2300, 0), (2500, 1)):
        assert queue_row(board(db, at(seconds)), "support").staffed == staffed, seconds
        quick = file_board(FloorEngine(settings), db_path, at(seconds))
        assert quick is not None
        assert queue_row(quick, "support").staffed == staffed, seconds
