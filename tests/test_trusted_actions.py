"""Actions a supervisor can trust: they reach only the rows on screen (or ask, naming the
others), every message names what changed, and losing a race keeps what was typed."""

from __future__ import annotations

from datetime import timedelta

from textual import events
from textual.widgets import Input, Label, Static

from floorlead.domain.actor import Actor
from floorlead.domain.when import day_time_text
from floorlead.feeds.jsonl import ingest_lines
from floorlead.store import escalations as triage
from floorlead.store.db import FloorDatabase
from floorlead.tui.app import FloorleadApp
from floorlead.tui.screens.escalations import EscalationsScreen
from floorlead.tui.widgets.floor_table import FloorTable
from floorlead.tui.widgets.modals import ChoiceModal, ConfirmModal, PromptModal
from floorlead.tui.widgets.note_modal import NoteModal
from tests.conftest import FROZEN, TZ
from tests.test_escalations import esc_db, make_app, notes_of, open_escalations, status
from tests.tui_helpers import settle_tables, wait_until

__all__ = ["esc_db"]  # the fixture, used by name


def modal_text(app: FloorleadApp) -> str:
    return " ".join(str(label.render()) for label in app.screen.query(Label))


def summary(app: FloorleadApp) -> str:
    return str(app.screen.query_one("#escalations-summary", Static).render())


async def noted(pilot: object, db: FloorDatabase, esc: str, text: str) -> list[str]:
    """The escalation's history once it shows ``text`` as a note (empty if it never does)."""
    lines: list[str] = []

    def seen() -> bool:
        lines[:] = [h.what for h in triage.history(db, esc)]
        return f"note: {text}" in lines

    return lines if await wait_until(pilot, seen) else []  # type: ignore[arg-type]


async def burst(app: FloorleadApp, *keys: str) -> None:
    """Keys as a terminal delivers a paste: all queued before the app handles the first."""
    driver = app._driver
    assert driver is not None
    for key in keys:
        char = key if len(key) == 1 else None
        event = events.Key(key, char)
        event.set_sender(app)
        driver.send_message(event)


async def test_marks_hidden_by_a_search_are_named_and_not_acted_on_unasked(
    esc_db: FloorDatabase,
) -> None:
    app = make_app(esc_db)
    async with app.run_test(size=(110, 32)) as pilot:
        await open_escalations(pilot)
        await pilot.press("space", "space")  # the two P1s
        assert "2 marked" in summary(app)
        await pilot.press("slash", *"fox", "enter")  # only M. Fox shows
        await settle_tables(pilot)
        table = app.screen.query_one(FloorTable)
        assert table._keys == ["e-small"]
        assert "2 marked (2 hidden)" in summary(app)
        await pilot.press("t")
        assert isinstance(app.screen, ChoiceModal)
        asked = modal_text(app)
        assert "J. Doe" in asked and "K. Lee" in asked and "hidden" in asked
        await pilot.press("escape")  # backs out: nothing changes
        assert isinstance(app.screen, EscalationsScreen)
        assert status(esc_db, "e-old-p1")[0] == "open"
        await pilot.press("t", "enter")  # the first choice: only what I see
        await wait_until(pilot, lambda: status(esc_db, "e-small")[0] == "assigned")
        assert status(esc_db, "e-small")[:2] == ("assigned", "sam")
        assert status(esc_db, "e-old-p1")[:2] == ("open", "")
        assert status(esc_db, "e-new-p1")[:2] == ("open", "")
        assert "Taken: M. Fox." in notes_of(app)


async def test_escape_clears_the_search_then_the_marks(esc_db: FloorDatabase) -> None:
    app = make_app(esc_db)
    async with app.run_test(size=(110, 32)) as pilot:
        await open_escalations(pilot)
        await pilot.press("space", "space", "slash", *"fox", "enter", "escape")
        await settle_tables(pilot)
        screen = app.screen
        assert isinstance(screen, EscalationsScreen)
        assert screen.search == "" and len(screen.marked) == 2
        assert "2 marked" in summary(app) and "hidden" not in summary(app)
        await pilot.press("escape")
        assert not screen.marked and "marked" not in summary(app)


async def test_a_partial_result_names_what_was_done_and_what_failed(
    esc_db: FloorDatabase,
) -> None:
    app = make_app(esc_db, poll=3600)  # this screen is not refreshed meanwhile
    async with app.run_test(size=(110, 32)) as pilot:
        await open_escalations(pilot)
        await pilot.press("space", "space")
        triage.take(esc_db, "e-new-p1", 1, Actor("maria", FROZEN, TZ))  # another supervisor
        await pilot.press("t")
        await wait_until(pilot, lambda: status(esc_db, "e-old-p1")[0] == "assigned")
        await wait_until(pilot, lambda: len(notes_of(app)) >= 2)
        said = notes_of(app)
        assert "Taken: J. Doe." in said
        assert any(n.startswith("Not taken: K. Lee — Taken by maria at 12:00") for n in said)
        assert status(esc_db, "e-new-p1")[1] == "maria"


async def test_a_two_person_approval_says_it_is_the_first_of_two(esc_db: FloorDatabase) -> None:
    app = make_app(esc_db)
    async with app.run_test(size=(110, 32)) as pilot:
        await open_escalations(pilot)
        table = app.screen.query_one(FloorTable)
        table.select_key("e-big")
        await pilot.press("A")
        assert isinstance(app.screen, ConfirmModal)
        assert "First approval of two" in modal_text(app)
        await pilot.press("enter")
        await wait_until(pilot, lambda: status(esc_db, "e-big")[0] == "awaiting_second")
        assert any("approved by you — waiting for a second supervisor" in n for n in notes_of(app))
        await wait_until(pilot, lambda: "waiting" in str(table.get_cell("e-big", "status")))
        assert "waiting for a 2nd (1st: sam)" in str(table.get_cell("e-big", "status"))


async def test_losing_a_race_keeps_the_typed_text_as_a_note(esc_db: FloorDatabase) -> None:
    app = make_app(esc_db, poll=3600)
    async with app.run_test(size=(110, 32)) as pilot:
        await open_escalations(pilot)
        triage.resolve(esc_db, "e-old-p1", 1, Actor("maria", FROZEN, TZ), "resolved")
        await pilot.press("r", "enter", *"refund promised", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, PromptModal))
        assert isinstance(app.screen, PromptModal)
        assert "Resolved by maria at 12:00" in modal_text(app)
        assert app.screen.query_one(Input).value == "refund promised"
        await pilot.press("enter")
        assert await noted(pilot, esc_db, "e-old-p1", "refund promised")


async def test_a_snoozed_breach_keeps_its_mark_and_its_count(esc_db: FloorDatabase) -> None:
    # e-old-p1 was raised 20 minutes ago: its 2-minute respond target is long past
    triage.snooze(esc_db, "e-old-p1", 1, Actor("maria", FROZEN, TZ), FROZEN + timedelta(hours=1))
    app = make_app(esc_db)
    async with app.run_test(size=(110, 32)) as pilot:
        await open_escalations(pilot)
        table = app.screen.query_one(FloorTable)
        assert "‼" in str(table.get_cell("e-old-p1", "sla"))
        assert "snoozed" in str(table.get_cell("e-old-p1", "sla"))
        past = summary(app).split("·")[-1]
        assert "3 past target" in past  # both P1s and the P2
        await pilot.press("slash", *"fox", "enter")  # the header counts the same set
        await settle_tables(pilot)
        assert "2 P1 · 3 past target" in summary(app)


async def test_snoozing_past_the_deadline_warns_and_tomorrow_says_so(
    esc_db: FloorDatabase,
) -> None:
    app = make_app(esc_db)
    async with app.run_test(size=(110, 32)) as pilot:
        await open_escalations(pilot)
        app.screen.query_one(FloorTable).select_key("e-small")  # P2, respond by 16:40 local
        await pilot.press("s", *"tomorrow 11", "enter")
        assert isinstance(app.screen, ConfirmModal)
        assert "after its" in modal_text(app) and "target" in modal_text(app)
        await pilot.press("escape")
        assert status(esc_db, "e-small")[0] == "open"
        await pilot.press("s", *"tomorrow 11", "enter", "enter")
        await wait_until(pilot, lambda: status(esc_db, "e-small")[0] == "snoozed")
        assert "Snoozed until 11:00 tomorrow: M. Fox." in notes_of(app)


def test_snooze_times_say_which_day() -> None:
    assert day_time_text(FROZEN + timedelta(minutes=15), FROZEN, TZ) == "12:15"
    assert day_time_text(FROZEN + timedelta(hours=23), FROZEN, TZ) == "11:00 tomorrow"
    assert day_time_text(FROZEN + timedelta(days=4), FROZEN, TZ) == "12:00 Fri 27 Nov"


async def test_keys_typed_fast_after_tab_land_in_the_next_field(db: FloorDatabase) -> None:
    ingest_lines(
        db,
        ['{"type":"agent.upsert","agent":"a1","name":"Dana Reyes","team":"North","queues":[]}'],
    )
    app = make_app(db)
    async with app.run_test(size=(110, 32)) as pilot:
        await pilot.pause()
        app.push_screen(NoteModal("a1", "Dana Reyes", today=FROZEN.date()))
        await wait_until(pilot, lambda: isinstance(app.screen, NoteModal))
        await burst(app, *"hold", "tab", "tab", *"ask", "tab", *"fri")
        modal = app.screen
        await wait_until(pilot, lambda: modal.query_one("#note-follow-up", Input).value == "fri")
        assert modal.query_one("#note-text", Input).value == "hold"
        assert modal.query_one("#note-commitment", Input).value == "ask"
        assert modal.query_one("#note-follow-up", Input).value == "fri"


async def test_a_burst_of_action_keys_never_leaves_an_invisible_dialog(
    esc_db: FloorDatabase,
) -> None:
    """Seen by hand: `t`, `r`, Down×3, Enter froze the clock with no dialog drawn."""
    app = make_app(esc_db)
    async with app.run_test(size=(110, 32)) as pilot:
        await open_escalations(pilot)
        for _ in range(15):
            await burst(app, "t", "r", "down", "down", "down", "enter")
            await wait_until(pilot, lambda: not isinstance(app.screen, EscalationsScreen))
            await app.workers.wait_for_complete()
            await pilot.pause()
            # whatever is on top is drawn and answers the keyboard
            top = app.screen
            assert top.is_current and top.is_attached
            if isinstance(top, PromptModal):
                assert top.query_one(Input).has_focus
            await pilot.press("escape")
            await wait_until(pilot, lambda: isinstance(app.screen, EscalationsScreen))
            assert isinstance(app.screen, EscalationsScreen)
            triage_reopen_all(esc_db)


def triage_reopen_all(db: FloorDatabase) -> None:
    from sqlalchemy import text

    with db.begin() as conn:
        conn.execute(text("UPDATE escalation SET status='open', assignee='', resolved_at=NULL"))


async def test_a_note_that_cannot_be_saved_comes_back_with_its_text(
    db: FloorDatabase, monkeypatch: object
) -> None:
    import floorlead.store.coaching as write
    from floorlead.errors import DatabaseError

    ingest_lines(
        db,
        ['{"type":"agent.upsert","agent":"a1","name":"Dana Reyes","team":"North","queues":[]}'],
    )
    calls: list[str] = []

    def locked(*args: object, **kwargs: object) -> None:
        calls.append(str(kwargs.get("text")))
        if len(calls) == 1:
            raise DatabaseError("The floor database is locked by another program.")

    monkeypatch.setattr(write, "add_coaching_note", locked)  # type: ignore[attr-defined]
    app = make_app(db)
    async with app.run_test(size=(110, 32)) as pilot:
        await pilot.pause()
        app.open_coaching_note("a1")
        await wait_until(pilot, lambda: isinstance(app.screen, NoteModal))
        await pilot.press(*"Greeting was slow", "tab", "tab", *"greet in 3 s", "ctrl+s")
        # the write fails: the dialog is back with everything typed
        assert await wait_until(
            pilot,
            lambda: (
                isinstance(app.screen, NoteModal)
                and app.screen.query_one("#note-text", Input).value == "Greeting was slow"
            ),
        )
        assert app.screen.query_one("#note-commitment", Input).value == "greet in 3 s"
        assert any("locked" in n.message for n in app._notifications)
        await pilot.press("ctrl+s")
        assert await wait_until(pilot, lambda: len(calls) == 2)
        assert calls == ["Greeting was slow", "Greeting was slow"]


async def test_an_escalation_note_that_cannot_be_saved_is_offered_again(
    esc_db: FloorDatabase, monkeypatch: object
) -> None:
    from floorlead.errors import DatabaseError

    real = triage.add_note
    tries: list[str] = []

    def flaky(*args: object) -> object:
        tries.append(str(args[-1]))
        if len(tries) == 1:
            raise DatabaseError("The disk is full.")
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(triage, "add_note", flaky)  # type: ignore[attr-defined]
    app = make_app(esc_db)
    async with app.run_test(size=(110, 32)) as pilot:
        await open_escalations(pilot)
        await pilot.press("n", *"left a voicemail", "enter")
        assert await wait_until(pilot, lambda: isinstance(app.screen, PromptModal))
        assert "not saved — The disk is full." in modal_text(app)
        assert app.screen.query_one(Input).value == "left a voicemail"
        await pilot.press("enter")
        assert await noted(pilot, esc_db, "e-old-p1", "left a voicemail")


async def test_keys_typed_fast_after_slash_go_to_the_search(esc_db: FloorDatabase) -> None:
    """Seen in tmux: `/` then `zzz` typed at once ran `z` (undo) three times on the table and
    left the search empty. Every screen's search takes the keys typed right after `/`."""
    triage.take(esc_db, "e-old-p1", 1, Actor("sam", FROZEN, TZ))
    app = make_app(esc_db)
    async with app.run_test(size=(110, 32)) as pilot:
        await open_escalations(pilot)
        screen = app.screen
        assert isinstance(screen, EscalationsScreen)
        screen.last_actions = [triage.take(esc_db, "e-new-p1", 1, Actor("sam", FROZEN, TZ))]
        await burst(app, "slash", *"zzz")
        assert await wait_until(pilot, lambda: screen.search == "zzz")
        assert status(esc_db, "e-new-p1")[:2] == ("assigned", "sam")  # nothing undone
        for key, box in (("2", "#agents-search"), ("5", "#coach-search")):
            await pilot.press("escape", key)  # out of the search box, to the next screen
            await settle_tables(pilot)
            await burst(app, "slash", *"zed")
            assert await wait_until(
                pilot, lambda b=box: app.screen.query_one(b, Input).value == "zed"
            )


async def test_the_detail_takes_the_lists_action_keys_for_its_escalation_alone(
    esc_db: FloorDatabase,
) -> None:
    from floorlead.tui.screens.escalation_detail import EscalationDetailScreen

    app = make_app(esc_db)
    async with app.run_test(size=(110, 32)) as pilot:
        await open_escalations(pilot)
        table = app.screen.query_one(FloorTable)
        marked = table.selected_key
        await pilot.press("space")  # marked on the list, then the cursor moves down
        shown = table.selected_key
        assert marked and shown and shown != marked
        await pilot.press("enter")
        assert await wait_until(pilot, lambda: isinstance(app.screen, EscalationDetailScreen))
        await pilot.press("t")
        assert await wait_until(pilot, lambda: status(esc_db, shown)[0] == "assigned")
        assert status(esc_db, marked)[:2] == ("open", "")  # the list's mark is not reached
        assert isinstance(app.screen, EscalationDetailScreen)
        await pilot.press("z")
        assert await wait_until(pilot, lambda: status(esc_db, shown)[:2] == ("open", ""))
