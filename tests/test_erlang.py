"""Erlang C against a published worked example, an independent formula, and its laws."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from floorlead.domain import erlang


def test_call_centre_helper_worked_example() -> None:
    """Call Centre Helper, "Erlang C Formula – Made Simple With an Easy Worked Example":
    100 calls in 30 minutes, AHT 180 s, target 80/20 → 10 Erlangs; with 11 agents the
    probability of waiting is 68.21 % and SL about 39 %; 14 agents are needed."""
    a = erlang.traffic(100, 180, 30 * 60)
    assert a == pytest.approx(10)
    eleven = erlang.evaluate(11, a, 180, 20)
    assert eleven.p_wait == pytest.approx(0.6821, abs=5e-5)
    assert eleven.service_level == pytest.approx(0.39, abs=0.005)
    assert eleven.asa_s == pytest.approx(0.6821 * 180, abs=0.05)
    needed = erlang.agents_needed(a, 180, target_percent=80, target_s=20)
    assert needed.agents == 14
    assert needed.service_level == pytest.approx(0.8884, abs=5e-4)
    assert erlang.evaluate(13, a, 180, 20).service_level < 0.80


def direct_erlang_c(n: int, a: Fraction) -> float:
    """The textbook formula with exact fractions (slow, independent of the recursion)."""
    top = a**n / math.factorial(n) * Fraction(n) / (n - a)
    bottom = sum(a**k / math.factorial(k) for k in range(n)) + top
    return float(top / bottom)


@given(
    st.integers(min_value=1, max_value=60),
    st.fractions(min_value=Fraction(1, 10), max_value=Fraction(59)),
)
def test_recursion_matches_the_textbook_formula(n: int, a: Fraction) -> None:
    if a >= n:
        assert erlang.erlang_c(n, float(a)) == 1.0
        return
    assert erlang.erlang_c(n, float(a)) == pytest.approx(direct_erlang_c(n, a), rel=1e-9)


@given(
    st.floats(min_value=0, max_value=5000),
    st.floats(min_value=5, max_value=1800),
    st.sampled_from([(80, 20), (90, 30), (70, 60), (95, 10)]),
)
def test_service_level_stays_a_fraction(volume: float, aht: float, target: tuple[int, int]) -> None:
    a = erlang.traffic(volume, aht, 1800)
    needed = erlang.agents_needed(a, aht, target_percent=target[0], target_s=target[1])
    for n in range(max(needed.agents - 2, 0), needed.agents + 3):
        s = erlang.evaluate(n, a, aht, target[1])
        assert 0.0 <= s.service_level <= 1.0
        assert 0.0 <= s.p_wait <= 1.0
    assert needed.service_level >= target[0] / 100 - 1e-9


@given(
    st.floats(min_value=1, max_value=2000),
    st.floats(min_value=0, max_value=500),
    st.floats(min_value=30, max_value=900),
)
def test_agents_needed_never_falls_as_volume_rises(volume: float, extra: float, aht: float) -> None:
    def needed(v: float) -> int:
        return erlang.agents_needed(
            erlang.traffic(v, aht, 1800), aht, target_percent=80, target_s=20
        ).agents

    assert needed(volume + extra) >= needed(volume)


def test_occupancy_cap_and_shrinkage() -> None:
    capped = erlang.agents_needed(10, 180, target_percent=80, target_s=20, max_occupancy=0.7)
    assert capped.agents == 15 and capped.occupancy <= 0.7
    assert erlang.with_shrinkage(14, 0.3) == 20
    assert erlang.with_shrinkage(14, 0.0) == 14


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: erlang.traffic(100, 180, 0), "interval"),
        (lambda: erlang.traffic(100, 0, 1800), "handle time"),
        (lambda: erlang.agents_needed(10, 180, target_percent=120, target_s=20), "100 %"),
        (lambda: erlang.agents_needed(1e9, 180, target_percent=80, target_s=20), "can carry"),
        (lambda: erlang.with_shrinkage(10, 1.0), "Shrinkage"),
    ],
)
def test_impossible_questions_get_one_sentence(call: object, message: str) -> None:
    with pytest.raises(erlang.StaffingError, match=message):
        call()  # type: ignore[operator]


def test_no_traffic_needs_no_agents() -> None:
    assert erlang.agents_needed(0, 180, target_percent=80, target_s=20).agents == 0


# -- Erlang A -------------------------------------------------------------------------------


def _simulate_mmn_m(
    agents: int, lam: float, aht: float, patience: float, target: float, callers: int, seed: int
) -> tuple[float, float]:
    """An independent check: M/M/n+M by discrete-event simulation (FCFS, exponential
    patience). Returns (answered within target ÷ all callers, abandoned ÷ all callers)."""
    import heapq
    import random
    from collections import deque

    rng = random.Random(seed)
    t = 0.0
    free_at: list[float] = [0.0] * agents  # when each agent is next free
    heapq.heapify(free_at)
    queue: deque[tuple[float, float]] = deque()  # (arrival, gives up at)
    in_target = abandoned = 0
    arrivals = []
    for _ in range(callers):
        t += rng.expovariate(lam)
        arrivals.append((t, t + rng.expovariate(1 / patience)))
    # FCFS with abandonment: each caller takes the first agent free, if still there by then
    for arrived, gives_up in arrivals:
        queue.append((arrived, gives_up))
        while queue:
            a, g = queue.popleft()
            start = max(a, free_at[0])
            if start > g:
                abandoned += 1
                continue
            heapq.heapreplace(free_at, start + rng.expovariate(1 / aht))
            if start - a <= target:
                in_target += 1
    return in_target / callers, abandoned / callers


@pytest.mark.parametrize(
    ("agents", "per_hour", "aht", "patience"),
    [(10, 200, 180, 120), (5, 120, 240, 60), (20, 500, 150, 300)],
)
def test_erlang_a_agrees_with_a_simulation(
    agents: int, per_hour: float, aht: float, patience: float
) -> None:
    lam = per_hour / 3600
    model = erlang.evaluate_a(agents, lam, aht, patience, 20)
    sl, abandoned = _simulate_mmn_m(agents, lam, aht, patience, 20, 200_000, seed=agents)
    assert model.service_level == pytest.approx(sl, abs=0.015)
    assert model.abandoned == pytest.approx(abandoned, abs=0.01)


def test_erlang_a_meets_its_exact_limits() -> None:
    """Patience without end is Erlang C; patience equal to the handle time is M/M/∞ (every
    caller leaves at the same rate waiting or served), where P(wait) is a Poisson tail."""
    lam, aht = 100 / 1800, 180.0
    for n in (11, 12, 13):
        c = erlang.evaluate(n, lam * aht, aht, 20)
        a = erlang.evaluate_a(n, lam, aht, 1e9, 20)
        assert a.service_level == pytest.approx(c.service_level, abs=1e-6)
        assert a.asa_s == pytest.approx(c.asa_s, rel=1e-4)
    load, n = 8.0, 9
    a = erlang.evaluate_a(n, load / 100, 100.0, 100.0, 20)
    tail = 1 - sum(math.exp(-load) * load**j / math.factorial(j) for j in range(n))
    assert a.p_wait == pytest.approx(tail, rel=1e-9)


def test_erlang_a_needs_no_more_agents_than_erlang_c() -> None:
    lam, aht = 300 / 3600, 240.0
    c = erlang.agents_needed(lam * aht, aht, target_percent=80, target_s=20)
    a = erlang.agents_needed_a(lam, aht, 90, target_percent=80, target_s=20)
    assert a.agents < c.agents and a.service_level >= 0.8
    assert erlang.evaluate_a(a.agents - 1, lam, aht, 90, 20).service_level < 0.8
    assert erlang.patience_estimate(4, 600.0) == 150.0
    assert erlang.patience_estimate(0, 600.0) is None


def test_erlang_a_matches_a_published_worked_example() -> None:
    """pyworkforce's documented Erlang A example (its guide, "Erlang A (abandonment)"): 100
    contacts in 30 minutes, AHT 3 min, patience 5 min, 80 % within 20 s — 13 positions, service
    level 0.858, occupancy 0.750, P(wait) 0.226, P(abandon) 0.025 and an average wait (over
    every caller, who abandon included) of 0.125 min."""
    lam, aht, patience = 100 / 1800, 180.0, 300.0
    need = erlang.agents_needed_a(lam, aht, patience, target_percent=80, target_s=20)
    assert need.agents == 13
    assert need.service_level == pytest.approx(0.858, abs=0.0005)
    assert need.occupancy == pytest.approx(0.750, abs=0.0005)
    assert need.p_wait == pytest.approx(0.226, abs=0.0005)
    assert need.abandoned == pytest.approx(0.025, abs=0.0005)
    # every caller's average wait is P(abandon) × patience (exponential patience)
    assert need.abandoned * patience / 60 == pytest.approx(0.125, abs=0.001)
