"""Worked time from clock punches. Pure: punches in, figures and exceptions out.

The timesheet issue extends this with overtime rule sets and rounding; the foundation needs
worked time and the obvious exceptions so the approval screen shows real figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

PAIRS = {"in": "out", "break_start": "break_end", "meal_start": "meal_end"}


@dataclass(frozen=True)
class PunchTime:
    at: datetime
    kind: str


@dataclass(frozen=True)
class WorkedDay:
    first_in: datetime | None
    last_out: datetime | None
    worked_s: float
    break_s: float
    meal_s: float
    exceptions: tuple[str, ...]


def _pair(
    punches: Sequence[PunchTime], opener: str, closer: str, until: datetime, *, nested: bool
) -> tuple[float, list[str]]:
    """Seconds between matching opener/closer punches, and the unmatched ones as exceptions."""
    total = 0.0
    problems: list[str] = []
    open_at: datetime | None = None
    for p in punches:
        if p.kind == opener:
            if open_at is not None:
                problems.append(f"missing {closer.replace('_', ' ')} punch")
            open_at = p.at
        elif p.kind == closer:
            if open_at is None:
                problems.append(f"{closer.replace('_', ' ')} without {opener.replace('_', ' ')}")
            else:
                total += (p.at - open_at).total_seconds()
                open_at = None
    if open_at is not None:
        # a break or meal is over once anything else is punched; a shift only by in/out
        later = [p for p in punches if p.at > open_at and (nested or p.kind in (opener, closer))]
        if later or until <= open_at:
            # the agent punched something else since: the closing punch is missing, and
            # guessing its time would invent worked or unpaid time
            problems.append(f"missing {closer.replace('_', ' ')} punch")
        else:
            # still open (in progress): counts up to ``until`` (the shift's end or now)
            total += (until - open_at).total_seconds()
    return total, problems


def worked_day(
    punches: Sequence[PunchTime], *, now: datetime, shift_end: datetime | None
) -> WorkedDay:
    """Worked time = clocked-in time minus unpaid meal periods; rest breaks are paid."""
    ordered = sorted(punches, key=lambda p: p.at)
    shift_over = shift_end is not None and now >= shift_end
    until = now if not shift_over or shift_end is None else shift_end
    clocked, exceptions = _pair(ordered, "in", "out", until, nested=False)
    breaks, b_problems = _pair(ordered, "break_start", "break_end", until, nested=True)
    meals, m_problems = _pair(ordered, "meal_start", "meal_end", until, nested=True)
    exceptions += b_problems + m_problems
    ins = [p.at for p in ordered if p.kind == "in"]
    outs = [p.at for p in ordered if p.kind == "out"]
    if shift_over and ins and (not outs or outs[-1] < ins[-1]):
        exceptions.append("missing out punch")
    if shift_over and not ins and ordered:
        exceptions.append("missing in punch")
    return WorkedDay(
        first_in=ins[0] if ins else None,
        last_out=outs[-1] if outs else None,
        worked_s=max(0.0, clocked - meals),
        break_s=breaks,
        meal_s=meals,
        exceptions=tuple(dict.fromkeys(exceptions)),
    )


@dataclass(frozen=True)
class PaySplit:
    """Hours of one day split by pay rate."""

    regular_h: float
    overtime_h: float
    double_h: float = 0.0


def weekly_overtime(days: Sequence[tuple[date, float]], limit_h: float = 40.0) -> list[PaySplit]:
    """US federal (FLSA) rule: hours over ``limit_h`` in the fixed workweek are overtime at
    1.5×. ``days`` are (day, hours) in date order within one workweek; the overtime falls on
    the days on which the week passed the limit."""
    out: list[PaySplit] = []
    total = 0.0
    for _day, hours in days:
        regular = max(0.0, min(hours, limit_h - total))
        out.append(PaySplit(regular_h=regular, overtime_h=hours - regular))
        total += hours
    return out


def workweek_start(day: date, start_weekday: int) -> date:
    """The first day of the fixed workweek holding ``day`` (Monday = 0)."""
    return day - timedelta(days=(day.weekday() - start_weekday) % 7)
