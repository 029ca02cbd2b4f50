"""Floor time: days and intervals in the floor's zone, across midnight and DST."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from floorlead.domain import when

ZONES = st.sampled_from(
    [
        "America/New_York",
        "Europe/London",
        "Australia/Sydney",
        "America/Los_Angeles",
        "Asia/Kolkata",
        "UTC",
    ]
)
INSTANTS = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
)
DAY_STARTS = st.sampled_from(["00:00", "06:00", "04:30"])


def test_dst_days_are_23_and_25_hours() -> None:
    spring = when.day_bounds(date(2026, 3, 8), "America/New_York")
    autumn = when.day_bounds(date(2026, 11, 1), "America/New_York")
    assert spring[1] - spring[0] == timedelta(hours=23)
    assert autumn[1] - autumn[0] == timedelta(hours=25)


@given(INSTANTS, ZONES, DAY_STARTS)
def test_an_instant_lies_inside_its_floor_day(now: datetime, tz: str, day_start: str) -> None:
    start, end = when.today_bounds(now, tz, day_start)
    assert start <= now < end
    assert timedelta(hours=22) <= end - start <= timedelta(hours=26)
    assert when.floor_date(start, tz, day_start) == when.floor_date(now, tz, day_start)


@given(INSTANTS, ZONES, st.sampled_from([15, 30, 60]))
def test_intervals_contain_now_and_start_on_the_local_clock(
    now: datetime, tz: str, minutes: int
) -> None:
    start, end = when.interval_bounds(now, tz, minutes)
    assert start <= now < end
    assert end - start == timedelta(minutes=minutes)
    local = when.local(start, tz)
    assert local.minute % minutes == 0 and local.second == 0


def test_clock_text_shows_the_floor_zone() -> None:
    text = when.clock_text(datetime(2026, 11, 23, 17, 4, 5, tzinfo=UTC), "America/New_York")
    assert text == "Mon 23 Nov 12:04:05 EST"


def test_durations() -> None:
    assert when.duration_text(None) == "—"
    assert when.duration_text(65) == "1:05"
    assert when.duration_text(3725) == "1:02:05"
    assert when.hours_text(7.75 * 3600) == "7h45"


def test_a_day_starting_at_six_on_the_spring_forward_morning() -> None:
    """Found by hypothesis: 06:00 BST on 31 March 2024 begins that floor day."""
    now = datetime(2024, 3, 31, 5, 0, tzinfo=UTC)  # 06:00 BST
    assert when.floor_date(now, "Europe/London", "06:00") == date(2024, 3, 31)
    start, end = when.today_bounds(now, "Europe/London", "06:00")
    assert start == now and end == datetime(2024, 4, 1, 5, 0, tzinfo=UTC)
