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
    abandoned: float = 0.0  # Erlang A: the fraction of callers who hang up


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


# -- Erlang A: callers who hang up -------------------------------------------------------------
#
# M/M/n+M (Palm): arrivals λ, handle rate μ = 1/AHT, each waiting caller hangs up at rate
# θ = 1/patience. States j ≤ n as in Erlang C; above n each step up is λ ÷ (nμ + kθ), so the
# sum converges for any n (abandonment keeps the queue finite). A caller finding m others
# waiting reaches an agent after V = Σ_{i=0..m} Exp(nμ + iθ) unless they hang up first
# (probability 1 − E[e^(−θV)]); with rates r_i, E[e^(−θV)] = Π r_i ÷ (r_i + θ), and
# E[e^(−θV); V ≤ T] is that product times P(Σ Exp(r_i + θ) ≤ T), computed by uniformization.


def _tail_probabilities(agents: int, lam: float, mu: float, theta: float) -> list[float]:
    """π_j for j = 0 … until negligible, normalised."""
    a = lam / mu
    terms = [1.0]
    for j in range(1, agents + 1):
        terms.append(terms[-1] * a / j)
        if terms[-1] > 1e280:  # rescale before overflow
            terms = [t / 1e280 for t in terms]
    k = 1
    while True:
        nxt = terms[-1] * lam / (agents * mu + k * theta)
        terms.append(nxt)
        if nxt < 1e-16 * sum(terms[-50:]) and k > 5:
            break
        if k > 200_000:  # pragma: no cover - θ > 0 converges long before
            break
        k += 1
    total = sum(terms)
    return [t / total for t in terms]


def _absorbed_by(rates: list[float], horizon: float) -> list[float]:
    """For m = 0 … len(rates)−1: P(Σ_{i=0..m} Exp(rates[i]) ≤ horizon), by uniformization of
    the pure-death chain m → m−1 → … → served."""
    if horizon <= 0:
        return [0.0] * len(rates)
    top = max(rates)
    lt = top * horizon
    # w[m] after k jumps: P(absorbed within k uniformized steps from m)
    w = [0.0] * len(rates)
    out = [0.0] * len(rates)
    pois = math.exp(-lt)
    cumulative = pois
    k = 0
    limit = int(lt + 12 * math.sqrt(lt + 1) + 30)
    while k < limit:
        k += 1
        nxt = [0.0] * len(rates)
        for m, r in enumerate(rates):
            p = r / top
            below = 1.0 if m == 0 else w[m - 1]
            nxt[m] = p * below + (1 - p) * w[m]
        w = nxt
        pois *= lt / k
        cumulative += pois
        for m in range(len(rates)):
            out[m] += pois * w[m]
        if 1 - cumulative < 1e-13:
            break
    return out


def evaluate_a(
    agents: int, arrivals_per_s: float, aht_s: float, patience_s: float, target_s: float
) -> Staffing:
    """Erlang A: service level (answered within T ÷ all callers), ASA of the answered,
    P(wait), occupancy; ``patience_s`` is the callers' mean patience."""
    if aht_s <= 0 or patience_s <= 0:
        raise StaffingError("Handle time and patience must be more than zero seconds.")
    lam, mu, theta = arrivals_per_s, 1 / aht_s, 1 / patience_s
    erlangs = lam * aht_s
    if lam <= 0:
        return Staffing(agents, 0.0, 0.0, 1.0, 0.0, 0.0)
    if agents <= 0:
        return Staffing(0, erlangs, 1.0, 0.0, math.inf, math.inf)
    pi = _tail_probabilities(agents, lam, mu, theta)
    waiting = pi[agents:]
    rates = [agents * mu + i * theta for i in range(len(waiting))]
    tilted = [r + theta for r in rates]
    reach = _absorbed_by(tilted, target_s)
    p_wait = sum(waiting)
    answered = sum(pi[:agents])
    in_target = answered
    product, wait_sum, answered_wait = 1.0, 0.0, 0.0
    for m, p in enumerate(waiting):
        product *= rates[m] / tilted[m]
        wait_sum += 1 / tilted[m]
        answered += p * product
        in_target += p * product * reach[m]
        answered_wait += p * product * wait_sum
    busy = sum(min(j, agents) * p for j, p in enumerate(pi))
    return Staffing(
        agents,
        erlangs,
        p_wait,
        min(1.0, max(0.0, in_target)),
        answered_wait / answered if answered else math.inf,
        busy / agents,
        max(0.0, 1.0 - answered),
    )


def agents_needed_a(
    arrivals_per_s: float,
    aht_s: float,
    patience_s: float,
    *,
    target_percent: float,
    target_s: float,
) -> Staffing:
    """The least N meeting the SL target when callers hang up after ``patience_s`` on average
    (fewer than Erlang C says: those who hang up take no agent's time)."""
    if not 0 < target_percent <= 100:
        raise StaffingError("The service-level target must be between 0 and 100 %.")
    if arrivals_per_s <= 0:
        return Staffing(0, 0.0, 0.0, 1.0, 0.0, 0.0)
    goal = target_percent / 100
    erlangs = arrivals_per_s * aht_s
    if erlangs >= MAX_AGENTS:
        raise StaffingError(
            f"A traffic of {erlangs:,.0f} Erlangs is more than {MAX_AGENTS:,} agents can carry."
        )
    n = max(1, math.floor(erlangs * 0.5))
    while (
        n > 1 and evaluate_a(n, arrivals_per_s, aht_s, patience_s, target_s).service_level >= goal
    ):
        n //= 2
    while n <= MAX_AGENTS:
        result = evaluate_a(n, arrivals_per_s, aht_s, patience_s, target_s)
        if result.service_level >= goal - 1e-12:
            return result
        n += 1
    raise StaffingError("No number of agents reaches that target.")  # pragma: no cover


def patience_estimate(abandoned: int, total_wait_s: float) -> float | None:
    """Mean patience from a queue's own history (the exponential model's maximum-likelihood
    estimate): the total time callers waited, answered or not, ÷ the callers who hung up."""
    if abandoned <= 0 or total_wait_s <= 0:
        return None
    return total_wait_s / abandoned
