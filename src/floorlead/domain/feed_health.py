"""Is the floor live? The feeds' own reports, judged against the clock.

A supervisor must never watch a frozen board believing it is live. Every live feed (``feed
ami``, ``feed taskrouter``, ``ingest --follow``) reports itself every few seconds: when it last
received anything, whether it is connected, what it quarantined. The floor is *stale* when
nothing has arrived from any feed for longer than ``stale_after_s`` while agents are logged
in, when a feed is reconnecting, or when a feed stopped reporting without saying it stopped.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

#: How often a feed reports itself; a feed silent for three reports has gone away.
BEAT_S = 5.0
LOST_AFTER_S = 3 * BEAT_S + 5


@dataclass(frozen=True)
class FeedReport:
    """What a feed last said of itself."""

    id: str
    kind: str
    status: str  # live | reconnecting | stopped
    started_at: datetime
    beat_at: datetime
    last_event_at: datetime | None
    quarantined: int = 0
    quarantine_path: str = ""


@dataclass(frozen=True)
class Freshness:
    """The header's feed part: one word per feed, and whether the floor can be trusted."""

    stale: bool
    summary: str  # "ami 3s · taskrouter 40s", "" with no live feed
    why: str  # one sentence when stale
    quarantined: int
    quarantine_path: str


def short_age(seconds: float) -> str:
    """3s, 4m, 2h: an age that fits a header."""
    s = max(0, int(seconds))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m"
    return f"{s // 3600}h"


def freshness(
    reports: Iterable[FeedReport],
    now: datetime,
    *,
    logged_in: int,
    stale_after_s: float,
    since: datetime,
) -> Freshness:
    """Judge the feeds at ``now``; ``since`` is the start of the floor's day (quarantined
    lines count from it; feeds that stopped before it are forgotten)."""
    parts: list[str] = []
    trouble: list[str] = []
    ages: list[float] = []  # of the feeds connected and reporting
    quarantined, path = 0, ""
    for r in sorted(reports, key=lambda r: r.id):
        if r.status == "stopped" and r.beat_at < since:
            continue
        if r.started_at >= since or r.status != "stopped":
            quarantined += r.quarantined
            if r.quarantined and r.quarantine_path:
                path = r.quarantine_path
        if r.status == "stopped":
            continue
        silent = (now - r.beat_at).total_seconds()
        if silent > LOST_AFTER_S:
            parts.append(f"{r.kind} gone")
            trouble.append(f"the {r.kind} feed stopped reporting {short_age(silent)} ago")
        elif r.status == "reconnecting":
            parts.append(f"{r.kind} reconnecting")
            trouble.append(f"the {r.kind} feed has lost its connection")
        else:
            age = (now - (r.last_event_at or r.started_at)).total_seconds()
            parts.append(f"{r.kind} {short_age(age)}")
            ages.append(age)
    if logged_in and ages and min(ages) > stale_after_s:
        trouble.append(f"nothing has arrived from any feed for {short_age(min(ages))}")
    return Freshness(
        stale=bool(trouble),
        summary=" · ".join(parts),
        why="; ".join(trouble),
        quarantined=quarantined,
        quarantine_path=path,
    )
