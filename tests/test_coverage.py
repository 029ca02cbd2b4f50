"""Intraday coverage (pure): intervals across DST, the forecast from history, the reforecast,
required against scheduled and staffed, and the shared-agent rule — against hand-worked figures."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

import pytest

from floorlead.domain import erlang
from floorlead.domain import metrics as mx
from floorlead.domain.coverage import (
    Demand,
    Forecast,
    QueueModel,
    Tally,
    coverage,
    day_intervals,
    history_forecast,
    interval_tally,
    staffing,
)

TZ = "America/New_York"


def contact(
    queue: str, at: datetime, handle_s: float = 300, answered: bool = True
) -> mx.ContactTimes:
    if not answered:
        return mx.ContactTimes(queue, at, abandoned_at=at + timedelta(seconds=60))
    ans = at + timedelta(seconds=10)
    return mx.ContactTimes(
        queue,
        at,
        ans,
        None,
        ans + timedelta(seconds=handle_s - 30),
        ans + timedelta(seconds=handle_s),
    )


def tallies(history: dict[date, list[mx.ContactTimes]]) -> dict[date, Tally]:
    return {d: interval_tally(c, day_intervals(d, TZ, "00:00", 30), 5) for d, c in history.items()}


def test_a_day_the_clocks_change_has_23_or_25_hours_of_intervals() -> None:
    assert len(day_intervals(date(2026, 3, 9), TZ, "00:00", 30)) == 48
    spring = day_intervals(date(2026, 3, 8), TZ, "00:00", 30)
    assert len(spring) == 46 and "02:00" not in {i.label for i in spring}
    autumn = day_intervals(date(2026, 11, 1), TZ, "00:00", 30)
    assert len(autumn) == 50
    assert [i.key for i in autumn if i.label == "01:30"] == [("01:30", 0), ("01:30", 1)]
    assert all(i.seconds == 1800 for i in autumn)


def test_the_forecast_is_the_same_weekdays_average_weeks_without_data_left_out() -> None:
    """Four Mondays back: 10, 14 and 0 (no data: left out) contacts at 09:00, and one Monday
    the clocks changed on (09:00 is still 09:00 by the wall clock)."""
    days = [date(2026, 10, 12), date(2026, 10, 19), date(2026, 10, 26), date(2026, 11, 2)]
    history: dict[date, list[mx.ContactTimes]] = {d: [] for d in days}

    def nine(d: date) -> datetime:  # 09:00 New York: 13:00 UTC in EDT, 14:00 in EST
        return datetime(d.year, d.month, d.day, 13 if d < date(2026, 11, 1) else 14, 0, tzinfo=UTC)

    history[days[0]] = [contact("billing", nine(days[0]) + timedelta(minutes=i)) for i in range(10)]
    history[days[1]] = [
        contact("billing", nine(days[1]) + timedelta(minutes=i), handle_s=240) for i in range(14)
    ]
    history[days[3]] = [contact("billing", nine(days[3]) + timedelta(minutes=i)) for i in range(6)]
    history[days[3]].append(contact("billing", nine(days[3]), answered=False))  # offered too
    fc = history_forecast(tallies(history), "Monday")
    d = fc.of("billing", ("09:00", 0))
    assert d.contacts == pytest.approx((10 + 14 + 7) / 3)
    assert d.aht_s == pytest.approx((10 * 300 + 14 * 240 + 6 * 300) / 30)
    assert fc.of("billing", ("09:30", 0)) == Demand(0.0, None)
    assert "last 3 Mondays" in fc.how and "1 left out with no data" in fc.how


def test_required_scheduled_and_the_gap_against_hand_worked_figures() -> None:
    day = date(2026, 11, 23)
    intervals = [i for i in day_intervals(day, TZ, "00:00", 30) if i.label in ("09:00", "09:30")]
    nine, half = intervals
    fc = Forecast({"billing": {nine.key: Demand(100, 180.0), half.key: Demand(100, 180.0)}}, "x")
    # 100 contacts in 30 min at 180 s: A = 10 Erlangs; 13 agents answer 79.6 % in 20 s, 14
    # answer 88.8 %: 80/20 needs 14 by Erlang C
    assert erlang.evaluate(13, 10.0, 180, 20).service_level == pytest.approx(0.7956, abs=1e-4)
    assert erlang.agents_needed(10.0, 180, target_percent=80, target_s=20).agents == 14
    blocks = {f"a{i}": [mx.ScheduleBlock(nine.start, half.end, "work")] for i in range(12)}
    blocks["a0"].append(mx.ScheduleBlock(half.start, half.start + timedelta(minutes=15), "break"))
    skills = {a: ["billing"] for a in blocks}
    cov = coverage(
        day,
        intervals,
        [QueueModel("billing", "Billing", 80, 20)],
        fc,
        {},
        skills,
        blocks,
        {},
        nine.start - timedelta(hours=1),
    )
    first, second = cov.of("billing")
    assert (first.required, first.scheduled, first.gap, first.standing) == (
        14,
        12,
        -2,
        "understaffed",
    )
    assert second.scheduled == pytest.approx(11.5)  # a0's 15-minute break
    sl = erlang.evaluate(12, 10.0, 180, 20).service_level
    assert first.projected_sl == pytest.approx(sl)
    together = cov.of("")
    assert together[0].required == 14 and together[0].scheduled == 12


def test_an_agent_on_two_queues_is_shared_by_workload_and_counted_once() -> None:
    day = date(2026, 11, 23)
    iv = day_intervals(day, TZ, "00:00", 30)[18]  # 09:00
    blocks = {"a1": [mx.ScheduleBlock(iv.start, iv.end, "work")]}
    skills = {"a1": ["billing", "sales"]}
    workload = {iv.key: {"billing": 3.0, "sales": 1.0}}
    changes = {"a1": [mx.StateChange(iv.start + timedelta(minutes=15), "available")]}
    s = staffing([iv], skills, blocks, changes, workload, iv.end)
    assert dict(s.scheduled[iv.key]) == {"billing": 0.75, "sales": 0.25}
    assert sum(s.scheduled[iv.key].values()) == pytest.approx(1.0)
    assert dict(s.staffed[iv.key]) == {"billing": 0.375, "sales": 0.125}  # there half of it
    equal = staffing([iv], skills, blocks, {}, {}, iv.start)
    assert dict(equal.scheduled[iv.key]) == {"billing": 0.5, "sales": 0.5}


def test_the_reforecast_scales_the_rest_of_the_day_by_actual_over_forecast() -> None:
    day = date(2026, 11, 23)
    ivs = day_intervals(day, TZ, "00:00", 30)[18:21]  # 09:00, 09:30, 10:00
    fc = Forecast({"billing": {i.key: Demand(10, 300.0) for i in ivs}}, "x")
    actual = interval_tally(
        [contact("billing", ivs[0].start + timedelta(seconds=i)) for i in range(12)]
        + [contact("billing", ivs[1].start + timedelta(seconds=i)) for i in range(12)],
        ivs,
        5,
    )
    now = ivs[2].start + timedelta(minutes=1)  # two intervals passed: 24 against 20
    cov = coverage(day, ivs, [QueueModel("billing", "B", 80, 20)], fc, actual, {}, {}, {}, now)
    rows = cov.of("billing")
    assert [r.actual for r in rows] == [12, 12, 0]
    assert rows[0].variance == pytest.approx(0.2)
    assert rows[2].current and rows[2].variance is None  # still running: no variance yet
    assert rows[2].expected == 10  # begun: the current interval keeps its forecast
    later = coverage(
        day,
        ivs,
        [QueueModel("billing", "B", 80, 20)],
        fc,
        actual,
        {},
        {},
        {},
        ivs[2].start - timedelta(seconds=1),
    )
    assert later.of("billing")[2].expected == pytest.approx(12.0)  # 10 × 24/20
    assert "×1.20" in later.reforecast_how


def test_the_current_interval_is_staffed_over_the_part_gone_by() -> None:
    day = date(2026, 11, 23)
    iv = day_intervals(day, TZ, "00:00", 30)[18]
    changes = {"a1": [mx.StateChange(iv.start, "available")]}
    s = staffing([iv], {"a1": ["billing"]}, {}, changes, {}, iv.start + timedelta(minutes=10))
    assert dict(s.staffed[iv.key]) == {"billing": 1.0}  # there all ten minutes so far


def test_an_interval_with_contacts_but_none_handled_takes_the_queues_day_aht() -> None:
    day = date(2026, 11, 16)
    nine = datetime(2026, 11, 16, 14, 0, tzinfo=UTC)
    history = {
        day: [
            contact("billing", nine, handle_s=200),
            contact("billing", nine + timedelta(minutes=30), answered=False),
        ]
    }
    fc = history_forecast(tallies(history), "Monday")
    assert fc.of("billing", ("09:30", 0)) == Demand(1.0, 200.0)


def test_no_forecast_for_a_queue_is_said_not_read_as_zero_needed() -> None:
    day = date(2026, 11, 23)
    iv = day_intervals(day, TZ, "00:00", 30)[18:19]
    cov = coverage(
        day,
        iv,
        [QueueModel("billing", "B", 80, 20)],
        Forecast({}, "x"),
        {},
        {},
        {},
        {},
        iv[0].start,
    )
    row = cov.of("billing")[0]
    assert row.required is None and row.standing == "no forecast"


def database_sums_equal_the_contact_by_contact_tally(db: object) -> None:
    """The forecast's history added up by the database (``reader.interval_totals``) equals
    the contact-by-contact tally, boundaries and short abandons to the microsecond."""
    from floorlead.feeds.jsonl import ingest_lines
    from floorlead.feeds.live import backfill
    from floorlead.store import reader
    from floorlead.store.coverage import _patience_sums
    from tests.conftest import FROZEN, make_simulator

    backfill(db, make_simulator(history=2), FROZEN)  # type: ignore[arg-type]
    day = date(2026, 11, 22)
    nine = datetime(2026, 11, 22, 14, 0, tzinfo=UTC)  # 09:00 in New York, on a boundary
    five, under = nine + timedelta(seconds=5), nine + timedelta(seconds=4.999999)
    lines = [
        '{"type":"queue.upsert","queue":"edge","name":"Edge","channel":"voice"}',
        f'{{"type":"contact.queued","at":"{nine.isoformat()}","contact":"x1","queue":"edge"}}',
        f'{{"type":"contact.abandoned","at":"{five.isoformat()}","contact":"x1"}}',
        f'{{"type":"contact.queued","at":"{nine.isoformat()}","contact":"x2","queue":"edge"}}',
        f'{{"type":"contact.abandoned","at":"{under.isoformat()}","contact":"x2"}}',
    ]
    assert not ingest_lines(db, lines).errors  # type: ignore[arg-type]
    ivs = day_intervals(day, TZ, "00:00", 30)
    with db.connect() as conn:  # type: ignore[attr-defined]
        raw, d = reader.driver_of(conn)
        contacts = reader.window_contacts(raw, d, ivs[0].start, ivs[-1].end)
        summed = reader.interval_totals(raw, d, ivs[0].start, ivs[-1].end, 1800, 5)
    assert len(contacts) > 500
    slots = {int(i.start.timestamp()) // 1800: i.key for i in ivs}
    by_db: dict[str, dict[tuple[str, int], tuple[int, int, float]]] = defaultdict(dict)
    patience: dict[str, tuple[int, float]] = {}
    for q, slot, offered, handled, handle_s, abandoned, wait_s in summed:
        by_db[q][slots[slot]] = (offered, handled, handle_s)
        n, w = patience.get(q, (0, 0.0))
        patience[q] = (n + abandoned, w + wait_s)
    by_python = interval_tally(contacts, ivs, 5)
    assert by_db["edge"][("09:00", 0)] == (1, 0, 0.0)  # 5 s is not short; 4.999999 s is
    assert set(by_db) == set(by_python)
    for q, rows in by_python.items():
        for key, (offered, handled, handle_s) in rows.items():
            o, h, hs = by_db[q].get(key, (0, 0, 0.0))
            assert (o, h) == (offered, handled), (q, key)
            assert hs == pytest.approx(handle_s, abs=1e-6)
    python_patience = _patience_sums(contacts, 5)
    assert {q: n for q, (n, _w) in patience.items() if n} == {
        q: n for q, (n, _w) in python_patience.items() if n
    }
    for q, (_n, w) in python_patience.items():
        assert patience[q][1] == pytest.approx(w, abs=1e-3)


def test_the_database_sums_the_history_as_the_tally_does(db: object) -> None:
    database_sums_equal_the_contact_by_contact_tally(db)


def test_too_few_agents_for_the_traffic_show_no_finite_wait_and_never_crash() -> None:
    """Found trying it: one agent scheduled against 5 Erlangs gave an ASA of infinity, and
    the screen crashed writing it."""
    from floorlead.domain.when import duration_text

    day = date(2026, 11, 23)
    iv = day_intervals(day, TZ, "00:00", 30)[18:19]
    fc = Forecast({"billing": {iv[0].key: Demand(50, 180.0)}}, "x")
    blocks = {"a1": [mx.ScheduleBlock(iv[0].start, iv[0].end, "work")]}
    cov = coverage(
        day, iv, [QueueModel("billing", "B", 80, 20)], fc, {}, {"a1": ["billing"]}, blocks, {},
        iv[0].start,
    )  # fmt: skip
    row = cov.of("billing")[0]
    assert row.projected_sl == 0.0 and row.projected_asa_s is None
    assert duration_text(float("inf")) == "∞"
