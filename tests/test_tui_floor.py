"""The live-floor screens driven by keys: queue detail, agent filters, sort, search, the
agent's day and the quick coaching note."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import text
from textual.widgets import Input, Static

from floorlead.store.db import FloorDatabase
from floorlead.tui.screens.agent_day import AgentDayScreen
from floorlead.tui.screens.agents import AgentsScreen
from floorlead.tui.screens.queue_detail import QueueDetailScreen
from floorlead.tui.screens.queues import QueuesScreen
from floorlead.tui.widgets.floor_table import FloorTable
from floorlead.tui.widgets.modals import ConfirmModal
from floorlead.tui.widgets.note_modal import NoteModal
from tests.tui_helpers import make_app, settle_tables, wait_for_load, wait_until

SIZE = (110, 32)


def keys_of(pilot: object) -> list[str]:
    table = pilot.app.screen.query_one(FloorTable)  # type: ignore[attr-defined]
    return list(table._keys)


async def test_enter_on_a_queue_opens_its_detail(floor_db: FloorDatabase) -> None:
    app = make_app(floor_db)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_load(pilot)
        table = app.screen.query_one(FloorTable)
        queue_id = table.selected_key
        await pilot.press("enter")
        await settle_tables(pilot)
        assert isinstance(app.screen, QueueDetailScreen)
        assert app.screen.queue_id == queue_id
        snap = app.snapshot
        assert snap is not None
        from floorlead.domain.pull import who_could_help

        helpers = who_could_help(queue_id or "", snap.agents, snap.taken_at)
        agents = app.screen.query_one("#queue-agents", FloorTable)
        assert agents._keys == [h.agent.id for h in helpers]
        # beyond the skilled: someone free on another queue, or away but able to come back
        assert any(not h.skilled for h in helpers) or any(
            h.agent.state in ("break", "lunch", "meeting", "training") for h in helpers
        )
        queue = next(q for q in snap.queues if q.id == queue_id)
        waiting = app.screen.query_one("#queue-waiting", FloorTable)
        assert waiting.row_count == queue.waiting
        await pilot.press("escape")
        assert isinstance(app.screen, QueuesScreen)


async def test_board_shows_agents_needed_and_trends(floor_db: FloorDatabase) -> None:
    app = make_app(floor_db)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_load(pilot)
        snap = app.snapshot
        assert snap is not None
        busy = max(snap.queues, key=lambda q: q.today.offered)
        assert busy.agents_needed is not None and busy.agents_needed > 0
        assert len(busy.trend.waiting) == 12
        row = app.screen.query_one(FloorTable).get_row(busy.id)
        cells = [getattr(c, "plain", c) for c in row]
        assert f"{busy.agents_needed}/{busy.staffed}" in " ".join(cells)
        assert any(set(str(c).strip()) <= set("▁▂▃▄▅▆▇█ ") and str(c).strip() for c in cells)


async def test_agent_filters_sort_and_search(floor_db: FloorDatabase) -> None:
    app = make_app(floor_db)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_load(pilot)
        await pilot.press("2")
        await settle_tables(pilot)
        snap = app.snapshot
        assert snap is not None
        on_shift = {a.id: a for a in snap.agents if a.on_shift}
        assert sorted(keys_of(pilot)) == sorted(on_shift)

        await pilot.press("s")  # available only
        await settle_tables(pilot)
        shown = keys_of(pilot)
        assert all(on_shift[k].state == "available" for k in shown)
        assert len(shown) == sum(a.state == "available" for a in on_shift.values())
        await pilot.press("escape")

        await pilot.press("t")  # the first team alphabetically
        await settle_tables(pilot)
        first_team = sorted({a.team for a in snap.agents})[0]
        assert keys_of(pilot) and all(on_shift[k].team == first_team for k in keys_of(pilot))
        await pilot.press("escape")

        await pilot.press("f")  # the first queue alphabetically
        await settle_tables(pilot)
        first_queue = sorted(q.id for q in snap.queues)[0]
        assert all(first_queue in on_shift[k].queues for k in keys_of(pilot))
        await pilot.press("escape")

        target = sorted(on_shift.values(), key=lambda a: a.name)[3]
        await pilot.press("slash", *target.name.split()[0].lower())
        await settle_tables(pilot)
        assert target.id in keys_of(pilot)
        assert all(
            target.name.split()[0].lower() in on_shift[k].name.lower() for k in keys_of(pilot)
        )
        assert "name ~" in str(app.screen.query_one("#agents-summary").render())
        await pilot.press("escape")
        await settle_tables(pilot)
        assert len(keys_of(pilot)) == len(on_shift)

        await pilot.press("o", "o")  # name → state → time in state, longest last
        await settle_tables(pilot)
        now = snap.taken_at
        order = [on_shift[k] for k in keys_of(pilot)]
        spans = [(now - a.state_since).total_seconds() if a.state_since else -1 for a in order]
        assert spans == sorted(spans)
        await pilot.press("O")
        await settle_tables(pilot)
        order = [on_shift[k] for k in keys_of(pilot)]
        spans = [(now - a.state_since).total_seconds() if a.state_since else -1 for a in order]
        assert spans == sorted(spans, reverse=True)


async def test_enter_on_an_agent_opens_their_day(floor_db: FloorDatabase) -> None:
    app = make_app(floor_db)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_load(pilot)
        await pilot.press("2")
        await settle_tables(pilot)
        agent_id = app.screen.query_one(FloorTable).selected_key
        await pilot.press("enter")
        assert isinstance(app.screen, AgentDayScreen)
        await wait_until(
            pilot,
            lambda: "contacts" in str(app.screen.query_one("#day-summary").render()),
            tries=100,
        )
        timeline = str(app.screen.query_one("#day-timeline").render())
        assert "Schedule" in timeline and "Actual" in timeline
        assert "W" in timeline.splitlines()[1]  # the scheduled work shows
        with floor_db.connect() as conn:
            handled = conn.execute(
                text("SELECT count(*) FROM contact WHERE agent_id = :a AND answered_at <= :now"),
                {"a": agent_id, "now": "2026-11-23 17:00:00"},
            ).scalar()
        await settle_tables(pilot)
        assert app.screen.query_one("#day-contacts", FloorTable).row_count == handled
        await pilot.press("escape")
        assert isinstance(app.screen, AgentsScreen)


async def test_quick_note_saves_with_ctrl_s_and_escape_saves_nothing(
    floor_db: FloorDatabase,
) -> None:
    app = make_app(floor_db)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_load(pilot)
        await pilot.press("2")
        await settle_tables(pilot)
        agent_id = app.screen.query_one(FloorTable).selected_key

        await pilot.press("c")
        assert isinstance(app.screen, NoteModal)
        await pilot.press("escape")  # nothing typed: straight out
        assert isinstance(app.screen, AgentsScreen)
        await pilot.press("c", *"rushed the close")
        await pilot.press("escape")  # something typed: asks first
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("escape")  # keep writing
        assert isinstance(app.screen, NoteModal)
        assert app.screen.query_one("#note-text", Input).value == "rushed the close"
        await pilot.press("escape", "enter")  # discard
        assert isinstance(app.screen, AgentsScreen)

        await pilot.press("c")
        await pilot.press(*"great empathy on billing call")
        await pilot.press("tab", "tab", *"keep the greeting", "tab", *"fri")
        before = app.loads
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, AgentsScreen)
        with floor_db.connect() as conn:
            notes = conn.execute(
                text("SELECT agent_id, text, category, commitment, follow_up_on FROM coaching_note")
            )
            assert [tuple(r) for r in notes] == [
                (
                    agent_id,
                    "great empathy on billing call",
                    "coaching",
                    "keep the greeting",
                    "2026-11-27",
                )
            ]
            details = (
                conn.execute(
                    text("SELECT detail FROM audit_log WHERE action = 'coaching.note_added'")
                )
                .scalars()
                .all()
            )
        assert len(details) == 1 and "empathy" not in details[0]
        await wait_for_load(pilot, before + 1)  # the app noticed its own commit
        await pilot.press("5")
        await settle_tables(pilot)
        coaching = app.screen.query_one("#coaching-table", FloorTable)
        assert any(
            "great empathy on billing call" in str(getattr(c, "plain", c))
            for row in range(coaching.row_count)
            for c in coaching.get_row_at(row)
        )


async def test_the_quick_note_keeps_the_agent_from_every_screen(floor_db: FloorDatabase) -> None:
    from floorlead.feeds.jsonl import ingest_lines

    agent = "a02"
    ingest_lines(
        floor_db,
        [
            '{"type":"escalation.raised","at":"2026-11-23T16:59:00Z","escalation":"e-note",'
            f'"agent":"{agent}","priority":"P1","kind":"complaint","customer":"Q"}}'
        ],
    )
    app = make_app(floor_db)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_load(pilot)
        opened: list[tuple[str, str | None]] = []
        original = app.open_coaching_note

        def spy(agent_id: str, **links: str | None) -> None:
            opened.append((agent_id, links.get("escalation_id")))
            original(agent_id, **links)

        app.open_coaching_note = spy  # type: ignore[method-assign]

        async def note_from(*keys: str) -> None:
            await pilot.press(*keys)
            await settle_tables(pilot)
            await pilot.press("c")
            assert isinstance(app.screen, NoteModal)
            await pilot.press("escape")

        await pilot.press("2")
        await settle_tables(pilot)
        app.screen.query_one(FloorTable).select_key(agent)
        await note_from()
        await pilot.press("3")
        await settle_tables(pilot)
        app.screen.query_one(FloorTable).select_key("e-note")
        await note_from()
        await pilot.press("4")
        await wait_until(pilot, lambda: getattr(app.screen, "rows", None), tries=100)
        app.screen.query_one(FloorTable).select_key(agent)
        await note_from()
        await pilot.press("1", "enter")
        await settle_tables(pilot)
        app.screen.query_one("#queue-agents", FloorTable).move_cursor(row=0)
        first_agent = app.screen.query_one("#queue-agents", FloorTable).selected_key
        await note_from()
        assert opened == [(agent, None), (agent, "e-note"), (agent, None), (first_agent, None)]


async def test_coaching_follow_ups_by_keys(floor_db: FloorDatabase) -> None:
    from datetime import date

    from floorlead.store.coaching import add_coaching_note
    from tests.conftest import FROZEN

    ids = [
        add_coaching_note(
            floor_db,
            agent_id="a01",
            text="Hold time too long",
            author="sam",
            at=FROZEN,
            commitment="Hold under 45 s",
            follow_up_on=date(2026, 11, 20),
        ),
        add_coaching_note(
            floor_db, agent_id="a02", text="Great close", author="sam", at=FROZEN, category="kudos"
        ),
        add_coaching_note(
            floor_db,
            agent_id="a03",
            text="Verify identity first",
            author="sam",
            at=FROZEN,
            commitment="Always verify",
            follow_up_on=date(2026, 11, 23),
        ),
    ]
    app = make_app(floor_db)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_load(pilot)
        await pilot.press("5")
        await settle_tables(pilot)
        notes = app.screen.query_one("#coaching-table", FloorTable)
        assert notes._keys[:2] == [str(ids[0]), str(ids[2])]  # overdue, then due today
        summary = str(app.screen.query_one("#coaching-summary").render())
        assert "1 follow-ups due today · 1 overdue" in summary
        cells = [str(getattr(c, "plain", c)) for c in notes.get_row(str(ids[0]))]
        assert "‼ overdue 2026-11-20" in cells
        notes.select_key(str(ids[0]))
        before = app.loads
        await pilot.press("d")
        await app.workers.wait_for_complete()
        await wait_for_load(pilot, before + 1)
        notes.select_key(str(ids[2]))
        before = app.loads
        await pilot.press("f", *"fri", "enter")
        await app.workers.wait_for_complete()
        await wait_for_load(pilot, before + 1)
        await pilot.press("slash", *"close")
        await settle_tables(pilot)
        assert notes._keys == [str(ids[1])]
    with floor_db.connect() as conn:
        rows = dict(conn.execute(text("SELECT id, commitment_status FROM coaching_note")).all())
        moved = conn.execute(
            text("SELECT follow_up_on FROM coaching_note WHERE id = :i"), {"i": ids[2]}
        ).scalar()
    assert rows[ids[0]] == "kept" and str(moved) == "2026-11-27"


async def test_a_correction_step_is_recorded_and_shown(floor_db: FloorDatabase) -> None:
    app = make_app(floor_db)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_load(pilot)
        await pilot.press("5")
        await settle_tables(pilot)
        agents = app.screen.query_one("#coaching-agents", FloorTable)
        agents.select_key("a03")
        await pilot.press("x")
        await pilot.press("escape")  # backs out
        before = app.loads
        await pilot.press("x", "down", "enter", "enter", *"repeated late returns", "enter")
        await app.workers.wait_for_complete()
        await wait_for_load(pilot, before + 1)
        row = [str(getattr(c, "plain", c)) for c in agents.get_row("a03")]
        assert row[-2] == "written"  # the Step column, before the score
    with floor_db.connect() as conn:
        note = conn.execute(
            text("SELECT category, correction_step, step_on, text FROM coaching_note")
        ).one()
        audit = conn.execute(
            text("SELECT detail FROM audit_log WHERE action = 'coaching.correction_step'")
        ).scalar()
    assert tuple(note[:3]) == ("correction", "written", "2026-11-23")
    assert "repeated late returns" in note[3] and "repeated" not in audit


async def test_a_measurable_commitment_shows_its_progress(floor_db: FloorDatabase) -> None:
    from datetime import timedelta

    from floorlead.store.coaching import add_coaching_note
    from tests.conftest import FROZEN

    note = add_coaching_note(
        floor_db,
        agent_id="a01",
        text="Wrap-up runs long",
        author="sam",
        at=FROZEN - timedelta(hours=3),
        commitment="ACW ≤ 20 s",
    )
    with floor_db.connect() as conn:
        acw = conn.execute(
            text(
                "SELECT avg((julianday(wrapped_at) - julianday(ended_at)) * 86400), count(*) "
                "FROM contact WHERE agent_id = 'a01' AND answered_at >= :since AND wrapped_at "
                "IS NOT NULL AND wrapped_at <= :now"
            ),
            {
                "since": str(FROZEN - timedelta(hours=3)).replace("+00:00", ""),
                "now": str(FROZEN).replace("+00:00", ""),
            },
        ).one()
    app = make_app(floor_db)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_load(pilot)
        await pilot.press("5")
        await settle_tables(pilot)
        cell = app.screen.query_one("#coaching-table", FloorTable).get_cell(str(note), "track")
        progress = str(getattr(cell, "plain", cell))
    assert acw[1] > 0
    assert progress == f"▼ OFF track: {acw[0]:.0f} s over {acw[1]} contacts"


async def test_grade_an_observation_by_keys(floor_db: FloorDatabase) -> None:
    from floorlead.tui.widgets.grade_modal import GradeModal

    app = make_app(floor_db)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_load(pilot)
        await pilot.press("5")
        await settle_tables(pilot)
        agents = app.screen.query_one("#coaching-agents", FloorTable)
        agents.select_key("a04")
        await pilot.press("v")
        assert isinstance(app.screen, GradeModal)
        await pilot.press("escape")
        await pilot.press("v")
        from textual.widgets import Select

        app.screen.query_one("#mark-closing", Select).value = "fail"
        app.screen.query_one("#mark-greeting", Select).value = "na"
        before = app.loads
        await pilot.press(*"rushed the close", "enter")
        await app.workers.wait_for_complete()
        await wait_for_load(pilot, before + 1)
        row = [str(getattr(c, "plain", c)) for c in agents.get_row("a04")]
        assert row[-1] == "89% (1) ▇"  # 80 of 90 judged: greeting N/A, closing failed
    with floor_db.connect() as conn:
        score, marks = conn.execute(text("SELECT score_pct, marks FROM coaching_note")).one()
    assert score == pytest.approx(80 / 90 * 100)
    assert '"closing": "fail"' in marks


async def test_the_board_shows_before_the_database_has_opened(floor_db: FloorDatabase) -> None:
    """On a SQLite floor the board's figures are read through the sqlite3 driver while the
    database layer loads; screens that need more wait, and a note cannot be started yet."""
    import threading

    from floorlead.config import Settings
    from floorlead.store.engine import file_board
    from floorlead.tui.app import FloorleadApp
    from floorlead.tui.screens.escalations import EscalationsScreen
    from tests.conftest import FROZEN

    path = floor_db.target.path
    assert path is not None
    opened = threading.Event()

    def slow_open() -> FloorDatabase:
        opened.wait(30)  # as if SQLAlchemy were still importing
        return floor_db

    app = FloorleadApp(
        slow_open,
        Settings(),
        clock=lambda: FROZEN,
        poll_interval=0.05,
        preview=lambda engine, now: file_board(engine, path, now),
    )

    async def paused_until(condition: Callable[[], object]) -> bool:
        for _ in range(300):  # not wait_until: it waits for workers, and one is held
            await pilot.pause(0.01)
            if condition():
                return True
        return False

    async with app.run_test(size=SIZE) as pilot:
        try:
            assert await paused_until(lambda: app.snapshot is not None)
            snap = app.snapshot
            assert snap is not None and not snap.complete and app.db is None
            board = app.screen.query_one(FloorTable)
            assert board.row_count == len(snap.queues) > 0
            await pilot.press("c")  # no agent on the board: switch to the agents first
            await pilot.press("2")
            assert await paused_until(lambda: app.screen.query_one(FloorTable).row_count)
            await pilot.press("c")
            assert not isinstance(app.screen, NoteModal)  # refused: nothing to lose yet
            await pilot.press("3")
            await paused_until(lambda: isinstance(app.screen, EscalationsScreen))
            assert isinstance(app.screen, EscalationsScreen)
            summary = app.screen.query_one("#escalations-summary", Static)
            assert str(summary.content) == ""  # no "0 open": it waits for the full read
        finally:
            opened.set()
        assert await wait_until(pilot, lambda: app.snapshot is not None and app.snapshot.complete)
        await settle_tables(pilot)
        complete = app.snapshot
        assert complete is not None
        open_count = len([e for e in complete.escalations if not e.closed])
        assert app.screen.query_one(FloorTable).row_count == open_count > 0


async def test_a_clock_tick_on_a_screen_missing_widgets_waits_for_the_next(
    floor_db: FloorDatabase,
) -> None:
    """Seen in CI: the clock reached the coaching screen while its widgets were coming or
    going (``#coaching-summary`` missing) and the app stopped with NoMatches."""
    app = make_app(floor_db)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_load(pilot)
        await pilot.press("5")
        await settle_tables(pilot)
        summary = app.screen.query_one("#coaching-summary", Static)
        await summary.remove()
        app.render_screen(app.screen)  # the clock's tick, as the app's timer calls it
        await pilot.pause()
        assert app.return_code is None  # still running: the tick was skipped
        assert app.screen.query("#coaching-agents")


async def test_the_interval_abandon_rate_is_flagged_like_the_days(db: FloorDatabase) -> None:
    from datetime import timedelta

    from floorlead.feeds.jsonl import ingest_lines
    from tests.conftest import FROZEN

    lines = [
        '{"type":"queue.upsert","queue":"billing","name":"Billing","channel":"voice"}',
        '{"type":"agent.upsert","agent":"a1","name":"Dana Reyes","team":"North"}',
    ]
    for n, (queued, done, kind) in enumerate(
        [("17:01:00", "17:01:40", "abandoned"), ("17:02:00", "17:02:10", "answered")]
    ):
        lines.append(
            f'{{"type":"contact.queued","at":"2026-11-23T{queued}Z","contact":"c{n}",'
            '"queue":"billing"}'
        )
        extra = ',"agent":"a1"' if kind == "answered" else ""
        lines.append(
            f'{{"type":"contact.{kind}","at":"2026-11-23T{done}Z","contact":"c{n}"{extra}}}'
        )
    assert not ingest_lines(db, lines).errors
    app = make_app(db, FROZEN + timedelta(minutes=10))  # 12:10, the interval from 12:00
    async with app.run_test(size=(200, 32)) as pilot:
        await wait_for_load(pilot)
        table = app.screen.query_one(FloorTable)
        row = table.get_row("billing")
        columns = [key for key, _label in table._column_spec]
        day = str(row[columns.index("abandon")])
        interval = str(row[columns.index("abandon_int")])
        assert day.startswith("▲") and "50" in day
        assert interval.startswith("▲") and "50" in interval


async def test_vim_keys_move_on_every_table(floor_db: FloorDatabase) -> None:
    """j/k a row, G/End the last, g/Home the first — on each of the five screens' tables, and
    j on the Agents screen moves rather than filtering (its queue filter is f)."""
    app = make_app(floor_db)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_load(pilot)
        for screen in "12345":
            await pilot.press(screen)
            await settle_tables(pilot)
            table = app.focused
            assert isinstance(table, FloorTable), screen
            if table.row_count < 3:
                continue
            await pilot.press("g", "j", "j")
            assert table.cursor_row == 2, screen
            await pilot.press("k")
            assert table.cursor_row == 1, screen
            await pilot.press("G")
            assert table.cursor_row == table.row_count - 1, screen
            await pilot.press("home")
            assert table.cursor_row == 0, screen
            await pilot.press("end")
            assert table.cursor_row == table.row_count - 1, screen


async def test_the_columns_that_decide_come_first_at_80_columns(floor_db: FloorDatabase) -> None:
    """At 80×24 the deciding columns are on screen, the first stays put scrolling sideways,
    long text ends in an ellipsis, and the sort names the column as the header does."""
    from rich.text import Text

    from floorlead.feeds.jsonl import ingest_lines

    ingest_lines(
        floor_db,
        [
            '{"type":"escalation.raised","at":"2026-11-23T16:59:00Z","escalation":"e-long",'
            '"agent":"a02","priority":"P2","kind":"refund","customer":"R. Long","amount":75,'
            f'"reason":"{"the customer explains at length " * 4}"}}'
        ],
    )
    app = make_app(floor_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_load(pilot)
        expected = {
            "3": ["Pri", "SLA", "Customer", "Amount", "Assignee", "Status"],
            "4": ["Agent", "Worked", "OT", "Exceptions", "Status"],
        }
        for key, first in expected.items():
            await pilot.press(key)
            await settle_tables(pilot)
            table = app.screen.query_one(FloorTable)
            labels = [str(c.label) for c in table.ordered_columns]
            assert labels[: len(first)] == first, labels
            assert table.fixed_columns == 1
        await pilot.press("3")
        await settle_tables(pilot)
        table = app.screen.query_one(FloorTable)
        assert table.select_key("e-long")
        reason = table.get_row_at(table.cursor_row)[-1]
        assert isinstance(reason, Text) and reason.plain.endswith("…") and len(reason) == 40
        await pilot.press("5")
        await settle_tables(pilot)
        notes = app.screen.query_one("#coaching-table", FloorTable)
        labels = [str(c.label) for c in notes.ordered_columns]
        assert labels[:3] == ["Agent", "Commitment", "Progress"], labels
        await pilot.press("2", "o", "o")
        assert await wait_until(
            pilot,
            lambda: "sorted by In state" in str(app.screen.query_one("#agents-summary").render()),
        )
