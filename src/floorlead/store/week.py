"""The weekly report read from the store: seven floor days against the seven before, and
the scorecard averages of the week (``reports/week.py`` renders it). The days' figures are the
end-of-shift report's (``store.handover.day_figures``), so the two never disagree.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.engine import Connection

from floorlead.config import Settings
from floorlead.domain import metrics as mx
from floorlead.domain import when
from floorlead.store.handover import DayFigures, day_figures, total
from floorlead.store.schema import AGENT
from floorlead.store.schema import COACHING as NOTE


@dataclass(frozen=True)
class ScoreTrend:
    agent_id: str
    name: str
    average: float | None  # this week's graded observations, percent
    previous: float | None  # the week before
    count: int

    @property
    def change(self) -> float | None:
        if self.average is None or self.previous is None:
            return None
        return self.average - self.previous


@dataclass(frozen=True)
class WeekReport:
    floor: str
    timezone: str
    monday: date
    generated_at: datetime
    days: tuple[DayFigures, ...]
    previous: tuple[DayFigures, ...]
    scores: tuple[ScoreTrend, ...]

    @property
    def totals(self) -> mx.QueueMetrics:
        return total([d.totals for d in self.days])

    @property
    def previous_totals(self) -> mx.QueueMetrics:
        return total([d.totals for d in self.previous])


def week_report(conn: Connection, settings: Settings, monday: date, now: datetime) -> WeekReport:
    """Seven floor days from ``monday`` and the seven before, plus scorecard averages."""
    tz, day_start = settings.floor.timezone, settings.floor.day_start

    def days(first: date) -> tuple[DayFigures, ...]:
        # Only the figures: escalations, timesheets and the handover text are not in the
        # weekly report, so fourteen days do not read them.
        out = []
        for k in range(7):
            day = first + timedelta(days=k)
            start, end = when.day_bounds(day, tz, day_start)
            out.append(day_figures(conn, settings, day, start, end, now))
        return tuple(out)

    this_start = when.day_bounds(monday, tz, day_start)[0]
    prev_start = when.day_bounds(monday - timedelta(days=7), tz, day_start)[0]
    this_end = when.day_bounds(monday + timedelta(days=7), tz, day_start)[0]
    averages: dict[str, list[list[float]]] = defaultdict(lambda: [[], []])
    for r in conn.execute(
        select(NOTE.c.agent_id, NOTE.c.at, NOTE.c.score_pct).where(
            NOTE.c.score_pct.is_not(None), NOTE.c.at >= prev_start, NOTE.c.at < this_end
        )
    ):
        averages[r.agent_id][0 if r.at >= this_start else 1].append(r.score_pct)
    names = {r.id: r.name for r in conn.execute(select(AGENT.c.id, AGENT.c.name))}
    scores = tuple(
        ScoreTrend(
            agent,
            names.get(agent, agent),
            sum(now_) / len(now_) if now_ else None,
            sum(before) / len(before) if before else None,
            len(now_),
        )
        for agent, (now_, before) in sorted(averages.items(), key=lambda i: names.get(i[0], i[0]))
    )
    return WeekReport(
        floor=settings.floor.name,
        timezone=tz,
        monday=monday,
        generated_at=now,
        days=days(monday),
        previous=days(monday - timedelta(days=7)),
        scores=scores,
    )
