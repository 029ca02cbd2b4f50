"""No single record stops a run, whatever the format: hostile records are quarantined with a
reason and everything after them is still read (a property test on a real floor database)."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from floorlead.config import Settings
from floorlead.feeds.pipeline import FeedRun, Quarantine, Record
from floorlead.store.db import FloorDatabase, open_database, resolve_target
from tests.test_feeds import ADAPTER_FORMATS, PIECES
from tests.test_postgres import pg_db, pg_server

__all__ = ["pg_db", "pg_server"]  # fixtures, used by name

DEEP = "[" * 100_000 + "]" * 100_000
HUGE = "9" * 5000
HOSTILE = st.sampled_from(
    [
        DEEP,
        '{"type":"agent.upsert","agent":"a\\ud800","name":"\\udfff"}',
        '{"type":"queue.upsert","queue":"q\\ud800","name":"x","channel":"voice"}',
        '{"type":"escalation.raised","at":"2026-11-23T15:00:00Z","escalation":"e1",'
        f'"priority":"P1","kind":"refund","amount":{HUGE}}}',
        '{"type":"escalation.raised","at":"2026-11-23T15:00:00Z","escalation":"e2",'
        f'"priority":"P1","kind":"refund","amount":{"9" * 100}}}',  # no SQL integer holds it
        '{"type":"contact.queued","at":"0001-01-01T00:00:00Z","contact":"c","queue":"q"}',
        '{"type":"contact.queued","at":"9999-12-31T23:59:59Z","contact":"c","queue":"q"}',
        f'{{"type":"contact.record","updated":"2026-11-23T15:00:00Z","contact":"c",'
        f'"queue":"q","queued":"2026-11-23T15:00:00Z","hold_s":{HUGE}}}',
        "Event: QueueCallerJoin\nTimestamp: 99999999999999\nQueue: q\nUniqueid: 1",
        f"Event: QueueCallerJoin\nTimestamp: {HUGE}\nQueue: q\nUniqueid: 1",
        "Event: QueueCallerJoin\nTimestamp: -62135596800\nQueue: q\nUniqueid: 1",
        "Event: QueueCallerJoin\nTimestamp: nan\nQueue: q\nUniqueid: 1",
        json.dumps(
            {
                "ContactId": "x",
                "InitiationTimestamp": "9999-12-31T23:59:59Z",
                "LastUpdateTimestamp": "9999-12-31T23:59:59Z",
                "Queue": {"Name": "q"},
                "Agent": None,
            }
        ),
        json.dumps(
            {
                "EventType": "STATE_CHANGE",
                "EventTimestamp": "0001-01-01T00:00:00Z",
                "AgentARN": "arn:x",
                "CurrentAgentSnapshot": {"AgentStatus": {"Name": "Available"}},
            }
        ),
        f"EventType=worker.activity.update&Timestamp={HUGE}&WorkerSid=WK1&WorkerActivityName=x",
        "EventType=task.created&Timestamp=-99999999999&TaskSid=WT1&TaskQueueName=q",
        "agent,start,end,activity",
        "a1,0001-01-01 00:00,9999-12-31 23:59,work",
        "agent,at,kind",
        "a1,9999-12-31 23:59,in",
        '"a1,unclosed quote',
    ]
)


@pytest.fixture(scope="module")
def floor() -> Iterator[FloorDatabase]:
    with tempfile.TemporaryDirectory() as folder:
        db = open_database(resolve_target(str(Path(folder) / "floor.db")))
        yield db
        db.dispose()


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    fmt=st.sampled_from(ADAPTER_FORMATS),
    lines=st.lists(st.one_of(HOSTILE, PIECES, st.text(max_size=30)), max_size=10),
)
def test_no_record_stops_a_run(floor: FloorDatabase, fmt: str, lines: list[str]) -> None:
    from floorlead.cli_feeds import adapter

    run = FeedRun(floor, fmt, window_s=5, quarantine=Quarantine(None, fmt))
    records, _left_out = adapter(fmt, Settings())
    text = [piece + "\n" for line in lines for piece in line.split("\n")]
    for record in records(text):
        if isinstance(record, Record):
            run.add(record)
    run.finish()  # everything read was applied or quarantined, nothing raised
    for _number, reason in run.quarantine.items:
        assert reason.strip() and "\n" not in reason


def test_a_record_the_server_refuses_is_quarantined_alone(pg_db: FloorDatabase) -> None:
    """PostgreSQL checks lengths SQLite does not: a 10,000-character name is that record's
    problem, not the feed's."""
    from floorlead.feeds.jsonl import ingest_lines

    result = ingest_lines(
        pg_db,
        [
            '{"type":"queue.upsert","queue":"billing","name":"Billing","channel":"voice"}',
            json.dumps({"type": "agent.upsert", "agent": "a1", "name": "x" * 10_000}),
            '{"type":"agent.upsert","agent":"a2","name":"Dana Reyes"}',
        ],
    )
    assert result.applied == 2
    assert [n for n, _why in result.errors] == [2]


def test_an_unclosed_quote_costs_its_own_line_only() -> None:
    from floorlead.feeds.csvfiles import CsvTranslator

    roster = CsvTranslator("roster", Settings().feeds.csv["roster"], "UTC")
    lines = ["agent,name,team\n", 'a1,"Dana Reyes,North\n', "a2,Bo Diaz,North\n", "a3,Cy,South\n"]
    out = list(roster.records(lines))
    assert [(r.number, r.error) for r in out if r.error] == [
        (2, "not a CSV row (a quote is never closed)")
    ]
    names = [e.name for r in out for e in r.events if hasattr(e, "name")]
    assert names == ["Bo Diaz", "Cy"]  # read before: one agent named 'Dana Reyes,North\na2,…'
