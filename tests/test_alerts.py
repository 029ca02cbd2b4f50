"""Alert rules (pure): what holds at an instant, what fires once, the badge, quiet hours."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from floorlead.config import AlertSettings, Settings, load_settings
from floorlead.domain import metrics as mx
from floorlead.domain.alerts import (
    AlertWatch,
    as_at,
    badge,
    parse_quiet_hours,
    quiet,
    replay,
    standing,
)
from floorlead.domain.board import EscalationRow, QueueRow
from floorlead.errors import ConfigError

T0 = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # 10:00 in New York
S = Settings()


def esc(ident: str, priority: str = "P2", raised: datetime = T0, **kw: object) -> EscalationRow:
    fields: dict[str, object] = {
        "id": ident,
        "priority": priority,
        "raised_at": raised,
        "customer": f"Cust {ident}",
        "queue_id": "billing",
        "agent_id": "a1",
        "agent_name": "Ann",
        "kind": "complaint",
        "amount_cents": None,
        "assignee": "",
        "status": "open",
        "reason": "angry",
    }
    fields.update(kw)
    return EscalationRow(**fields)  # type: ignore[arg-type]


def queue(ident: str, oldest: datetime | None, waiting: int = 1) -> QueueRow:
    return QueueRow(
        ident,
        ident.title(),
        "voice",
        80,
        20,
        waiting,
        oldest,
        mx.QueueMetrics(),
        mx.QueueMetrics(),
        0,
        0,
        0,
        0,
        0,
    )


def test_a_p1_holds_while_open_and_a_breach_dates_from_its_target() -> None:
    now = T0 + timedelta(minutes=3)  # P1 respond target is 2 minutes
    alerts = standing([], [esc("e1", "P1"), esc("e2", "P2")], now, S)
    kinds = [(a.kind, a.key) for a in alerts]
    # the P1 past its target comes first, then its arrival; the P2 (10 min) holds nothing
    assert kinds == [("sla_breach", "sla:e1"), ("p1", "p1:e1")]
    assert alerts[0].at == T0 + timedelta(minutes=2)
    assert "past its response target by 1:00" in alerts[0].text
    assert alerts[0].goto == ("escalations", "e1")


def test_a_responded_escalation_runs_on_its_resolution_target() -> None:
    e = esc("e2", "P2", responded_at=T0 + timedelta(minutes=1))
    assert standing([], [e], T0 + timedelta(minutes=119), S) == []
    late = standing([], [e], T0 + timedelta(minutes=121), S)
    assert [a.key for a in late] == ["sla:e2"]


def test_closed_escalations_hold_nothing() -> None:
    e = esc("e1", "P1", status="resolved", resolved_at=T0 + timedelta(minutes=1))
    assert standing([], [e], T0 + timedelta(hours=2), S) == []


def test_a_queue_alerts_from_the_instant_its_oldest_contact_crossed_critical() -> None:
    oldest = T0 - timedelta(seconds=150)  # critical is 120 s
    alerts = standing([queue("billing", oldest, 3), queue("sales", T0)], [], T0, S)
    assert [a.key for a in alerts] == ["wait:billing"]
    assert alerts[0].at == oldest + timedelta(seconds=120)
    assert alerts[0].goto == ("queues", "billing")
    assert "3 waiting" in alerts[0].text


def test_badge_in_words() -> None:
    now = T0 + timedelta(minutes=15)
    alerts = standing(
        [queue("billing", now - timedelta(minutes=5))],
        [esc("e1", "P1"), esc("e2", "P1", raised=now), esc("e3", "P2")],
        now,
        S,
        stale_why="no feed has sent anything for 2m",
    )
    assert badge(alerts) == "‼ 2 P1 · 2 past target · 1 queue waiting"
    assert badge([]) == ""
    # the most urgent first: the P1 breach, then the P2 breach, the queue, the P1s, stale
    assert [a.kind for a in alerts] == [
        "sla_breach",
        "sla_breach",
        "longest_wait",
        "p1",
        "p1",
        "stale_feed",
    ]


def test_an_alert_fires_once_when_its_rule_starts_to_hold() -> None:
    watch = AlertWatch()
    on = S.alerts.events
    before = standing(
        [queue("billing", T0 - timedelta(minutes=5))], [esc("e1", "P1")], T0, S, stale_why="x"
    )
    # what held when the app opened is on the badge; only a frozen board is said at once
    assert [a.key for a in watch.fired(before, on)] == ["stale"]
    new = standing([], [esc("e1", "P1"), esc("e9", "P1")], T0, S)
    assert [a.key for a in watch.fired(new, on)] == ["p1:e9"]
    assert watch.fired(new, on) == []  # once
    assert watch.fired([], on) == []
    assert [a.key for a in watch.fired(new, on)] == ["p1:e1", "p1:e9"]  # held again


def test_rules_switched_off_do_not_fire() -> None:
    watch = AlertWatch(primed=True)
    alerts = standing([queue("billing", T0 - timedelta(minutes=5))], [esc("e9", "P1")], T0, S)
    assert [a.kind for a in watch.fired(alerts, ["longest_wait"])] == ["longest_wait"]


def test_urgent_priorities_come_from_the_settings() -> None:
    s = replace(S, alerts=AlertSettings(urgent_priorities=("P1", "P2")))
    assert [a.key for a in standing([], [esc("e2", "P2")], T0, s)] == ["p1:e2"]
    assert badge(standing([], [esc("e2", "P2")], T0, s)) == "‼ 1 P1"


@given(st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 1, 1)))
def test_quiet_hours_cross_midnight_in_the_floor_zone(naive: datetime) -> None:
    from zoneinfo import ZoneInfo

    at = naive.replace(tzinfo=UTC)
    s = replace(S, alerts=AlertSettings(quiet_hours=parse_quiet_hours("22:00-06:30")))
    wall = at.astimezone(ZoneInfo("America/New_York")).time()
    expected = wall.hour >= 22 or (wall.hour, wall.minute) < (6, 30)
    assert quiet(at, s) == expected
    assert not quiet(at, S)


def test_alert_settings_are_read_and_checked(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '[alerts]\nevents = ["p1"]\nbell = false\nquiet_hours = "12:00-13:00"\n', encoding="utf-8"
    )
    s = load_settings(path)
    assert s.alerts.events == ("p1",) and not s.alerts.bell
    assert s.alerts.quiet_hours is not None
    path.write_text("[alerts]\nevents = []\n", encoding="utf-8")
    assert load_settings(path).alerts.events == ()
    for bad, key in (
        ('quiet_hours = "late"', "alerts.quiet_hours"),
        ('events = ["fire"]', "alerts.events"),
        ('urgent_priorities = ["P9"]', "alerts.urgent_priorities"),
        ("ring = true", "alerts.ring"),
    ):
        path.write_text(f"[alerts]\n{bad}\n", encoding="utf-8")
        with pytest.raises(ConfigError, match=f"Setting {key} in {path}"):
            load_settings(path)


def test_a_replay_fires_each_alert_once_at_the_instant_its_rule_began() -> None:
    e1 = esc("e1", "P1", responded_at=T0 + timedelta(minutes=1))  # in time: no breach
    e2 = esc(
        "e2",
        "P2",
        raised=T0 + timedelta(minutes=5),
        status="resolved",
        resolved_at=T0 + timedelta(minutes=40),  # responded never: past target at 15 min
    )
    waited = T0 + timedelta(minutes=20)
    steps = [T0 + timedelta(minutes=m) for m in range(0, 60, 1)]
    boards = [
        (t, [queue("billing", waited if waited <= t < waited + timedelta(minutes=5) else None)])
        for t in steps
    ]
    fired = replay(boards, [e1, e2], S)
    assert [(a.key, a.at) for a in fired] == [
        ("p1:e1", T0),
        ("sla:e2", T0 + timedelta(minutes=15)),
        ("wait:billing", waited + timedelta(seconds=120)),
        ("sla:e1", T0 + timedelta(minutes=30)),  # P1: resolve within 30 min
    ]
    assert as_at(e2, T0) is None
    then = as_at(e2, T0 + timedelta(minutes=30))
    assert then is not None and not then.closed and then.resolved_at is None


def test_taking_an_escalation_late_on_both_targets_rings_nothing_new() -> None:
    watch = AlertWatch(primed=True)
    late = esc("e1", "P1", raised=T0 - timedelta(hours=1))  # past response and resolution
    assert [a.key for a in watch.fired(standing([], [late], T0, S), ["sla_breach"])] == ["sla:e1"]
    taken = replace(late, responded_at=T0)
    assert watch.fired(standing([], [taken], T0, S), ["sla_breach"]) == []
    assert "resolution target" in standing([], [taken], T0, S)[0].text
