"""Feed health: live feeds report themselves, and every screen's header says when the board
may be frozen."""

from __future__ import annotations

from datetime import timedelta

from textual.widgets import Label

from floorlead.domain import events as ev
from floorlead.domain.feed_health import FeedReport, freshness
from floorlead.feeds.pipeline import Beacon, FeedRun, Quarantine, Record
from floorlead.store.db import FloorDatabase
from floorlead.store.feed_health import feed_reports, report
from tests.conftest import FROZEN
from tests.tui_helpers import make_app, wait_for_load, wait_until

DAY = FROZEN.replace(hour=5)  # the floor's day began at midnight New York time


def feed(
    age_s: float, status: str = "live", beat_s: float = 1, kind: str = "ami", q: int = 0
) -> FeedReport:
    return FeedReport(
        id=f"{kind} 127.0.0.1:5038 (1)",
        kind=kind,
        status=status,
        started_at=FROZEN - timedelta(hours=1),
        beat_at=FROZEN - timedelta(seconds=beat_s),
        last_event_at=FROZEN - timedelta(seconds=age_s),
        quarantined=q,
        quarantine_path="/q/x.jsonl" if q else "",
    )


def judge(*reports: FeedReport, logged_in: int = 5) -> object:
    return freshness(reports, FROZEN, logged_in=logged_in, stale_after_s=60, since=DAY)


def test_a_feed_that_delivers_is_live() -> None:
    fresh = judge(feed(3))
    assert (fresh.stale, fresh.summary) == (False, "ami 3s")  # type: ignore[attr-defined]


def test_nothing_from_any_feed_for_longer_than_the_setting_is_stale() -> None:
    fresh = judge(feed(61), feed(300, kind="taskrouter"))
    assert fresh.stale and "nothing has arrived from any feed for 1m" in fresh.why  # type: ignore[attr-defined]
    assert not judge(feed(61), feed(5, kind="taskrouter")).stale  # type: ignore[attr-defined]


def test_a_quiet_feed_with_nobody_logged_in_is_not_stale() -> None:
    assert not judge(feed(3600), logged_in=0).stale  # type: ignore[attr-defined]


def test_a_disconnected_or_vanished_feed_is_stale_whoever_is_logged_in() -> None:
    reconnecting = judge(feed(2, status="reconnecting"), logged_in=0)
    assert reconnecting.stale and "lost its connection" in reconnecting.why  # type: ignore[attr-defined]
    gone = judge(feed(2, beat_s=60), logged_in=0)  # killed: no report for a minute
    assert gone.stale and gone.summary == "ami gone"  # type: ignore[attr-defined]


def test_stopped_feeds_and_quarantines_count_for_the_day_only() -> None:
    yesterday = FeedReport("jsonl f (2)", "jsonl", "stopped", DAY - timedelta(days=1),
                           DAY - timedelta(hours=20), None, 7, "/q/old.jsonl")  # fmt: skip
    fresh = judge(feed(3, q=2), yesterday)
    assert (fresh.quarantined, fresh.quarantine_path) == (2, "/q/x.jsonl")  # type: ignore[attr-defined]
    assert fresh.summary == "ami 3s"  # type: ignore[attr-defined]


def test_a_live_feed_run_reports_itself_and_says_when_it_stops(db: FloorDatabase) -> None:
    beacon = Beacon(db, "ami", "127.0.0.1:5038")
    run = FeedRun(db, "ami", window_s=0, quarantine=Quarantine(None, "ami"), beacon=beacon)
    run.idle()
    (first,) = feed_reports_of(db)
    assert first.status == "live" and first.last_event_at is None
    queue = ev.QueueUpsert(queue="q", name="Q", channel=None, sl_target=None)
    run.add(Record(1, "x", [queue]))
    run.add(Record(2, "broken", error="not AMI"))
    run.status("reconnecting")
    (second,) = feed_reports_of(db)
    assert second.status == "reconnecting" and second.last_event_at is not None
    assert second.quarantined == 1
    run.finish()
    assert feed_reports_of(db)[0].status == "stopped"


def feed_reports_of(db: FloorDatabase) -> list[FeedReport]:
    with db.connect() as conn:
        return feed_reports(conn)


async def test_every_screen_says_stale_when_the_feed_froze(floor_db: FloorDatabase) -> None:
    """A feed that last delivered five minutes ago while agents work: the header of every
    screen says ‼ STALE, the bell rings once and a notification says why."""
    frozen = FeedReport(
        id="ami pbx:5038 (9)",
        kind="ami",
        status="live",
        started_at=FROZEN - timedelta(hours=2),
        beat_at=FROZEN - timedelta(seconds=2),
        last_event_at=FROZEN - timedelta(minutes=5),
    )
    report(floor_db, frozen)
    app = make_app(floor_db)
    bells: list[int] = []
    app.bell = lambda: bells.append(1)  # type: ignore[method-assign]
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_load(pilot)
        for key in ("1", "2", "3", "4", "5"):
            await pilot.press(key)
            assert await wait_until(pilot, lambda: "STALE" in header_feeds(pilot))
            assert "ami 5m" in header_feeds(pilot)
        assert await wait_until(pilot, lambda: bool(bells))
        assert len(bells) == 1


async def test_a_live_feed_shows_its_age_and_no_alarm(floor_db: FloorDatabase) -> None:
    live = FeedReport(
        id="taskrouter :8085 (9)",
        kind="taskrouter",
        status="live",
        started_at=FROZEN,
        beat_at=FROZEN,
        last_event_at=FROZEN - timedelta(seconds=4),
    )
    report(floor_db, live)
    app = make_app(floor_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_load(pilot)
        assert await wait_until(pilot, lambda: "taskrouter 4s" in header_feeds(pilot))
        assert "STALE" not in header_feeds(pilot)


def header_feeds(pilot: object) -> str:
    label = pilot.app.screen.query_one("#feeds", Label)  # type: ignore[attr-defined]
    return str(label.render())


def test_a_feed_started_again_replaces_the_report_of_the_one_before(db: FloorDatabase) -> None:
    """A follower killed without a word, then started again on the same file: one report,
    the new one's, so the floor is not called stale for ever after a restart."""
    for _ in range(2):
        beacon = Beacon(db, "jsonl", "/var/feeds/floor.jsonl")
        run = FeedRun(db, "jsonl", window_s=0, quarantine=Quarantine(None, "x"), beacon=beacon)
        run.idle()
    (only,) = feed_reports_of(db)
    assert only.status == "live"
