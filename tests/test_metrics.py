"""Queue and agent metrics, against hand-worked figures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from floorlead.domain import metrics as mx

T0 = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def contact(
    queued: float,
    answered: float | None = None,
    abandoned: float | None = None,
    wrapped: float | None = None,
) -> mx.ContactTimes:
    return mx.ContactTimes(
        queue_id="billing",
        queued_at=at(queued),
        answered_at=at(answered) if answered is not None else None,
        abandoned_at=at(abandoned) if abandoned is not None else None,
        wrapped_at=at(wrapped) if wrapped is not None else None,
    )


CONTACTS = [
    contact(0, answered=10, wrapped=310),  # in target (10 s), handle 300 s
    contact(5, answered=45, wrapped=245),  # 40 s: out of target, handle 200 s
    contact(10, abandoned=13),  # short abandon (3 s): not counted at all
    contact(20, abandoned=80),  # abandoned after 60 s
    contact(30, answered=50),  # 20 s: in target (<= T), not wrapped yet
    contact(100),  # still waiting
]


def metrics(now: float = 400) -> mx.QueueMetrics:
    return mx.queue_metrics(
        CONTACTS, start=T0, end=at(1800), now=at(now), sl_seconds=20, short_abandon_s=5
    )


def test_hand_worked_queue_figures() -> None:
    m = metrics()
    assert m.offered == 5  # six entered, one short abandon excluded
    assert m.short_abandoned == 1
    assert m.answered == 3
    assert m.abandoned == 1
    assert m.waiting == 1
    # SL = answered within 20 s (2) ÷ (answered 3 + abandoned 1)
    assert m.service_level == pytest.approx(2 / 4)
    # ASA = (10 + 40 + 20) ÷ 3
    assert m.asa_s == pytest.approx(70 / 3)
    # AHT over handled (wrapped) contacts: (300 + 200) ÷ 2
    assert m.aht_s == pytest.approx(250)
    assert m.abandon_rate == pytest.approx(1 / 5)


def test_what_has_not_happened_yet_does_not_count() -> None:
    m = metrics(now=12)  # only the first contact answered, at 10 s
    assert m.answered == 1
    assert m.waiting == 2  # queued at 5 and 10; the one at 10 abandons at 13, later
    assert m.handled == 0 and m.aht_s is None


def test_window_is_by_queue_entry() -> None:
    m = mx.queue_metrics(
        CONTACTS, start=at(15), end=at(60), now=at(400), sl_seconds=20, short_abandon_s=5
    )
    assert (m.offered, m.answered, m.abandoned) == (2, 1, 1)


def test_empty_queue_has_no_figures_rather_than_zero() -> None:
    m = mx.queue_metrics([], start=T0, end=at(60), now=at(60), sl_seconds=20, short_abandon_s=5)
    assert m.service_level is None and m.asa_s is None and m.abandon_rate is None


def test_longest_wait() -> None:
    assert mx.longest_wait_s(CONTACTS, at(400)) == pytest.approx(300)
    assert mx.longest_wait_s(CONTACTS[:2], at(400)) is None


def test_state_segments_carry_the_state_in() -> None:
    changes = [
        mx.StateChange(at(-100), "available"),
        mx.StateChange(at(60), "on_contact"),
        mx.StateChange(at(360), "acw"),
    ]
    segs = mx.state_segments(changes, T0, at(400))
    assert [(s.label, s.seconds) for s in segs] == [
        ("available", 60),
        ("on_contact", 300),
        ("acw", 40),
    ]
    assert mx.occupancy(segs) == pytest.approx(340 / 400)


def test_schedule_breaks_override_work() -> None:
    blocks = [mx.ScheduleBlock(T0, at(3600), "work"), mx.ScheduleBlock(at(600), at(1500), "break")]
    segs = mx.scheduled_segments(blocks, T0, at(3600))
    assert [(s.label, s.seconds) for s in segs] == [("work", 600), ("break", 900), ("work", 2100)]
    assert mx.scheduled_activity_at(segs, at(700)) == "break"
    assert mx.scheduled_activity_at(segs, at(1500)) == "work"
    assert mx.scheduled_activity_at(segs, at(4000)) is None


def test_adherence_and_grace() -> None:
    schedule = [mx.Segment(T0, at(600), "work"), mx.Segment(at(600), at(1500), "break")]
    # available until 780: 3 minutes late to the break, then on break
    states = [mx.Segment(T0, at(780), "available"), mx.Segment(at(780), at(1200), "break")]
    late = mx.adherence(states[:1], schedule, at(780), grace_s=180)
    assert late.in_adherence_now is True  # exactly at the grace, not after it
    later = mx.adherence([mx.Segment(T0, at(800), "available")], schedule, at(800), 180)
    assert later.in_adherence_now is False
    assert later.wrong_for_s == pytest.approx(200)
    whole = mx.adherence(states, schedule, at(1200), grace_s=180)
    # scheduled 1200 s so far; adherent: 600 work + 420 break
    assert whole.percent == pytest.approx(1020 / 1200)
    assert whole.in_adherence_now is True


def test_worked_time_from_punches() -> None:
    from floorlead.domain.timesheets import PunchTime, worked_day

    punches = [
        PunchTime(at(0), "in"),
        PunchTime(at(7200), "break_start"),
        PunchTime(at(8100), "break_end"),
        PunchTime(at(14400), "meal_start"),
        PunchTime(at(16200), "meal_end"),
        PunchTime(at(30600), "out"),
    ]
    day = worked_day(punches, now=at(40000), shift_end=at(30600))
    assert day.worked_s == 30600 - 1800  # the meal is unpaid, the break is paid
    assert day.break_s == 900 and day.meal_s == 1800
    assert day.exceptions == ()


def test_a_missing_break_end_is_flagged_not_guessed() -> None:
    from floorlead.domain.timesheets import PunchTime, worked_day

    punches = [
        PunchTime(at(0), "in"),
        PunchTime(at(7200), "break_start"),
        PunchTime(at(14400), "meal_start"),
        PunchTime(at(16200), "meal_end"),
    ]
    day = worked_day(punches, now=at(20000), shift_end=at(30600))
    assert day.break_s == 0
    assert "missing break end punch" in day.exceptions
    assert day.worked_s == 20000 - 1800  # still clocked in: counts up to now


def test_a_missing_out_punch_after_the_shift() -> None:
    from floorlead.domain.timesheets import PunchTime, worked_day

    day = worked_day([PunchTime(at(0), "in")], now=at(40000), shift_end=at(30600))
    assert "missing out punch" in day.exceptions
    assert day.worked_s is None  # unknown until a correction adds the punch: never guessed


def test_a_contact_spanning_an_interval_boundary_counts_where_it_queued() -> None:
    # queued 29:50 into the first half-hour, answered 20 s later in the next one
    c = [contact(1790, answered=1810, wrapped=2000)]
    first = mx.queue_metrics(
        c, start=T0, end=at(1800), now=at(2400), sl_seconds=20, short_abandon_s=5
    )
    second = mx.queue_metrics(
        c, start=at(1800), end=at(3600), now=at(2400), sl_seconds=20, short_abandon_s=5
    )
    assert (first.offered, first.answered, first.answered_in_target) == (1, 1, 1)
    assert first.aht_s == pytest.approx(190)
    assert (second.offered, second.answered) == (0, 0)


def test_an_answered_contact_still_in_acw_counts_for_asa_not_aht() -> None:
    c = [mx.ContactTimes(queue_id="billing", queued_at=at(0), answered_at=at(30), ended_at=at(200))]
    m = mx.queue_metrics(c, start=T0, end=at(1800), now=at(260), sl_seconds=20, short_abandon_s=5)
    assert m.answered == 1 and m.answered_in_target == 0 and m.service_level == 0
    assert m.asa_s == pytest.approx(30)
    assert m.handled == 0 and m.aht_s is None


def test_short_abandon_threshold_is_a_setting() -> None:
    c = [contact(0, abandoned=4), contact(0, abandoned=6)]
    five = mx.queue_metrics(c, start=T0, end=at(60), now=at(60), sl_seconds=20, short_abandon_s=5)
    ten = mx.queue_metrics(c, start=T0, end=at(60), now=at(60), sl_seconds=20, short_abandon_s=10)
    assert (five.offered, five.abandoned, five.short_abandoned) == (1, 1, 1)
    assert (ten.offered, ten.abandoned, ten.short_abandoned) == (0, 0, 2)
    assert ten.service_level is None and ten.abandon_rate is None


def test_trend_samples_the_last_hour() -> None:
    c = [contact(0), contact(10, answered=15)]  # one still waiting from the start
    tr = mx.trend(c, now=at(3600), origin=at(0), sl_seconds=20, short_abandon_s=5)
    assert len(tr.waiting) == 12 and tr.waiting[-1] == 1
    # steps on the clock: at 01:02:30 the last one runs 01:00–01:02:30, the first began 00:05
    late = mx.trend(c, now=at(3750), origin=at(0), sl_seconds=20, short_abandon_s=5)
    assert late.waiting == (1,) * 12 and late.service_level == (None,) * 12
    assert mx.sparkline([0, 1, 2, None], top=2) == "▁▅█ "


def test_measurable_commitments_parse_and_judge() -> None:
    from floorlead.domain.commitments import evaluate, parse_target

    assert parse_target("reduce hold time on billing calls") is None
    acw = parse_target("Keep ACW ≤ 60 s on billing")
    assert acw is not None and (acw.metric, acw.op, acw.value) == ("acw", "<=", 60)
    adherence = parse_target("adherence >= 90 %")
    assert adherence is not None and adherence.value == pytest.approx(0.9)
    contacts = [
        mx.ContactTimes(
            queue_id="q", queued_at=at(0), answered_at=at(10), ended_at=at(200), wrapped_at=at(250)
        ),  # ACW 50 s
        mx.ContactTimes(
            queue_id="q",
            queued_at=at(300),
            answered_at=at(310),
            ended_at=at(500),
            wrapped_at=at(590),
        ),  # ACW 90 s
    ]
    progress = evaluate(acw, contacts)
    assert progress.figure == pytest.approx(70) and progress.on_track is False
    assert progress.describe() == "OFF track: 70 s over 2 contacts"
    assert evaluate(acw, contacts[:1]).on_track is True
    assert evaluate(acw, []).on_track is None
    assert evaluate(adherence, contacts, adherence=0.95).on_track is True


def test_scorecard_arithmetic() -> None:
    from floorlead.domain.scorecard import DEFAULT_CRITERIA, score

    every = {c.name: "pass" for c in DEFAULT_CRITERIA}
    assert score(DEFAULT_CRITERIA, every).percent == 100
    weak_close = {**every, "closing": "fail", "tone": "fail"}
    assert score(DEFAULT_CRITERIA, weak_close).percent == pytest.approx(70)
    # N/A leaves the denominator: verification 20 passed of 50 judged (20 + tone 20 + close 10)
    na = {**every, "greeting": "na", "resolution": "na", "closing": "fail", "tone": "fail"}
    assert score(DEFAULT_CRITERIA, na).percent == pytest.approx(40)
    critical = {**every, "verification": "fail"}
    failed = score(DEFAULT_CRITERIA, critical)
    assert failed.percent == 0 and failed.failed_critical == ("verification",)
    assert score(DEFAULT_CRITERIA, {c.name: "na" for c in DEFAULT_CRITERIA}).percent is None


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 4 * 3600),  # queued, seconds after the day's 08:00
            st.one_of(st.none(), st.integers(0, 900)),  # waited until answered
            st.one_of(st.none(), st.integers(0, 900)),  # or until abandoned
            st.integers(0, 600),  # talk + wrap-up
        ),
        max_size=60,
    ),
    st.integers(3600, 4 * 3600),
)
def test_trend_equals_the_definition_bucket_by_bucket(
    raw: list[tuple[int, int | None, int | None, int]], now_s: int
) -> None:
    """trend() only looks at the last hour's contacts; the figures must be the same as
    counting every contact of the day for every step."""
    base = datetime(2026, 11, 23, 13, tzinfo=UTC)
    contacts = []
    for q, answer, abandon, handle in raw:
        queued = base + timedelta(seconds=q)
        answered = queued + timedelta(seconds=answer) if answer is not None else None
        gone = (
            queued + timedelta(seconds=abandon) if answer is None and abandon is not None else None
        )
        wrapped = answered + timedelta(seconds=handle) if answered else None
        contacts.append(
            mx.ContactTimes(
                "q", queued, answered_at=answered, abandoned_at=gone, wrapped_at=wrapped
            )
        )
    now = base + timedelta(seconds=now_s)
    origin = base - timedelta(hours=5)  # the floor's day began at 08:00
    got = mx.trend(contacts, now=now, origin=origin, sl_seconds=20, short_abandon_s=5)
    step = timedelta(minutes=5)
    current = origin + step * ((now - origin) // step)
    starts = [current - step * (11 - k) for k in range(12)]
    assert got.waiting == tuple(len(mx.waiting_now(contacts, min(s + step, now))) for s in starts)
    assert got.service_level == tuple(
        mx.queue_metrics(
            contacts, start=s, end=s + step, now=now, sl_seconds=20, short_abandon_s=5
        ).service_level
        for s in starts
    )
