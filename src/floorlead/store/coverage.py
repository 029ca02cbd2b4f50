"""Intraday coverage read through the one reader (the same contacts, states and schedules the
board reads), and imported forecasts written in one audited transaction."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from floorlead.domain import coverage as cv
from floorlead.domain import metrics as mx
from floorlead.domain.erlang import patience_estimate
from floorlead.errors import FloorleadError
from floorlead.store import reader

if TYPE_CHECKING:
    from floorlead.config import Settings
    from floorlead.domain.actor import Actor
    from floorlead.feeds.forecast import ForecastRow
    from floorlead.store.db import FloorDatabase


def imported_forecast(
    conn: Any, d: reader.Dialect, start: datetime, end: datetime
) -> list[tuple[str, datetime, float, float]]:
    """Imported forecast rows for intervals starting in ``[start, end)``."""
    rows = conn.execute(
        f"SELECT queue_id, {d.utc('start')}, contacts, aht_s FROM forecast_interval "
        f"WHERE start >= {d.param} AND start < {d.param}",
        (d.when(start), d.when(end)),
    )
    return [(q, datetime.fromisoformat(s), float(c), float(a)) for q, s, c, a in rows]


def _patience_sums(
    contacts: Sequence[mx.ContactTimes], short_abandon_s: int
) -> dict[str, tuple[int, float]]:
    """Per queue: (callers who hung up, seconds waited by the answered and those) — Erlang
    A's patience; short abandons left out, as everywhere."""
    out: dict[str, tuple[int, float]] = {}
    for c in contacts:
        n, w = out.get(c.queue_id, (0, 0.0))
        if c.answered_at is not None:
            out[c.queue_id] = (n, w + (c.answered_at - c.queued_at).total_seconds())
        elif c.abandoned_at is not None:
            wait = (c.abandoned_at - c.queued_at).total_seconds()
            if wait >= short_abandon_s:
                out[c.queue_id] = (n + 1, w + wait)
    return out


@dataclass(frozen=True)
class DayForecast:
    """A day's forecast and each queue's callers' patience: what the history gives (it
    changes little within a day, so the screen keeps it between reads)."""

    day: date
    forecast: cv.Forecast
    patience: dict[str, float]


def read_forecast(conn: Any, settings: Settings, day: date) -> DayForecast:
    """The forecast for ``day``: the same weekday's history, imported intervals over it. The
    history is added up by the database where the floor's intervals are whole slots of UTC
    time (every zone whose offsets are whole hours, or half hours for 30-minute intervals);
    read contact by contact otherwise. Both by the board's definitions (a test holds the two
    equal)."""
    raw, d = _driver(conn)
    f, short = settings.floor, settings.metrics.short_abandon_s
    intervals = cv.day_intervals(day, f.timezone, f.day_start, f.interval_minutes)
    seconds = f.interval_minutes * 60
    history: dict[date, cv.Tally] = {}
    gave_up: dict[str, int] = defaultdict(int)
    waited: dict[str, float] = defaultdict(float)
    for weeks in range(1, settings.coverage.weeks + 1):
        past = day - timedelta(weeks=weeks)
        ivs = cv.day_intervals(past, f.timezone, f.day_start, f.interval_minutes)
        start, end = ivs[0].start, ivs[-1].end
        slots = {int(i.start.timestamp()) // seconds: i.key for i in ivs}
        if all(int(i.start.timestamp()) % seconds == 0 for i in ivs):
            tally: dict[str, dict[tuple[str, int], tuple[int, int, float]]] = defaultdict(dict)
            for q, slot, offered, handled, handle_s, abandoned, wait_s in reader.interval_totals(
                raw, d, start, end, seconds, short
            ):
                tally[q][slots[slot]] = (offered, handled, handle_s)
                gave_up[q] += abandoned
                waited[q] += wait_s
            history[past] = tally
        else:
            contacts = reader.window_contacts(raw, d, start, end)
            history[past] = cv.interval_tally(contacts, ivs, short)
            for q, (n, w) in _patience_sums(contacts, short).items():
                gave_up[q] += n
                waited[q] += w
    forecast = cv.history_forecast(history, f"{day:%A}")
    imported = imported_forecast(raw, d, intervals[0].start, intervals[-1].end)
    if imported:
        by_start = {i.start: i.key for i in intervals}
        demand = {q: dict(rows) for q, rows in forecast.demand.items()}
        for queue, at, contacts_n, aht in imported:
            key = by_start.get(at)
            if key is not None:
                demand.setdefault(queue, {})[key] = cv.Demand(contacts_n, aht)
        queues = sorted({q for q, *_ in imported})
        forecast = cv.Forecast(
            demand,
            f"{forecast.how} Imported for {len(imported)} intervals "
            f"({', '.join(queues)}), which replace it there.",
        )
    patience = {
        q: p for q, n in gave_up.items() if (p := patience_estimate(n, waited[q])) is not None
    }
    return DayForecast(day, forecast, patience)


def _driver(conn: Any) -> tuple[Any, reader.Dialect]:
    """The driver's connection and dialect, from a SQLAlchemy connection or the driver's."""
    return reader.driver_of(conn) if hasattr(conn, "connection") else (conn, reader.SQLITE)


def read_coverage(
    conn: Any, settings: Settings, day: date, now: datetime, known: DayForecast | None = None
) -> tuple[cv.Coverage, DayForecast]:
    """The day's coverage at ``now`` (and the forecast it used, ``known`` if it is that
    day's)."""
    raw, d = _driver(conn)
    f, short = settings.floor, settings.metrics.short_abandon_s
    intervals = cv.day_intervals(day, f.timezone, f.day_start, f.interval_minutes)
    start, end = intervals[0].start, intervals[-1].end
    fc = known if known is not None and known.day == day else read_forecast(conn, settings, day)
    defs = reader.definitions(raw, d)
    erlang_a = {q for q in settings.coverage.erlang_a if q in fc.patience}
    models = [
        cv.QueueModel(
            q.id,
            q.name,
            q.sl_percent,
            q.sl_seconds,
            "erlang_a" if q.id in erlang_a else "erlang_c",
            fc.patience.get(q.id),
        )
        for q in defs.queues
    ]
    today = reader.window_contacts(raw, d, start, end)
    actual = cv.interval_tally(today, intervals, short, now)
    skills = {a.id: defs.skills.get(a.id, []) for a in defs.agents}
    schedules = reader.schedules(raw, d, start, end)
    changes = reader.state_changes(raw, d, start, min(now, end)) if now > start else {}
    cov = cv.coverage(day, intervals, models, fc.forecast, actual, skills, schedules, changes, now)
    return cov, fc


def import_forecast(
    db: FloorDatabase, rows: Sequence[ForecastRow], actor: Actor, source: str
) -> int:
    """Store ``rows`` in one transaction (each replaces the interval it names), with one audit
    row; a queue the floor does not know refuses the whole file."""
    from sqlalchemy import and_, delete, select

    from floorlead.store.schema import FORECAST, QUEUE, audit

    with db.begin() as conn:
        known = {q for (q,) in conn.execute(select(QUEUE.c.id))}
        unknown = sorted({r.queue for r in rows} - known)
        if unknown:
            raise FloorleadError(
                f"The forecast names queues this floor does not have: {', '.join(unknown)} "
                "(nothing was imported)."
            )
        for r in rows:
            conn.execute(
                delete(FORECAST).where(
                    and_(FORECAST.c.queue_id == r.queue, FORECAST.c.start == r.start)
                )
            )
        if rows:
            conn.execute(
                FORECAST.insert(),
                [
                    {
                        "queue_id": r.queue,
                        "start": r.start,
                        "contacts": r.contacts,
                        "aht_s": r.aht_s,
                        "imported_at": actor.at,
                        "imported_by": actor.who,
                    }
                    for r in rows
                ],
            )
        audit(conn, actor.at, actor.who, "forecast.import", "forecast", source, intervals=len(rows))
    return len(rows)
