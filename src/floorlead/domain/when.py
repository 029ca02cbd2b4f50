"""Floor time: the floor's day and interval boundaries, in its own zone; people's time input
through pendulum (day and interval bounds use the standard library's zones, held equal to
pendulum's by a property test).

Instants are UTC ``datetime``s everywhere else; this module is where zones are applied.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from types import ModuleType
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    import pendulum


def _pendulum() -> ModuleType:
    """pendulum, imported on first use: the clock of the first painted board does without it
    (a quarter of a second of start-up on a slow machine)."""
    import pendulum

    return pendulum


def _zone(tz: str) -> pendulum.Timezone:
    zone: pendulum.Timezone = _pendulum().timezone(tz)
    return zone


def local(at: datetime, tz: str) -> pendulum.DateTime:
    """``at`` seen on the floor's clock."""
    moment: pendulum.DateTime = _pendulum().instance(at).in_timezone(_zone(tz))
    return moment


def to_utc(at: pendulum.DateTime | datetime) -> datetime:
    return datetime.fromtimestamp(at.timestamp(), tz=UTC)


def _parse_hhmm(day_start: str) -> tuple[int, int]:
    hh, mm = (int(p) for p in day_start.split(":"))
    return hh, mm


def floor_date(at: datetime, tz: str, day_start: str = "00:00") -> date:
    """The floor day an instant belongs to (a day may begin at, say, 06:00)."""
    hh, mm = _parse_hhmm(day_start)
    loc = at.astimezone(ZoneInfo(tz))
    day = loc.date()
    # compare wall-clock times: subtracting hours would cross a DST change wrongly
    return day - timedelta(days=1) if (loc.hour, loc.minute) < (hh, mm) else day


def wall_to_utc(day: date, hh: int, mm: int, tz: str) -> datetime:
    """A wall-clock time on the floor as a UTC instant, resolved as pendulum resolves it (a
    time a DST change skips moves forward by the gap; a time that happens twice is the
    second one). With the standard library's zones: pendulum takes a tenth of a second to
    import, and ``snapshot --json`` has a budget of 150 ms."""
    zone = ZoneInfo(tz)
    first = datetime(day.year, day.month, day.day, hh, mm, tzinfo=zone)
    second = first.replace(fold=1)
    if first.utcoffset() == second.utcoffset():
        return first.astimezone(UTC)
    skipped = first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != first.replace(
        tzinfo=None
    )
    return (first if skipped else second).astimezone(UTC)


def day_bounds(day: date, tz: str, day_start: str = "00:00") -> tuple[datetime, datetime]:
    """UTC start and end of a floor day; 23 or 25 hours long across a DST change."""
    hh, mm = _parse_hhmm(day_start)
    return wall_to_utc(day, hh, mm, tz), wall_to_utc(day + timedelta(days=1), hh, mm, tz)


def today_bounds(now: datetime, tz: str, day_start: str = "00:00") -> tuple[datetime, datetime]:
    return day_bounds(floor_date(now, tz, day_start), tz, day_start)


def interval_bounds(now: datetime, tz: str, minutes: int) -> tuple[datetime, datetime]:
    """The current reporting interval, aligned to the floor's wall clock (e.g. 14:00–14:30)."""
    loc = now.astimezone(ZoneInfo(tz))
    minute = (loc.minute // minutes) * minutes
    start = loc.replace(minute=minute, second=0, microsecond=0).astimezone(UTC)
    return start, start + timedelta(minutes=minutes)


def clock_text(at: datetime, tz: str) -> str:
    """The header clock: ``Mon 23 Nov 12:04:05 EST`` (the standard library's zones: the
    first painted board shows it before pendulum is loaded)."""
    loc = at.astimezone(ZoneInfo(tz))
    return f"{loc:%a %d %b %H:%M:%S} {loc.tzname() or tz}"


def hhmm(at: datetime | None, tz: str) -> str:
    return local(at, tz).format("HH:mm") if at is not None else "—"


def day_time_text(at: datetime, now: datetime, tz: str) -> str:
    """A time as people say it: ``11:00`` today, ``11:00 tomorrow``, else ``11:00 Fri 27 Nov``."""
    when, today = local(at, tz), local(now, tz).date()
    if when.date() == today:
        return when.format("HH:mm")
    if when.date() == today.add(days=1):
        return f"{when.format('HH:mm')} tomorrow"
    return when.format("HH:mm ddd D MMM")


def duration_text(seconds: float | None) -> str:
    """``m:ss`` under an hour, ``h:mm:ss`` under a day, ``3d 04h`` beyond (seconds of an age
    three days old tell nothing); ``—`` when there is no figure, ``∞`` when it never ends (a
    queue with fewer agents than its traffic)."""
    if seconds is None:
        return "—"
    if not math.isfinite(seconds):
        return "∞" if seconds > 0 else "—"
    total = max(0, int(seconds))
    if total >= 86400:
        days, rest = divmod(total, 86400)
        return f"{days}d {rest // 3600:02d}h"
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def target_text(percent: int, seconds: int) -> str:
    """A service-level target as a supervisor reads it: ``80/20`` (seconds), ``90/10m``,
    ``90/4h`` — an email queue's 14,400 s is four hours."""
    if seconds >= 3600 and seconds % 3600 == 0:
        return f"{percent}/{seconds // 3600}h"
    if seconds >= 600 and seconds % 60 == 0:
        return f"{percent}/{seconds // 60}m"
    return f"{percent}/{seconds}"


def average_text(seconds: float | None) -> str:
    """An average (ASA, AHT) rounded to the second, not cut: 22.8 s is ``0:23``. Clocks that
    tick (ages, waits) stay cut, as a stopwatch shows them."""
    return "—" if seconds is None else duration_text(round(seconds))


def hours_text(seconds: float | None) -> str:
    """Worked time as ``7h45``."""
    if seconds is None:
        return "—"
    minutes = round(seconds / 60)
    return f"{minutes // 60}h{minutes % 60:02d}"


class WhenError(ValueError):
    """A time a person typed that we cannot read; the message is one sentence."""


_UNITS = {
    "m": "minutes",
    "min": "minutes",
    "mins": "minutes",
    "minute": "minutes",
    "minutes": "minutes",
    "h": "hours",
    "hr": "hours",
    "hrs": "hours",
    "hour": "hours",
    "hours": "hours",
    "d": "days",
    "day": "days",
    "days": "days",
    "w": "weeks",
    "week": "weeks",
    "weeks": "weeks",
}
_DAYS = {
    "mon": 0,
    "monday": 0,
    "tue": 1,
    "tues": 1,
    "tuesday": 1,
    "wed": 2,
    "wednesday": 2,
    "thu": 3,
    "thur": 3,
    "thurs": 3,
    "thursday": 3,
    "fri": 4,
    "friday": 4,
    "sat": 5,
    "saturday": 5,
    "sun": 6,
    "sunday": 6,
}


def _clock_time(text: str) -> tuple[int, int] | None:
    """``9``, ``9am``, ``2pm``, ``14:30``, ``2:30pm`` → (hour, minute)."""
    import re

    m = re.fullmatch(r"(\d{1,2})(?::(\d{2}))?\s*(am|pm)?", text)
    if not m:
        return None
    hour, minute, half = int(m.group(1)), int(m.group(2) or 0), m.group(3)
    if half:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half == "pm" else 0)
    if not (0 <= hour < 24 and 0 <= minute < 60):
        return None
    return hour, minute


def parse_human(text: str, now: datetime, tz: str) -> datetime:
    """A time as people type it, on the floor's clock: ``15m``, ``in 2 hours``, ``2pm``,
    ``14:30``, ``tomorrow 9``, ``fri 9am``. Returns UTC. A bare clock time already past today
    means tomorrow. Wall-clock arithmetic goes through pendulum, so DST days come out right."""
    import re

    raw = " ".join(text.lower().split())
    if not raw:
        raise WhenError("Type a time such as 15m, 2pm or tomorrow 9.")
    base = local(now, tz)
    rel = re.fullmatch(r"(?:in\s+)?(\d+)\s*([a-z]+)", raw)
    if rel and rel.group(2) in _UNITS:
        amount, unit = int(rel.group(1)), _UNITS[rel.group(2)]
        if amount <= 0:
            raise WhenError("The time must be in the future.")
        # minutes and hours are elapsed time; days and weeks keep the wall-clock time
        return to_utc(base.add(**{unit: amount}))
    day_offset: int | None = None
    rest = raw
    words = raw.split(" ", 1)
    if words[0] in ("today", "tomorrow") or words[0] in _DAYS:
        head, rest = words[0], (words[1] if len(words) > 1 else "9am")
        if head == "today":
            day_offset = 0
        elif head == "tomorrow":
            day_offset = 1
        else:
            day_offset = (_DAYS[head] - base.weekday()) % 7 or 7
    clock = _clock_time(rest)
    if clock is None:
        raise WhenError(
            f"{text!r} is not a time floorlead understands; try 15m, in 2 hours, 2pm, 14:30, "
            "tomorrow 9 or fri 9am."
        )
    day = base.add(days=day_offset or 0)
    result = _pendulum().datetime(day.year, day.month, day.day, clock[0], clock[1], tz=_zone(tz))
    if day_offset is None and result <= base:
        result = result.add(days=1)
    if result <= base:
        raise WhenError("The time must be in the future.")
    return to_utc(result)


def at_on_day(text: str, day: date, tz: str, after: datetime | None = None) -> datetime:
    """A clock time typed for a shift (``9:07``, ``17:30``, ``5pm``) on ``day`` in the floor's
    zone; a time more than 6 hours before ``after`` (the shift's start) is the next day, so
    night shifts across midnight read naturally."""
    clock = _clock_time(" ".join(text.lower().split()))
    if clock is None:
        raise WhenError(f"{text!r} is not a clock time; type it like 9:07 or 17:30.")
    local_time = _pendulum().datetime(
        day.year, day.month, day.day, clock[0], clock[1], tz=_zone(tz)
    )
    if after is not None and to_utc(local_time) < after - timedelta(hours=6):
        local_time = local_time.add(days=1)  # the same wall-clock time, even across DST
    return to_utc(local_time)


def iso_utc(at: datetime | None) -> str | None:
    """An instant for JSON: ISO 8601 in UTC with ``Z``; None stays None."""
    return None if at is None else at.astimezone(UTC).isoformat().replace("+00:00", "Z")


_MONTHS = {
    m: i
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
        start=1,
    )
}


def parse_day(text: str, today: date) -> date:
    """A follow-up date as people type it: ``fri``, ``tomorrow``, ``in 2 weeks``, ``3d``,
    ``dec 3``, ``3 dec``, ``2026-12-03``. Always today or later; a month-day already past this
    year means next year."""
    import re

    raw = " ".join(text.lower().replace(",", " ").split())
    if not raw:
        raise WhenError("Type a date such as fri, in 2 weeks or dec 3.")
    if raw == "today":
        return today
    if raw == "tomorrow":
        return today + timedelta(days=1)
    if raw in _DAYS:
        return today + timedelta(days=(_DAYS[raw] - today.weekday()) % 7 or 7)
    rel = re.fullmatch(r"(?:in\s+)?(\d+)\s*([a-z]+)", raw)
    if rel and rel.group(2) in _UNITS and _UNITS[rel.group(2)] in ("days", "weeks"):
        days = int(rel.group(1)) * (7 if _UNITS[rel.group(2)] == "weeks" else 1)
        return today + timedelta(days=days)
    try:
        iso: date | None = date.fromisoformat(raw)
    except ValueError:
        iso = None
    if iso is not None:
        if iso < today:
            raise WhenError(f"{raw} is in the past; a follow-up is today or later.")
        return iso
    md = re.fullmatch(r"([a-z]{3})[a-z]*\s+(\d{1,2})|(\d{1,2})\s+([a-z]{3})[a-z]*", raw)
    if md:
        month = _MONTHS.get(md.group(1) or md.group(4))
        day = int(md.group(2) or md.group(3))
        if month is not None:
            try:
                result = date(today.year, month, day)
                if result < today:
                    result = date(today.year + 1, month, day)
                return result
            except ValueError:
                raise WhenError(f"{text!r} is not a day of the calendar.") from None
    raise WhenError(
        f"{text!r} is not a date floorlead understands; try fri, in 2 weeks, dec 3 or 2026-12-03."
    )
