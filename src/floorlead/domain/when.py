"""Floor time: the floor's day and interval boundaries, in its own zone, through pendulum.

Instants are UTC ``datetime``s everywhere else; this module is where zones are applied.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pendulum


def _zone(tz: str) -> pendulum.Timezone:
    return pendulum.timezone(tz)


def local(at: datetime, tz: str) -> pendulum.DateTime:
    """``at`` seen on the floor's clock."""
    return pendulum.instance(at).in_timezone(_zone(tz))


def to_utc(at: pendulum.DateTime | datetime) -> datetime:
    return datetime.fromtimestamp(at.timestamp(), tz=UTC)


def _parse_hhmm(day_start: str) -> tuple[int, int]:
    hh, mm = (int(p) for p in day_start.split(":"))
    return hh, mm


def floor_date(at: datetime, tz: str, day_start: str = "00:00") -> date:
    """The floor day an instant belongs to (a day may begin at, say, 06:00)."""
    hh, mm = _parse_hhmm(day_start)
    loc = local(at, tz)
    day = date(loc.year, loc.month, loc.day)
    # compare wall-clock times: subtracting hours would cross a DST change wrongly
    return day - timedelta(days=1) if (loc.hour, loc.minute) < (hh, mm) else day


def day_bounds(day: date, tz: str, day_start: str = "00:00") -> tuple[datetime, datetime]:
    """UTC start and end of a floor day; 23 or 25 hours long across a DST change."""
    hh, mm = _parse_hhmm(day_start)
    zone = _zone(tz)
    start = pendulum.datetime(day.year, day.month, day.day, hh, mm, tz=zone)
    nxt = day + timedelta(days=1)
    end = pendulum.datetime(nxt.year, nxt.month, nxt.day, hh, mm, tz=zone)
    return to_utc(start), to_utc(end)


def today_bounds(now: datetime, tz: str, day_start: str = "00:00") -> tuple[datetime, datetime]:
    return day_bounds(floor_date(now, tz, day_start), tz, day_start)


def interval_bounds(now: datetime, tz: str, minutes: int) -> tuple[datetime, datetime]:
    """The current reporting interval, aligned to the floor's wall clock (e.g. 14:00–14:30)."""
    loc = local(now, tz)
    minute = (loc.minute // minutes) * minutes
    start = loc.replace(minute=minute, second=0, microsecond=0)
    return to_utc(start), to_utc(start) + timedelta(minutes=minutes)


def clock_text(at: datetime, tz: str) -> str:
    """The header clock: ``Mon 23 Nov 12:04:05 EST``."""
    loc = local(at, tz)
    return f"{loc.format('ddd DD MMM HH:mm:ss')} {loc.tzname() or tz}"


def hhmm(at: datetime | None, tz: str) -> str:
    return local(at, tz).format("HH:mm") if at is not None else "—"


def duration_text(seconds: float | None) -> str:
    """``m:ss`` under an hour, ``h:mm:ss`` above; ``—`` when there is no figure."""
    if seconds is None:
        return "—"
    total = max(0, int(seconds))
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def hours_text(seconds: float | None) -> str:
    """Worked time as ``7h45``."""
    if seconds is None:
        return "—"
    minutes = round(seconds / 60)
    return f"{minutes // 60}h{minutes % 60:02d}"
