"""Alerts reach the supervisor on every screen: the bell, a notification, the header's badge,
and one key to the most urgent row."""

from __future__ import annotations

from dataclasses import replace

from floorlead.config import AlertSettings, Settings
from floorlead.domain.alerts import parse_quiet_hours
from floorlead.feeds.jsonl import ingest_lines
from floorlead.store.db import FloorDatabase
from floorlead.tui.app import FloorleadApp
from floorlead.tui.widgets.floor_table import FloorTable
from floorlead.tui.widgets.header import FloorHeader
from tests.conftest import FROZEN
from tests.tui_helpers import wait_for_load, wait_until

SIZE = (120, 40)
P1 = (
    '{"type":"escalation.raised","at":"2026-11-23T16:59:30Z","escalation":"e-p1",'
    '"agent":"a02","queue":"billing","priority":"P1","kind":"refund","customer":"Vera Quist",'
    '"reason":"double charged"}'
)


def app_with(db: FloorDatabase, settings: Settings | None = None) -> tuple[FloorleadApp, list[int]]:
    app = FloorleadApp(db, settings or Settings(), clock=lambda: FROZEN, poll_interval=0.05)
    rings: list[int] = []
    app.bell = lambda: rings.append(1)  # type: ignore[method-assign]
    return app, rings


def said(app: FloorleadApp) -> list[str]:
    return [n.message for n in app._notifications]


def badge(app: FloorleadApp) -> str:
    label = app.screen.query_one(FloorHeader).query_one("#alerts")
    return str(label.render()) if label.has_class("holding") else ""


async def test_a_p1_arriving_while_the_queues_show_rings_and_is_one_key_away(
    floor_db: FloorDatabase,
) -> None:
    app, rings = app_with(floor_db)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_load(pilot)
        assert app.current_mode == "queues"
        rung, loads = len(rings), app.loads
        ingest_lines(floor_db, [P1])
        await wait_for_load(pilot, loads + 1)
        assert len(rings) == rung + 1
        assert any("P1 escalation: Vera Quist (billing) — double charged." in m for m in said(app))
        assert "1 P1" in badge(app) and badge(app).startswith("‼ ")
        await pilot.press("2")  # the badge is on every screen
        assert await wait_until(pilot, lambda: "1 P1" in badge(app))
        # the jump goes round the alerts, most urgent first: start it just before the P1
        keys = [a.key for a in app.alerts if a.goto]
        app._jumped = keys[keys.index("p1:e-p1") - 1] if keys.index("p1:e-p1") else None
        await pilot.press("exclamation_mark")
        assert await wait_until(pilot, lambda: app.current_mode == "escalations")
        assert await wait_until(
            pilot, lambda: app.screen.query_one(FloorTable).selected_key == "e-p1"
        )
        rung = len(rings)
        for _ in range(3):  # it rang once: ticks and reloads do not ring it again
            app.render_screen(app.screen)
        assert len(rings) == rung


async def test_the_jump_key_starts_from_the_most_urgent_and_reaches_hidden_rows(
    floor_db: FloorDatabase,
) -> None:
    ingest_lines(floor_db, [P1])
    app, _rings = app_with(floor_db)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_load(pilot)
        await pilot.press("3", "slash", "z", "z", "z", "enter")  # a search that hides it all
        await pilot.press("exclamation_mark")
        first = app.alerts[0]
        assert first.goto is not None
        assert await wait_until(
            pilot,
            lambda: (
                app.current_mode == first.goto[0]  # type: ignore[index]
                and app.screen.query_one(FloorTable).selected_key == first.goto[1]
            ),  # type: ignore[index]
        )
        assert any(m.startswith("1 of ") for m in said(app))


async def test_a_muted_bell_and_quiet_hours_still_show_the_alert(floor_db: FloorDatabase) -> None:
    quiet = parse_quiet_hours("11:00-13:00")  # FROZEN is 12:00 in New York
    for alerts in (AlertSettings(bell=False), AlertSettings(quiet_hours=quiet)):
        app, rings = app_with(floor_db, replace(Settings(), alerts=alerts))
        async with app.run_test(size=SIZE) as pilot:
            await wait_for_load(pilot)
            loads = app.loads
            ingest_lines(floor_db, [P1.replace("e-p1", f"e-{len(said(app))}{id(alerts)}")])
            await wait_for_load(pilot, loads + 1)
            assert rings == []
            assert any("Vera Quist" in m for m in said(app))


async def test_rules_switched_off_stay_silent(floor_db: FloorDatabase) -> None:
    app, rings = app_with(floor_db, replace(Settings(), alerts=AlertSettings(events=())))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_load(pilot)
        loads = app.loads
        ingest_lines(floor_db, [P1])
        await wait_for_load(pilot, loads + 1)
        assert rings == [] and not any("Vera Quist" in m for m in said(app))
        assert "1 P1" in badge(app)  # the badge counts what holds, switched on or not
