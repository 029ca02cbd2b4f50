"""Worked time from clock punches. Pure: punches in, figures and exceptions out.

Hours are never guessed: a shift that is over with an in or out punch missing, or a meal
whose start or end is missing, has no worked hours (None) until a correction adds the punch.
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
    worked_s: float | None  # None: a punch is missing, the hours are unknown
    break_s: float
    meal_s: float
    exceptions: tuple[str, ...]


def _pair(
    punches: Sequence[PunchTime],
    opener: str,
    closer: str,
    until: datetime,
    *,
    nested: bool,
    running: bool,
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
        if later or until <= open_at or not running:
            # the agent punched something else since: the closing punch is missing, and
            # guessing its time would invent worked or unpaid time
            problems.append(f"missing {closer.replace('_', ' ')} punch")
        else:
            # still open while the shift is on: counts up to now
            total += (until - open_at).total_seconds()
    return total, problems


def worked_day(
    punches: Sequence[PunchTime], *, now: datetime, shift_end: datetime | None
) -> WorkedDay:
    """Worked time = clocked-in time minus unpaid meal periods; rest breaks are paid. While
    the shift is on, an open punch counts up to ``now``; once it is over, a missing punch
    makes the hours unknown rather than guessed."""
    ordered = sorted(punches, key=lambda p: p.at)
    running = shift_end is None or now < shift_end
    clocked, exceptions = _pair(ordered, "in", "out", now, nested=False, running=running)
    breaks, b_problems = _pair(
        ordered, "break_start", "break_end", now, nested=True, running=running
    )
    meals, m_problems = _pair(ordered, "meal_start", "meal_end", now, nested=True, running=running)
    ins = [p.at for p in ordered if p.kind == "in"]
    outs = [p.at for p in ordered if p.kind == "out"]
    if not running and ins and (not outs or outs[-1] < ins[-1]):
        exceptions.append("missing out punch")
    if not running and not ins and ordered:
        exceptions.append("missing in punch")
    known = not exceptions and not m_problems
    exceptions += b_problems + [f"{m}: the meal could not be deducted" for m in m_problems]
    return WorkedDay(
        first_in=ins[0] if ins else None,
        last_out=outs[-1] if outs else None,
        worked_s=max(0.0, clocked - meals) if known else None,
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


def worked_after(punches: Sequence[PunchTime], boundary: datetime) -> float:
    """Worked seconds after ``boundary`` (clocked-in time minus meals, both cut there): the
    part of a shift that belongs to the next workweek."""
    ordered = sorted(punches, key=lambda p: p.at)

    def after(opener: str, closer: str) -> float:
        total, open_at = 0.0, None
        for p in ordered:
            if p.kind == opener:
                open_at = p.at
            elif p.kind == closer and open_at is not None:
                total += max(0.0, (p.at - max(open_at, boundary)).total_seconds())
                open_at = None
        return total

    return max(0.0, after("in", "out") - after("meal_start", "meal_end"))


def workweek_start(day: date, start_weekday: int) -> date:
    """The first day of the fixed workweek holding ``day`` (Monday = 0)."""
    return day - timedelta(days=(day.weekday() - start_weekday) % 7)


def daily_overtime(days: Sequence[tuple[date, float]]) -> list[PaySplit]:
    """California-style rule set. Each day: up to 8 h regular, 8–12 h overtime (1.5×), over
    12 h double time (2×). The seventh consecutive day worked in the workweek: the first 8 h
    overtime, the rest double time. Weekly: regular hours beyond 40 in the workweek become
    overtime. ``days`` are (day, hours) in date order within one workweek."""
    out: list[PaySplit] = []
    weekly_regular = 0.0
    streak = 0
    previous: date | None = None
    for day, hours in days:
        worked = hours > 0
        streak = (
            streak + 1
            if worked
            and previous is not None
            and day - previous == timedelta(days=1)
            and streak > 0
            else (1 if worked else 0)
        )
        previous = day if worked else previous
        if streak == 7:
            out.append(PaySplit(0.0, min(hours, 8.0), max(0.0, hours - 8.0)))
            continue
        regular = min(hours, 8.0)
        overtime = min(max(0.0, hours - 8.0), 4.0)
        double = max(0.0, hours - 12.0)
        over_week = min(regular, max(0.0, weekly_regular + regular - 40.0))
        regular = max(0.0, regular - over_week)
        overtime += over_week
        weekly_regular += regular
        out.append(PaySplit(regular, overtime, double))
    return out


def split_week(rules: str, days: Sequence[tuple[date, float]]) -> list[PaySplit]:
    """Regular / overtime / double time per day under the configured rule set."""
    return daily_overtime(days) if rules == "california" else weekly_overtime(days)


def round_punch(at: datetime, minutes: int) -> datetime:
    """Round to the nearest ``minutes`` boundary (0: unchanged). Nearest rounding is neutral:
    over many punches it favours neither side; an exact half rounds to the even boundary."""
    if minutes <= 0:
        return at
    step = minutes * 60
    seconds = at.timestamp()
    quotient, rest = divmod(seconds, step)
    if rest * 2 > step or (rest * 2 == step and quotient % 2 == 1):
        quotient += 1
    return datetime.fromtimestamp(quotient * step, tz=at.tzinfo)


def schedule_exceptions(
    punches: Sequence[PunchTime],
    *,
    scheduled_start: datetime | None,
    scheduled_end: datetime | None,
    now: datetime,
    grace_min: int,
    meal_after_h: float,
    break_min: int = 15,
    meal_min: int = 30,
) -> tuple[str, ...]:
    """Exceptions against the schedule and the meal/break rules, in the supervisor's words."""
    ordered = sorted(punches, key=lambda p: p.at)
    out: list[str] = []
    grace = timedelta(minutes=grace_min)
    ins = [p.at for p in ordered if p.kind == "in"]
    outs = [p.at for p in ordered if p.kind == "out"]

    def minutes(delta: timedelta) -> int:
        return round(delta.total_seconds() / 60)

    if scheduled_start is not None and ins:
        if ins[0] > scheduled_start + grace:
            out.append(f"late start ({minutes(ins[0] - scheduled_start)} min)")
        elif ins[0] < scheduled_start - grace:
            out.append(f"early start ({minutes(scheduled_start - ins[0])} min)")
    if (
        scheduled_end is not None
        and outs
        and now >= scheduled_end
        and outs[-1] < scheduled_end - grace
    ):
        out.append(f"early leave ({minutes(scheduled_end - outs[-1])} min)")
    if ins:
        end = outs[-1] if outs else min(now, scheduled_end or now)
        span_h = (end - ins[0]).total_seconds() / 3600
        meals = [p.at for p in ordered if p.kind == "meal_start"]
        meal_ends = [p.at for p in ordered if p.kind == "meal_end"]
        if span_h > meal_after_h:
            if not meals:
                out.append("meal missed")
            elif meals[0] > ins[0] + timedelta(hours=meal_after_h):
                out.append("meal late")
        if meals and meal_ends:
            length = meal_ends[0] - meals[0]
            if timedelta(0) < length < timedelta(minutes=meal_min):
                secs = int(length.total_seconds())
                out.append(f"meal short ({secs // 60}:{secs % 60:02d})")
    starts = [p.at for p in ordered if p.kind == "break_start"]
    ends = [p.at for p in ordered if p.kind == "break_end"]
    for b_start in starts:
        b_end = next((e for e in ends if e > b_start), None)
        if b_end is not None and b_end - b_start > timedelta(minutes=break_min) + grace:
            out.append(f"break over length ({minutes(b_end - b_start)} min)")
    return tuple(out)
