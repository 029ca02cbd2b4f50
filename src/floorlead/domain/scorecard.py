"""Graded observations: a scorecard of weighted criteria; a critical criterion failed fails the
whole call; criteria marked N/A leave the denominator. Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

MARKS = ("pass", "fail", "na")


@dataclass(frozen=True)
class Criterion:
    name: str
    weight: int
    critical: bool = False


DEFAULT_CRITERIA = (
    Criterion("greeting", 10),
    Criterion("verification", 20, critical=True),
    Criterion("resolution", 40),
    Criterion("tone", 20),
    Criterion("closing", 10),
)


@dataclass(frozen=True)
class Score:
    percent: float | None  # None when every criterion was N/A
    failed_critical: tuple[str, ...]


def score(criteria: Sequence[Criterion], marks: Mapping[str, str]) -> Score:
    """Percent = weights passed ÷ weights judged (N/A left out); 0 if a critical one failed."""
    judged = passed = 0
    failed_critical: list[str] = []
    for c in criteria:
        mark = marks.get(c.name, "na")
        if mark not in MARKS:
            raise ValueError(f"{mark!r} is not a mark (pass, fail or na)")
        if mark == "na":
            continue
        judged += c.weight
        if mark == "pass":
            passed += c.weight
        elif c.critical:
            failed_critical.append(c.name)
    if failed_critical:
        return Score(0.0, tuple(failed_critical))
    return Score(passed / judged * 100 if judged else None, ())
