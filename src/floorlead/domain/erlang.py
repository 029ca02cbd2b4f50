"""Erlang C staffing: how many agents a queue needs for its service-level target.

Traffic A = arrivals per second × AHT; with N agents (N > A) the probability of waiting is
Erlang C, computed through the numerically stable Erlang B recursion. Pure and fast: agents
needed for a queue is a loop over N with one recursion step each.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass


class StaffingError(ValueError):
    """Inputs that no staffing figure can answer; the message is one sentence."""


@dataclass(frozen=True)
class Staffing:
    agents: int
    traffic_erlangs: float
    p_wait: float
    service_level: float
    asa_s: float
    occupancy: float


def traffic(volume: float, aht_s: float, interval_s: float) -> float:
    """Offered load in Erlangs: volume in the interval × AHT ÷ the interval's length."""
    if interval_s <= 0:
        raise StaffingError("The interval must be longer than zero.")
    if aht_s <= 0:
        raise StaffingError("The average handle time must be more than zero seconds.")
    if volume < 0:
        raise StaffingError("The volume cannot be negative.")
    return volume * aht_s / interval_s


def erlang_c(agents: int, erlangs: float) -> float:
    """Probability that a contact waits, for ``agents`` > ``erlangs``."""
    if erlangs <= 0:
        return 0.0
    if agents <= erlangs:
        return 1.0
    b = 1.0  # Erlang B with 0 servers
    for n in range(1, agents + 1):
        b = erlangs * b / (n + erlangs * b)
    return agents * b / (agents - erlangs * (1 - b))


def evaluate(agents: int, erlangs: float, aht_s: float, target_s: float) -> Staffing:
    """SL(T) = 1 − P(wait)·e^(−(N−A)·T/AHT); ASA = P(wait)·AHT ÷ (N−A); occupancy A ÷ N."""
    if agents <= erlangs:
        return Staffing(agents, erlangs, 1.0, 0.0, math.inf, 1.0 if agents else math.inf)
    pw = erlang_c(agents, erlangs)
    sl = 1 - pw * math.exp(-(agents - erlangs) * target_s / aht_s)
    asa = pw * aht_s / (agents - erlangs)
    return Staffing(agents, erlangs, pw, min(1.0, max(0.0, sl)), asa, erlangs / agents)


MAX_AGENTS = 100_000


def agents_needed(
    erlangs: float,
    aht_s: float,
    *,
    target_percent: float,
    target_s: float,
    max_occupancy: float | None = None,
) -> Staffing:
    """The least N > A meeting the SL target (and the occupancy cap, if any)."""
    if not 0 < target_percent <= 100:
        raise StaffingError("The service-level target must be between 0 and 100 %.")
    if target_s < 0:
        raise StaffingError("The target answer time cannot be negative.")
    if max_occupancy is not None and not 0 < max_occupancy <= 1:
        raise StaffingError("The maximum occupancy must be a fraction between 0 and 1.")
    if erlangs <= 0:
        return Staffing(0, 0.0, 0.0, 1.0, 0.0, 0.0)
    if erlangs >= MAX_AGENTS:
        raise StaffingError(
            f"A traffic of {erlangs:,.0f} Erlangs is more than {MAX_AGENTS:,} agents can carry."
        )
    goal = target_percent / 100
    n = math.floor(erlangs) + 1
    while n <= MAX_AGENTS:
        result = evaluate(n, erlangs, aht_s, target_s)
        occupancy_ok = max_occupancy is None or result.occupancy <= max_occupancy
        if result.service_level >= goal - 1e-12 and occupancy_ok:
            return result
        n += 1
    raise StaffingError(  # pragma: no cover - SL tends to 1 long before this
        "No number of agents reaches that target."
    )


def with_shrinkage(agents: int, shrinkage: float) -> int:
    """Agents to schedule so that ``agents`` are on the phones after shrinkage."""
    if not 0 <= shrinkage < 1:
        raise StaffingError("Shrinkage must be a fraction from 0 up to (not including) 1.")
    return math.ceil(agents / (1 - shrinkage) - 1e-9)


@functools.lru_cache(maxsize=1024)
def interval_need(
    offered_last_interval: int,
    interval_s: float,
    aht_s: float | None,
    *,
    target_percent: float,
    target_s: float,
) -> int | None:
    """Agents needed now: the volume offered over the last interval's length (a rolling
    window, so the figure does not collapse to zero when a new interval starts) at the AHT
    observed today; None without an AHT to go on. Pure, so kept for the same inputs: the
    board asks again for every queue on every refresh."""
    if aht_s is None or aht_s <= 0:
        return None
    try:
        erlangs = traffic(offered_last_interval, aht_s, interval_s)
        return agents_needed(
            erlangs, aht_s, target_percent=target_percent, target_s=target_s
        ).agents
    except StaffingError:
        return None
