"""Vendor adapters against payloads in their published formats, and against real sockets."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from floorlead.config import DEFAULT_FEED_STATES, FeedSettings
from floorlead.feeds.ami import AmiConnection, AmiLoginError, AmiTranslator, follow_manager
from floorlead.feeds.connect import ConnectTranslator
from floorlead.feeds.csvfiles import CsvTranslator
from floorlead.feeds.pipeline import FeedRun, Quarantine, Record
from floorlead.feeds.taskrouter import TaskRouterTranslator, make_server
from floorlead.store.db import FloorDatabase

T0 = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
EPOCH = T0.timestamp()
STATES = dict(DEFAULT_FEED_STATES)


def apply(db: FloorDatabase, records: Iterable[Record | None], window: float = 0) -> FeedRun:
    run = FeedRun(db, "test", window_s=window, quarantine=Quarantine(None, "test"))
    run.run(r for r in records if r is not None)
    return run


def rows(db: FloorDatabase, sql: str) -> list[tuple[Any, ...]]:
    with db.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql))]


def utc(seconds: float) -> str:
    return (T0 + timedelta(seconds=seconds)).strftime("%Y-%m-%d %H:%M:%S.%f")


# ------------------------------------------------------------------------------ Asterisk


def ami_event(name: str, at: float | None, **fields: str) -> str:
    """One AMI event block as Asterisk writes it with timestampevents=yes (docs.asterisk.org,
    AMI Events: QueueCallerJoin, AgentConnect, AgentComplete, QueueMemberStatus, ...); ``at``
    None leaves out ``Timestamp:``, as in the reply to an action."""
    lines = [f"Event: {name}"]
    if at is not None:
        lines += ["Privilege: agent,all", f"Timestamp: {EPOCH + at:.6f}"]
    lines += [f"{k}: {v}" for k, v in fields.items()]
    return "\r\n".join(lines) + "\r\n\r\n"


MEMBER = {
    "Queue": "sales",
    "MemberName": "Dana Reyes",
    "Interface": "PJSIP/1001",
    "StateInterface": "PJSIP/1001",
    "Membership": "dynamic",
    "Penalty": "0",
    "CallsTaken": "0",
    "LastCall": "0",
    "LastPause": "0",
    "LoginTime": f"{EPOCH:.0f}",
    "Ringinuse": "0",
    "Wrapuptime": "30",
}


def member(name: str, at: float, status: str, paused: str = "0", reason: str = "") -> str:
    fields = {**MEMBER, "InCall": "1" if status == "2" else "0", "Status": status}
    return ami_event(name, at, **fields, Paused=paused, PausedReason=reason)


CALLER = {"Channel": "PJSIP/trunk-00000001", "Linkedid": "1795964410.1", "Queue": "sales"}
AMI_SESSION_1 = [
    member("QueueMemberAdded", 0, "1"),
    ami_event("QueueCallerJoin", 10, **CALLER, Uniqueid="1795964410.1", Position="1", Count="1"),
    ami_event("AgentCalled", 11, **CALLER, Uniqueid="1795964410.1", Interface="PJSIP/1001"),
    ami_event(
        "AgentConnect",
        18,
        **CALLER,
        Uniqueid="1795964410.1",
        DestChannel="PJSIP/1001-00000002",
        DestUniqueid="1795964411.2",
        MemberName="Dana Reyes",
        Interface="PJSIP/1001",
        HoldTime="8",
        RingTime="3",
    ),
    member("QueueMemberStatus", 18, "2"),
]
AMI_SESSION_2 = [
    # After a reconnect the manager may repeat what it last sent: the same event again.
    AMI_SESSION_1[-2],
    ami_event(
        "AgentComplete",
        138,
        **CALLER,
        Uniqueid="1795964410.1",
        MemberName="Dana Reyes",
        Interface="PJSIP/1001",
        HoldTime="8",
        TalkTime="120",
        Reason="caller",
    ),
    member("QueueMemberStatus", 168, "1"),
    ami_event("QueueCallerJoin", 200, **CALLER, Uniqueid="1795964600.3", Position="1", Count="1"),
    ami_event(
        "QueueCallerAbandon",
        240,
        Queue="sales",
        Uniqueid="1795964600.3",
        Position="1",
        OriginalPosition="1",
        HoldTime="40",
    ),
    ami_event("QueueCallerLeave", 240, **CALLER, Uniqueid="1795964600.3", Count="0"),
    member("QueueMemberPause", 300, "1", paused="1", reason="Lunch"),
]


def check_ami_floor(db: FloorDatabase) -> None:
    contacts = rows(
        db,
        "SELECT id, queue_id, agent_id, queued_at, answered_at, abandoned_at, ended_at, "
        "wrapped_at FROM contact ORDER BY id",
    )
    assert contacts == [
        ("1795964410.1", "sales", "PJSIP/1001", utc(10), utc(18), None, utc(138), utc(168)),
        ("1795964600.3", "sales", None, utc(200), None, utc(240), None, None),
    ]
    states = rows(db, "SELECT state, at FROM agent_state ORDER BY at, id")
    assert states == [
        ("available", utc(0)),
        ("on_contact", utc(18)),
        ("acw", utc(138)),
        ("available", utc(168)),
        ("lunch", utc(300)),
    ]
    assert rows(db, "SELECT id, name FROM agent") == [("PJSIP/1001", "Dana Reyes")]
    assert rows(db, "SELECT agent_id, queue_id FROM agent_queue") == [("PJSIP/1001", "sales")]


def test_ami_capture_replays_into_the_floor_once(db: FloorDatabase) -> None:
    capture = "Asterisk Call Manager/5.0.1\r\n" + "".join(AMI_SESSION_1 + AMI_SESSION_2)
    lines = capture.splitlines(keepends=True)
    run = apply(db, AmiTranslator(STATES).records(lines), window=5)
    assert run.quarantine.items == []
    check_ami_floor(db)
    again = apply(db, AmiTranslator(STATES).records(lines), window=5)
    assert again.counts.applied == 0 and again.counts.duplicates > 0
    check_ami_floor(db)


def test_ami_capture_without_timestamps_is_quarantined_with_the_reason(db: FloorDatabase) -> None:
    block = "Event: QueueCallerJoin\nQueue: sales\nUniqueid: 1.1\n\nbroken line\n\n"
    run = apply(db, AmiTranslator(STATES).records(block.splitlines()))
    assert [n for n, _ in run.quarantine.items] == [1, 5]
    assert "timestampevents=yes" in run.quarantine.items[0][1]
    assert "is not 'Key: Value'" in run.quarantine.items[1][1]


class FakeManager(threading.Thread):
    """A small AMI-speaking server: banner, Login/Response, then Event blocks.

    Each session sends its blocks; every session but the last then drops the connection.
    """

    def __init__(self, sessions: list[list[str]], secret: str = "s3cret") -> None:
        super().__init__(daemon=True)
        self.sessions = sessions
        self.secret = secret
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.logins: list[str] = []
        self.done = threading.Event()

    def _read_block(self, conn: socket.socket) -> dict[str, str]:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(4096)
            if not chunk:
                break
            data += chunk
        head = data.split(b"\r\n\r\n")[0].decode()
        return dict(line.split(": ", 1) for line in head.splitlines() if ": " in line)

    def run(self) -> None:
        for index, blocks in enumerate(self.sessions):
            conn, _ = self.sock.accept()
            conn.sendall(b"Asterisk Call Manager/5.0.1\r\n")
            login = self._read_block(conn)
            self.logins.append(login.get("Username", ""))
            if login.get("Action") != "Login" or login.get("Secret") != self.secret:
                conn.sendall(b"Response: Error\r\nMessage: Authentication failed\r\n\r\n")
                conn.close()
                continue
            action = login.get("ActionID", "")
            reply = f"Response: Success\r\nActionID: {action}\r\nMessage: Authentication accepted"
            conn.sendall(reply.encode() + b"\r\n\r\n")
            for block in blocks:
                conn.sendall(block.encode())
            if index < len(self.sessions) - 1:
                time.sleep(0.05)
                conn.close()
            else:
                self.done.wait(10)
                conn.close()
        self.sock.close()


def test_ami_live_reconnects_after_a_drop_without_duplicating(db: FloorDatabase) -> None:
    server = FakeManager([AMI_SESSION_1, AMI_SESSION_2])
    server.start()
    run = FeedRun(db, "ami", window_s=0, quarantine=Quarantine(None, "ami"))
    stop = threading.Event()
    said: list[str] = []

    def deliver(item: Record | None) -> None:
        if item is None:
            run.flush()
        else:
            run.add(item)

    worker = threading.Thread(
        target=follow_manager,
        args=(
            lambda: AmiConnection("127.0.0.1", server.port, "floor", "s3cret", timeout=5),
            AmiTranslator(STATES),
            deliver,
            stop,
            said.append,
            (0.05,),
        ),
    )
    worker.start()
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if rows(db, "SELECT count(*) FROM agent_state WHERE state = 'lunch'") == [(1,)]:
                break
            time.sleep(0.05)
    finally:
        stop.set()
        server.done.set()
        worker.join(10)
    run.finish()
    assert server.logins == ["floor", "floor"]
    assert any("lost" in line for line in said) and sum("connected" in s for s in said) == 2
    assert run.quarantine.items == []
    assert run.counts.duplicates >= 1  # the repeated AgentConnect
    check_ami_floor(db)


def test_ami_refused_login_is_one_sentence_not_a_retry_loop(db: FloorDatabase) -> None:
    server = FakeManager([[]], secret="other")
    server.start()
    with pytest.raises(AmiLoginError, match="refused user 'floor': Authentication failed"):
        follow_manager(
            lambda: AmiConnection("127.0.0.1", server.port, "floor", "wrong", timeout=5),
            AmiTranslator(STATES),
            lambda _item: None,
            threading.Event(),
        )
    server.done.set()


# ------------------------------------------------------------------------- Amazon Connect

# A contact record reduced to the fields floorlead reads, in the layout of Amazon's
# "Data model for Amazon Connect contact records" (Agent, Queue and top-level timestamps).
CTR = {
    "AWSAccountId": "123456789012",
    "AWSContactTraceRecordFormatVersion": "2017-03-10",
    "Agent": {
        "ARN": "arn:aws:connect:us-east-1:123456789012:instance/abc/agent/def",
        "AfterContactWorkDuration": 30,
        "AfterContactWorkEndTimestamp": "2026-11-23T15:02:48Z",
        "AfterContactWorkStartTimestamp": "2026-11-23T15:02:18Z",
        "AgentInteractionDuration": 120,
        "ConnectedToAgentTimestamp": "2026-11-23T15:00:18Z",
        "CustomerHoldDuration": 15,
        "HierarchyGroups": None,
        "NumberOfHolds": 1,
        "RoutingProfile": {"ARN": "arn:aws:connect:::routing-profile/1", "Name": "Basic"},
        "Username": "dreyes",
    },
    "Channel": "VOICE",
    "ContactId": "5ca32fbd-8f92-46af-92a5-6b0f970f0efe",
    "DisconnectTimestamp": "2026-11-23T15:02:18Z",
    "InitiationMethod": "INBOUND",
    "InitiationTimestamp": "2026-11-23T14:59:55Z",
    "LastUpdateTimestamp": "2026-11-23T15:03:00Z",
    "Queue": {
        "ARN": "arn:aws:connect:us-east-1:123456789012:instance/abc/queue/q1",
        "DequeueTimestamp": "2026-11-23T15:00:18Z",
        "Duration": 8,
        "EnqueueTimestamp": "2026-11-23T15:00:10Z",
        "Name": "BasicQueue",
    },
}


def test_connect_contact_records_keep_the_newest_copy_whatever_the_order(
    db: FloorDatabase,
) -> None:
    older = json.loads(json.dumps(CTR))
    older["LastUpdateTimestamp"] = "2026-11-23T15:02:20Z"
    older["Agent"]["AfterContactWorkEndTimestamp"] = None
    abandoned = {
        **CTR,
        "ContactId": "c-abandoned",
        "Agent": None,
        "Queue": {**CTR["Queue"], "DequeueTimestamp": "2026-11-23T15:01:00Z"},
    }
    ivr_only = {**CTR, "ContactId": "c-ivr", "Queue": None, "Agent": None}
    export = json.dumps([CTR, abandoned, ivr_only], indent=2)  # an exported array
    firehose = json.dumps(older) + json.dumps(CTR)  # back to back, the newer one again
    translator = ConnectTranslator(STATES)
    first = apply(db, translator.records(export.splitlines(keepends=True), "ctr"))
    second = apply(db, translator.records([firehose], "ctr"))
    assert first.quarantine.items == [] and second.quarantine.items == []
    assert (second.counts.applied, second.counts.duplicates) == (0, 2)
    assert rows(
        db,
        "SELECT id, queue_id, agent_id, queued_at, answered_at, abandoned_at, ended_at, "
        "wrapped_at, hold_s FROM contact ORDER BY id",
    ) == [
        ("5ca32fbd-8f92-46af-92a5-6b0f970f0efe", "BasicQueue", "dreyes", utc(10), utc(18),
         None, utc(138), utc(168), 15),
        ("c-abandoned", "BasicQueue", None, utc(10), None, utc(60), None, None, 0),
    ]  # fmt: skip


def test_connect_record_updated_later_replaces_the_first(db: FloorDatabase) -> None:
    first = json.loads(json.dumps(CTR))
    first["LastUpdateTimestamp"] = "2026-11-23T15:02:20Z"
    first["Agent"]["AfterContactWorkEndTimestamp"] = None
    translator = ConnectTranslator(STATES)
    apply(db, translator.records([json.dumps(first)], "ctr"))
    assert rows(db, "SELECT wrapped_at FROM contact") == [(None,)]
    apply(db, translator.records([json.dumps(CTR)], "ctr"))
    assert rows(db, "SELECT wrapped_at FROM contact") == [(utc(168),)]


def agent_event(status: str, at: str, contacts: list[dict[str, Any]] | None = None) -> str:
    """An agent event stream record in the layout of Amazon's "Agent event streams" page."""
    return json.dumps(
        {
            "AWSAccountId": "123456789012",
            "AgentARN": "arn:aws:connect:us-east-1:123456789012:instance/abc/agent/def",
            "CurrentAgentSnapshot": {
                "AgentStatus": {"ARN": "arn:status", "Name": status, "StartTimestamp": at},
                "Configuration": {
                    "AgentHierarchyGroups": {"Level1": {"ARN": "arn:g", "Name": "North"}},
                    "FirstName": "Dana",
                    "LastName": "Reyes",
                    "RoutingProfile": {
                        "ARN": "arn:rp",
                        "Name": "Basic",
                        "InboundQueues": [
                            {"ARN": "arn:q1", "Name": "BasicQueue"},
                            {"ARN": "arn:agentq", "Name": None},
                        ],
                    },
                    "Username": "dreyes",
                },
                "Contacts": contacts or [],
            },
            "EventId": f"ev-{status}-{at}",
            "EventTimestamp": at,
            "EventType": "STATE_CHANGE",
            "InstanceARN": "arn:aws:connect:us-east-1:123456789012:instance/abc",
            "Version": "2019-05-25",
        }
    )


def test_connect_agent_events_set_states_and_refuse_unmapped_statuses(db: FloorDatabase) -> None:
    on_call = [
        {
            "ContactId": "x1",
            "Channel": "VOICE",
            "State": "CONNECTED",
            "StateStartTimestamp": "2026-11-23T15:00:18Z",
            "Queue": {"ARN": "arn:q1", "Name": "BasicQueue"},
        }
    ]
    lines = [
        agent_event("Available", "2026-11-23T15:00:00Z"),
        agent_event("Available", "2026-11-23T15:00:00Z"),  # a heartbeat saying the same
        agent_event("Available", "2026-11-23T15:00:00Z", on_call),
        agent_event("Lunch", "2026-11-23T15:05:00Z"),
        agent_event("Away", "2026-11-23T15:30:00Z"),
    ]
    run = apply(db, ConnectTranslator(STATES).records([line + "\n" for line in lines], "agent"))
    assert run.quarantine.items == [(5, run.quarantine.items[0][1])]
    assert "'Away' is not mapped" in run.quarantine.items[0][1]
    assert rows(db, "SELECT state, at FROM agent_state ORDER BY at") == [
        ("available", utc(0)),
        ("on_contact", utc(18)),
        ("lunch", utc(300)),
    ]
    assert rows(db, "SELECT id, name, team FROM agent") == [("dreyes", "Dana Reyes", "North")]
    assert rows(db, "SELECT queue_id FROM agent_queue") == [("BasicQueue",)]


# ------------------------------------------------------------------------ Twilio TaskRouter


def callback(event: str, at: float, **fields: str) -> dict[str, str]:
    """Parameters as TaskRouter POSTs them to the EventCallbackUrl ("TaskRouter Events
    reference"): EventType, ResourceType, ResourceSid, Timestamp, then the resource's fields."""
    resource = "Worker" if event.startswith("worker") else "Task"
    return {
        "EventType": event,
        "AccountSid": "AC00000000000000000000000000000001",
        "WorkspaceSid": "WS00000000000000000000000000000001",
        "WorkspaceName": "Floor",
        "EventDescription": f"{event} happened",
        "ResourceType": resource,
        "ResourceSid": fields.get("TaskSid") or fields.get("WorkerSid", ""),
        "Timestamp": f"{EPOCH + at:.0f}",
        **fields,
    }


WORKER = {"WorkerSid": "WK01", "WorkerName": "Dana Reyes"}
TASK = {"TaskSid": "WT01", "TaskQueueName": "Support", "TaskChannelUniqueName": "voice"}
CALLBACKS = [
    callback("worker.activity.update", 0, **WORKER, WorkerActivityName="Available"),
    callback("task.created", 10, **TASK, TaskAssignmentStatus="pending"),
    callback("task-queue.entered", 10, **TASK, TaskAssignmentStatus="pending"),
    callback("reservation.created", 15, **TASK, **WORKER, ReservationSid="WR01"),
    callback("reservation.accepted", 18, **TASK, **WORKER, ReservationSid="WR01"),
    callback("reservation.wrapup", 138, **TASK, **WORKER, ReservationSid="WR01"),
    callback("reservation.completed", 168, **TASK, **WORKER, ReservationSid="WR01"),
    callback("task-queue.entered", 200, **{**TASK, "TaskSid": "WT02"}),
    callback("task.canceled", 240, **{**TASK, "TaskSid": "WT02"}, TaskCanceledReason="hangup"),
]


def test_taskrouter_webhook_takes_real_http_posts(db: FloorDatabase) -> None:
    from urllib.parse import urlencode

    run = FeedRun(db, "taskrouter", window_s=0, quarantine=Quarantine(None, "taskrouter"))
    server = make_server("127.0.0.1", 0, TaskRouterTranslator(STATES), run.add)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}/events"
    try:
        statuses = []
        for body in [*(urlencode(c) for c in CALLBACKS), "not=a&callback=at+all"]:
            request = urllib.request.Request(
                url,
                data=body.encode(),
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
            with urllib.request.urlopen(request, timeout=5) as response:
                statuses.append(response.status)
    finally:
        server.shutdown()
        server.server_close()
    run.finish()
    assert statuses == [204] * (len(CALLBACKS) + 1)
    assert run.quarantine.items == [(10, "no EventType: not a TaskRouter callback")]
    assert rows(
        db,
        "SELECT id, queue_id, agent_id, queued_at, answered_at, abandoned_at, ended_at, "
        "wrapped_at FROM contact ORDER BY id",
    ) == [
        ("WT01", "Support", "WK01", utc(10), utc(18), None, utc(138), utc(168)),
        ("WT02", "Support", None, utc(200), None, utc(240), None, None),
    ]
    # The activity stays "Available" throughout, as in Flex: the reservation says what it does.
    assert rows(db, "SELECT state, at FROM agent_state ORDER BY at") == [
        ("available", utc(0)),
        ("on_contact", utc(18)),
        ("acw", utc(138)),
        ("available", utc(168)),
    ]
    assert rows(db, "SELECT id, name FROM agent") == [("WK01", "Dana Reyes")]
    assert rows(db, "SELECT agent_id, queue_id FROM agent_queue") == [("WK01", "Support")]


def test_twilio_signature_matches_twilios_published_example() -> None:
    """The worked example of Twilio's "Secure your webhooks" page (twilio.com/docs/usage/
    webhooks/webhooks-security): this URL, these parameters and auth token 12345."""
    from floorlead.feeds.taskrouter import twilio_signature

    params = {  # in the page's order, not sorted: the signature sorts them
        "CallSid": "CA1234567890ABCDE",
        "From": "+12349013030",
        "To": "+18005551212",
        "Caller": "+12349013030",
        "Digits": "1234",
    }
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    assert twilio_signature("12345", url, params.items()) == "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
    assert twilio_signature("12346", url, params.items()) != "0/KCTR6DLpKmkAf8muzZqo1nDgQ="


def test_taskrouter_webhook_refuses_callbacks_twilio_did_not_sign(db: FloorDatabase) -> None:
    """With the auth token, only POSTs carrying Twilio's signature for the configured
    callback URL reach the floor; the rest get 403 and change nothing."""
    from urllib.error import HTTPError
    from urllib.parse import urlencode

    from floorlead.feeds.taskrouter import WebhookAuth, twilio_signature

    public = "https://floor.example.com/twilio/events"
    auth = WebhookAuth("s3cret-token", public)
    run = FeedRun(db, "taskrouter", window_s=0, quarantine=Quarantine(None, "taskrouter"))
    server = make_server("127.0.0.1", 0, TaskRouterTranslator(STATES), run.add, auth)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    local = f"http://127.0.0.1:{server.server_port}/events"

    def post(fields: dict[str, str], signature: str | None) -> int:
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if signature is not None:
            headers["X-Twilio-Signature"] = signature
        request = urllib.request.Request(local, data=urlencode(fields).encode(), headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return int(response.status)
        except HTTPError as exc:
            return exc.code

    first, second = CALLBACKS[0], CALLBACKS[2]
    try:
        statuses = [
            post(first, twilio_signature("s3cret-token", public, first.items())),
            post(second, None),  # no signature at all
            post(second, twilio_signature("wrong-token", public, second.items())),
            post(second, twilio_signature("s3cret-token", local, second.items())),  # wrong URL
            post({**second, "TaskSid": "WT99"}, twilio_signature("s3cret-token", public,
                                                                  second.items())),  # altered
        ]  # fmt: skip
    finally:
        server.shutdown()
        server.server_close()
    run.finish()
    assert statuses == [204, 403, 403, 403, 403]
    assert run.counts.read == 1 and run.quarantine.items == []
    assert rows(db, "SELECT state FROM agent_state") == [("available",)]
    assert rows(db, "SELECT count(*) FROM contact") == [(0,)]


def test_taskrouter_signature_needs_the_public_url(tmp_path: Path) -> None:
    token = tmp_path / "token"
    token.write_text("s3cret-token\n")
    result = subprocess.run(
        [sys.executable, "-m", "floorlead", "--db", str(tmp_path / "f.db"), "feed", "taskrouter",
         "--auth-token-file", str(token), "--duration", "0.1"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "--public-url" in result.stderr


def test_taskrouter_file_of_json_callbacks_replays_once(db: FloorDatabase) -> None:
    lines = [json.dumps(c) + "\n" for c in CALLBACKS]
    first = apply(db, TaskRouterTranslator(STATES).records(lines))
    again = apply(db, TaskRouterTranslator(STATES).records(lines))
    assert first.quarantine.items == [] and first.counts.applied > 0
    assert again.counts.applied == 0


# ------------------------------------------------------------------------------------ CSV


def test_csv_roster_schedule_and_punches_with_mapped_headers(db: FloorDatabase) -> None:
    columns = FeedSettings().csv
    roster_map = {**columns["roster"], "agent": "Employee ID", "name": "Full Name"}
    queue = '{"type":"queue.upsert","queue":"billing","name":"Billing","channel":"voice"}'
    from floorlead.feeds import jsonl

    jsonl.ingest_lines(db, [queue])
    roster = ["Employee ID,Full Name,team,queues\n", "a07,Dana Reyes,North,billing\n"]
    apply(db, CsvTranslator("roster", roster_map, "America/New_York").records(roster))
    schedule = [
        "agent,start,end,activity\n",
        "a07,2026-11-23 09:00,2026-11-23 17:30,work\n",
        "a07,2026-11-23T12:00:00-05:00,2026-11-23T12:30:00-05:00,Lunch\n",
        "a07,2026-03-08 02:30,2026-03-08 10:00,work\n",  # the clocks skip 02:30 that day
        "a07,2026-11-01 01:30,2026-11-01 09:00,work\n",  # 01:30 happens twice that day
    ]
    sched = apply(db, CsvTranslator("schedule", columns["schedule"], "America/New_York").records(
        schedule
    ))  # fmt: skip
    punches = ["agent,at,kind\n", "a07,2026-11-23 08:58,Clock In\n", "a07,2026-11-23 17:31,OUT\n"]
    twice = punches + punches[1:]
    punch_run = apply(db, CsvTranslator("punches", columns["punches"], "America/New_York").records(
        twice
    ))  # fmt: skip
    assert rows(db, "SELECT id, name, team FROM agent") == [("a07", "Dana Reyes", "North")]
    assert rows(db, 'SELECT start, "end", activity FROM schedule ORDER BY start') == [
        ("2026-11-23 14:00:00.000000", "2026-11-23 22:30:00.000000", "work"),
        ("2026-11-23 17:00:00.000000", "2026-11-23 17:30:00.000000", "lunch"),
    ]
    reasons = [reason for _n, reason in sched.quarantine.items]
    assert [n for n, _r in sched.quarantine.items] == [4, 5]
    assert "does not exist" in reasons[0] and "happens twice" in reasons[1]
    assert rows(db, "SELECT at, kind FROM punch ORDER BY at") == [
        ("2026-11-23 13:58:00.000000", "in"),
        ("2026-11-23 22:31:00.000000", "out"),
    ]
    assert punch_run.counts.duplicates == 2


def test_csv_without_the_mapped_column_says_how_to_map_it(db: FloorDatabase) -> None:
    run = apply(db, CsvTranslator("punches", FeedSettings().csv["punches"], "UTC").records(
        ["Emp,When,What\n", "a1,2026-11-23 10:00,in\n"]
    ))  # fmt: skip
    assert run.quarantine.items == [
        (1, "the header has no column 'agent', 'at', 'kind' (map it under [feeds.csv.punches] "
            "in the settings)")
    ]  # fmt: skip
