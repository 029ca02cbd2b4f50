"""Handover and weekly reports from a hand-worked feed, checked figure by figure."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest

from floorlead.config import Settings
from floorlead.domain.actor import Actor
from floorlead.errors import ConflictError
from floorlead.feeds.jsonl import ingest_lines
from floorlead.reports import shift as render
from floorlead.reports import week as render_week
from floorlead.store.coaching import add_coaching_note
from floorlead.store.db import FloorDatabase
from floorlead.store.escalations import approve
from floorlead.store.handover import (
    read_handover,
    save_handover,
    shift_bounds,
    shift_report,
)
from floorlead.store.week import week_report

DAY = date(2026, 11, 23)
TZ = "America/New_York"  # 09:00 on the floor is 14:00Z in November


def e(event_type: str, at: str, **fields: object) -> str:
    return json.dumps({"type": event_type, "at": f"2026-11-23T{at}Z", **fields})


FEED = [
    '{"type":"queue.upsert","queue":"billing","name":"Billing","channel":"voice",'
    '"sl_target":"80/20"}',
    '{"type":"queue.upsert","queue":"chat","name":"Chat","channel":"chat","sl_target":"80/60"}',
    '{"type":"agent.upsert","agent":"a1","name":"Dana Reyes","team":"North","queues":["billing"]}',
    '{"type":"schedule","agent":"a1","start":"2026-11-23T14:00:00Z",'
    '"end":"2026-11-23T16:00:00Z","activity":"work"}',
    e("punch", "13:58:00", agent="a1", kind="in"),
    e("punch", "16:02:00", agent="a1", kind="out"),
    e("agent.state", "14:00:00", agent="a1", state="available"),
    # c1: 10 s in the queue (within 20 s), 5 min talk, 1 min ACW: handle 360 s
    e("contact.queued", "14:00:00", contact="c1", queue="billing"),
    e("contact.answered", "14:00:10", contact="c1", agent="a1"),
    e("agent.state", "14:00:10", agent="a1", state="on_contact"),
    e("contact.ended", "14:05:10", contact="c1"),
    e("agent.state", "14:05:10", agent="a1", state="acw"),
    e("contact.wrapped", "14:06:10", contact="c1"),
    e("agent.state", "14:06:10", agent="a1", state="available"),
    # c2: 30 s in the queue (late), 4 min talk, no ACW: handle 240 s
    e("contact.queued", "14:10:00", contact="c2", queue="billing"),
    e("contact.answered", "14:10:30", contact="c2", agent="a1"),
    e("agent.state", "14:10:30", agent="a1", state="on_contact"),
    e("contact.ended", "14:14:30", contact="c2"),
    e("contact.wrapped", "14:14:30", contact="c2"),
    e("agent.state", "14:14:30", agent="a1", state="available"),
    # c3: a short abandon (3 s), not counted; c4: abandoned after 60 s, counted
    e("contact.queued", "14:40:00", contact="c3", queue="billing"),
    e("contact.abandoned", "14:40:03", contact="c3"),
    e("contact.queued", "14:41:00", contact="c4", queue="billing"),
    e("contact.abandoned", "14:42:00", contact="c4"),
    e("agent.state", "15:00:00", agent="a1", state="break"),  # an hour's break: out of adherence
    # after the shift: not in it
    e("contact.queued", "16:10:00", contact="c5", queue="billing"),
    e(
        "escalation.raised",
        "14:20:00",
        escalation="e1",
        priority="P2",
        kind="approval",
        agent="a1",
        queue="billing",
        contact="c2",
        amount=250,
    ),
    e("escalation.raised", "14:50:00", escalation="e2", priority="P1", kind="complaint"),
]
NOW = datetime(2026, 11, 23, 16, 30, tzinfo=UTC)


@pytest.fixture
def worked(db: FloorDatabase) -> FloorDatabase:
    result = ingest_lines(db, FEED)
    assert result.errors == []
    approve(db, "e1", 1, Actor("maria", datetime(2026, 11, 23, 14, 30, tzinfo=UTC), TZ), 1_000_000)
    add_coaching_note(
        db,
        agent_id="a1",
        text="Good save on c2; slow greeting.",
        author="maria",
        at=datetime(2026, 11, 23, 14, 45, tzinfo=UTC),
        commitment="Greeting within 3 s",
        follow_up_on=date(2026, 11, 24),
    )
    return db


def report_for(db: FloorDatabase, shift: str | None = "09:00-11:00", now: datetime = NOW):
    settings = Settings()
    start, end = shift_bounds(DAY, TZ, shift)
    with db.connect() as conn:
        return shift_report(conn, settings, DAY, start, end, now)


def test_shift_report_figures_match_the_hand_worked_feed(worked: FloorDatabase) -> None:
    r = report_for(worked)
    assert (r.start, r.end) == (
        datetime(2026, 11, 23, 14, tzinfo=UTC),
        datetime(2026, 11, 23, 16, tzinfo=UTC),
    )
    billing, chat = r.queues
    m = billing.metrics
    assert (m.offered, m.answered, m.abandoned, m.short_abandoned) == (3, 2, 1, 1)
    assert m.service_level == pytest.approx(1 / 3)
    assert (m.asa_s, m.aht_s, m.abandon_rate) == (20.0, 300.0, pytest.approx(1 / 3))
    assert billing.met is False
    worst = billing.worst
    assert worst is not None and worst.start == datetime(2026, 11, 23, 14, 30, tzinfo=UTC)
    assert worst.metrics.service_level == 0.0
    assert [i.metrics.offered for i in billing.intervals] == [2, 1, 0, 0]
    assert chat.metrics.offered == 0 and chat.met is None and chat.worst is None
    [agent] = r.agents
    assert (agent.name, agent.handled, agent.aht_s) == ("Dana Reyes", 2, 300.0)
    assert agent.adherence == pytest.approx(0.5)  # the 15:00-16:00 break against work
    assert agent.occupancy == pytest.approx(600 / 3600)  # 540 s talk + 60 s ACW; 3,000 s idle
    assert agent.flags == ("break over 17 min",)
    esc = r.escalations
    assert (esc.raised, esc.resolved) == (2, 1)
    assert [(a.id, a.amount_cents, a.approved_by) for a in esc.approvals] == [
        ("e1", 25000, "maria")
    ]
    assert [(o.id, o.priority, o.breached) for o in esc.still_open] == [("e2", "P1", True)]
    ts = r.timesheets
    assert (ts.approved, ts.pending, ts.rejected, ts.overtime_h) == (0, 1, 0, 0.0)
    assert (r.notes_written, r.commitments_due_tomorrow) == (1, 1)
    assert r.partial is False


def test_markdown_and_html_say_the_same_and_html_is_self_contained(worked: FloorDatabase) -> None:
    saved = save_handover(worked, DAY, "Billing short two at 17:00 <call Sam>", "maria", NOW, 0, TZ)
    with pytest.raises(ConflictError, match="maria at 11:30 changed the handover"):
        save_handover(worked, DAY, "overwrite", "li", NOW, 0, TZ)  # opened before maria saved
    assert saved.version == 1
    r = report_for(worked)
    md = render.markdown(r)
    assert "Billing short two at 17:00 &lt;call Sam&gt;\n\n— maria" in md  # escaped, not HTML
    assert (
        "| Billing | 3 | 2 | 1 | 33.3 % | 33.3 % (MISSED; target 80/20) | 0:20 | 5:00 "
        "| 09:30 (0.0 %) |" in md
    )
    assert "Notes written: 1; commitments due tomorrow: 1" in md
    assert "Good save" not in md  # never the text of a coaching note
    page = render.html_page(r)

    class Collect(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.tags: list[str] = []
            self.attrs: list[tuple[str, str | None]] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            self.tags.append(tag)
            self.attrs.extend(attrs)

    parser = Collect()
    parser.feed(page)
    parser.close()
    assert parser.tags.count("svg") == 2 and "style" in parser.tags
    assert not {"script", "link", "img", "iframe", "object"} & set(parser.tags)
    assert not [a for a in parser.attrs if a[0] in ("src", "href")]
    assert "url(" not in page and "@import" not in page and "http" not in page
    assert "&lt;call Sam&gt;" in page and "<call Sam>" not in page
    assert "Good save" not in page


def test_csv_columns_are_exact(worked: FloorDatabase) -> None:
    rows = list(csv.reader(io.StringIO(render.csv_text(report_for(worked)))))
    assert rows[0] == ["section", "item", "measure", "value"]
    assert all(len(row) == 4 for row in rows)
    table = {(s, i, m): v for s, i, m, v in rows[1:]}
    assert table[("queue", "billing", "offered")] == "3"
    assert table[("queue", "billing", "service_level")] == "0.3333"
    assert table[("queue", "billing", "worst_interval_start")] == "2026-11-23T14:30:00Z"
    assert table[("agent", "a1", "adherence")] == "0.5000"
    assert table[("escalations", "", "approved_amount")] == "250.00"
    assert table[("coaching", "", "commitments_due_tomorrow")] == "1"


def test_an_empty_day_and_a_day_in_progress(db: FloorDatabase) -> None:
    ingest_lines(db, FEED[:2])
    empty = report_for(db, shift=None)
    assert empty.agents == () and empty.totals.offered == 0
    assert all(q.met is None for q in empty.queues)
    assert "no traffic" in render.markdown(empty) and "No agent on this shift" in render.markdown(
        empty
    )
    ingest_lines(db, FEED[2:])
    during = report_for(db, now=datetime(2026, 11, 23, 14, 45, tzinfo=UTC))
    assert during.partial is True
    assert [i.start.minute for i in during.queues[0].intervals] == [0, 30]  # none after now
    assert during.queues[0].metrics.offered == 3
    assert "the window had not ended" in render.markdown(during)


def test_night_shift_crosses_midnight(db: FloorDatabase) -> None:
    start, end = shift_bounds(DAY, TZ, "22:00-06:30")
    assert (start, end) == (
        datetime(2026, 11, 24, 3, tzinfo=UTC),
        datetime(2026, 11, 24, 11, 30, tzinfo=UTC),
    )
    with pytest.raises(ValueError, match="not like 07:00-15:30"):
        shift_bounds(DAY, TZ, "late")


def test_week_report_compares_with_the_week_before(worked: FloorDatabase) -> None:
    with worked.connect() as conn:
        w = week_report(conn, Settings(), date(2026, 11, 23), NOW)
    assert len(w.days) == 7 and w.days[0].day == DAY
    assert w.totals.offered == 4  # c5 after the shift is still that day
    assert w.previous_totals.offered == 0
    md = render_week.markdown(w)
    assert "2026-W48" in md and "| Offered | +4 |" in md
    rows = list(csv.reader(io.StringIO(render_week.csv_text(w))))
    assert rows[0] == ["section", "item", "measure", "value"]
    assert ["week", "2026-11-23", "offered", "4"] in rows
    assert "<table>" in render_week.html_page(w)


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "floorlead", *args], capture_output=True, text=True, timeout=120
    )


def test_cli_report_shift_writes_a_private_file_and_refuses_bad_input(
    worked: FloorDatabase, db_path: Path, tmp_path: Path
) -> None:
    out = tmp_path / "handover.html"
    ok = run_cli(
        "--db", str(db_path), "report", "shift", "--date", "2026-11-23",
        "--shift", "09:00-11:00", "--format", "html", "-o", str(out),
    )  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    assert out.stat().st_mode & 0o777 == 0o600 and "<svg" in out.read_text()
    for args, sentence in (
        (("report", "shift", "--shift", "9 to 5"), "is not like 07:00-15:30"),
        (("report", "shift", "--format", "pdf"), "is not one of md, html, csv"),
        (("report", "shift", "--date", "23/11"), "is not a date like 2026-11-23"),
        (("report", "week", "--week", "2026-W60"), "is not an ISO week such as 2026-W48"),
    ):
        bad = run_cli("--db", str(db_path), *args)
        assert bad.returncode == 1 and sentence in bad.stderr and "Traceback" not in bad.stderr


def test_handover_text_round_trips(worked: FloorDatabase) -> None:
    with worked.connect() as conn:
        assert read_handover(conn, DAY).version == 0
    save_handover(worked, DAY, "first", "maria", NOW, 0, TZ)
    save_handover(worked, DAY, "second", "maria", NOW, 1, TZ)
    with worked.connect() as conn:
        current = read_handover(conn, DAY)
    assert (current.text, current.version) == ("second", 2)


async def test_r_writes_the_handover_with_the_note_for_the_next_shift(
    worked: FloorDatabase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from floorlead.tui.widgets.handover_modal import HandoverModal
    from floorlead.tui.widgets.modals import ConfirmModal
    from tests.tui_helpers import make_app, wait_for_load, wait_until

    monkeypatch.setenv("FLOORLEAD_REPORTS", str(tmp_path / "reports"))
    page = tmp_path / "reports" / "handover-2026-11-23.html"
    app = make_app(worked, now=NOW)
    async with app.run_test(size=(110, 32)) as pilot:
        await wait_for_load(pilot)
        await pilot.press("R")
        assert await wait_until(pilot, lambda: isinstance(app.screen, HandoverModal))
        await pilot.press(*"Sam", "escape")  # changed: Escape asks first
        assert await wait_until(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("n")
        assert isinstance(app.screen, HandoverModal)
        await pilot.press("end", *" covers", "enter", *"billing", "ctrl+s")
        assert await wait_until(pilot, page.exists)
        assert not isinstance(app.screen, HandoverModal)
    with worked.connect() as conn:
        assert read_handover(conn, DAY).text == "Sam covers\nbilling"
    text = page.read_text()
    assert "Sam covers\nbilling" in text and page.stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "reports" / "handover-2026-11-23.md").exists()


def test_the_handover_queue_table_has_the_abandon_rate_and_rounds_times(
    worked: FloorDatabase,
) -> None:
    from dataclasses import replace

    from floorlead.domain.when import average_text
    from floorlead.reports.shift import QUEUE_HEAD, queue_lines

    assert average_text(22.8) == "0:23" and average_text(22.4) == "0:22"
    assert average_text(None) == "—"
    r = report_for(worked)
    billing = r.queues[0]
    # 2 answered after 45.6 s in the queue in all: ASA 22.8 s
    metrics = replace(billing.metrics, queue_time_answered_s=45.6)
    r = replace(r, queues=[replace(billing, metrics=metrics)])
    row = dict(zip(QUEUE_HEAD, queue_lines(r)[0], strict=True))
    assert row["Abandon rate"] == "33.3 %"
    assert row["ASA"] == "0:23"
