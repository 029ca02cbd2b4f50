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


# -- the standard library's zones give what pendulum gives ------------------------------------
# Day and interval bounds are computed with zoneinfo (pendulum costs a tenth of a second to
# import, too much for `snapshot --json`); pendulum, the project's time library, is the
# reference. Zones with DST at midnight (Santiago, Havana, Beirut) and half-hour DST (Lord Howe)
# are where the two could part.
PENDULUM_ZONES = st.sampled_from(
    [
        "America/New_York",
        "Europe/London",
        "Australia/Lord_Howe",
        "America/Santiago",
        "America/Havana",
        "Asia/Beirut",
        "Asia/Kolkata",
    ]
)
ALL_DAY_STARTS = st.sampled_from(["00:00", "01:00", "01:30", "02:00", "02:30", "06:00", "23:30"])


def _pendulum_day_bounds(day: date, tz: str, day_start: str) -> tuple[datetime, datetime]:
    import pendulum

    hh, mm = (int(p) for p in day_start.split(":"))
    zone = pendulum.timezone(tz)
    nxt = day + timedelta(days=1)
    start = pendulum.datetime(day.year, day.month, day.day, hh, mm, tz=zone)
    end = pendulum.datetime(nxt.year, nxt.month, nxt.day, hh, mm, tz=zone)
    return (
        datetime.fromtimestamp(start.timestamp(), tz=UTC),
        datetime.fromtimestamp(end.timestamp(), tz=UTC),
    )


def _pendulum_floor_date(at: datetime, tz: str, day_start: str) -> date:
    import pendulum

    hh, mm = (int(p) for p in day_start.split(":"))
    loc = pendulum.instance(at).in_timezone(pendulum.timezone(tz))
    day = date(loc.year, loc.month, loc.day)
    return day - timedelta(days=1) if (loc.hour, loc.minute) < (hh, mm) else day


def _pendulum_interval(now: datetime, tz: str, minutes: int) -> tuple[datetime, datetime]:
    import pendulum

    loc = pendulum.instance(now).in_timezone(pendulum.timezone(tz))
    start = loc.replace(minute=(loc.minute // minutes) * minutes, second=0, microsecond=0)
    utc = datetime.fromtimestamp(start.timestamp(), tz=UTC)
    return utc, utc + timedelta(minutes=minutes)


@given(INSTANTS, PENDULUM_ZONES, ALL_DAY_STARTS)
def test_floor_days_match_pendulum(now: datetime, tz: str, day_start: str) -> None:
    day = when.floor_date(now, tz, day_start)
    assert day == _pendulum_floor_date(now, tz, day_start)
    assert when.day_bounds(day, tz, day_start) == _pendulum_day_bounds(day, tz, day_start)


@given(INSTANTS, PENDULUM_ZONES, st.sampled_from([15, 30, 60]))
def test_intervals_match_pendulum(now: datetime, tz: str, minutes: int) -> None:
    assert when.interval_bounds(now, tz, minutes) == _pendulum_interval(now, tz, minutes)


def test_wall_times_a_dst_change_skips_or_repeats_resolve_as_pendulum_does() -> None:
    tz = "America/New_York"
    skipped = when.wall_to_utc(date(2026, 3, 8), 2, 30, tz)  # 02:30 never happens
    repeated = when.wall_to_utc(date(2026, 11, 1), 1, 30, tz)  # 01:30 happens twice
    assert skipped == datetime(2026, 3, 8, 7, 30, tzinfo=UTC)  # = 03:30 EDT
    assert repeated == datetime(2026, 11, 1, 6, 30, tzinfo=UTC)  # the second, EST
    assert (skipped, repeated) == (
        _pendulum_day_bounds(date(2026, 3, 8), tz, "02:30")[0],
        _pendulum_day_bounds(date(2026, 11, 1), tz, "01:30")[0],
    )


def test_every_day_of_2026_matches_pendulum_in_zones_with_odd_dst() -> None:
    """Exhaustive where sampling would rarely land: every day, every day start."""
    day_starts = ["00:00", "01:00", "01:30", "02:00", "02:30", "23:30"]
    for tz in ["America/New_York", "Australia/Lord_Howe", "America/Santiago", "America/Havana"]:
        for offset in range(365):
            day = date(2026, 1, 1) + timedelta(days=offset)
            for day_start in day_starts:
                assert when.day_bounds(day, tz, day_start) == _pendulum_day_bounds(
                    day, tz, day_start
                ), (tz, day, day_start)


def test_ages_over_a_day_read_in_days_and_hours() -> None:
    from floorlead.domain.when import duration_text

    assert duration_text(59) == "0:59"
    assert duration_text(3 * 3600 + 61) == "3:01:01"
    assert duration_text(86399) == "23:59:59"
    assert duration_text(86400) == "1d 00h"
    assert duration_text(3 * 86400 + 4 * 3600 + 59 * 60) == "3d 04h"  # was 76:59:00


def test_service_level_targets_read_as_supervisors_say_them() -> None:
    from floorlead.domain.when import target_text

    assert target_text(80, 20) == "80/20"
    assert target_text(80, 90) == "80/90"
    assert target_text(90, 600) == "90/10m"
    assert target_text(90, 14400) == "90/4h"  # an email queue: was 90/14400
    assert target_text(80, 3630) == "80/3630"  # not a whole number of minutes: seconds
