"""Measurable commitments: "ACW ≤ 60 s", "AHT <= 300s", "adherence ≥ 90 %", "hold ≤ 45 s".

A commitment may carry a target on a figure the floor already knows; from the commitment's date
on, the agent's own contacts and states say whether it is on track. Pure.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from floorlead.domain.metrics import ContactTimes

_PATTERN = re.compile(
    r"\b(acw|aht|hold|adherence)\s*(≤|<=|<|≥|>=|>)\s*(\d+(?:\.\d+)?)\s*(s|sec|secs|seconds|%)?",
    re.IGNORECASE,
)
_OPS = {"≤": "<=", "<=": "<=", "<": "<=", "≥": ">=", ">=": ">=", ">": ">="}


@dataclass(frozen=True)
class Target:
    metric: str  # acw, aht, hold, adherence
    op: str  # <= or >=
    value: float  # seconds, or a fraction for adherence

    def describe(self) -> str:
        unit = f"{self.value * 100:.0f} %" if self.metric == "adherence" else f"{self.value:g} s"
        sign = "≤" if self.op == "<=" else "≥"
        return f"{self.metric.upper() if self.metric != 'adherence' else 'adherence'} {sign} {unit}"


def parse_target(text: str) -> Target | None:
    """The first measurable target in a commitment's words, if there is one."""
    m = _PATTERN.search(text)
    if m is None:
        return None
    metric = m.group(1).lower()
    value = float(m.group(3))
    if metric == "adherence":
        value = value / 100 if value > 1 else value
    return Target(metric, _OPS[m.group(2)], value)


@dataclass(frozen=True)
class Progress:
    target: Target
    figure: float | None  # None: nothing to judge yet
    contacts: int

    @property
    def on_track(self) -> bool | None:
        if self.figure is None:
            return None
        ok = (
            self.figure <= self.target.value
            if self.target.op == "<="
            else self.figure >= self.target.value
        )
        return ok

    def describe(self) -> str:
        if self.figure is None:
            return f"{self.target.describe()}: no figures yet"
        shown = (
            f"{self.figure * 100:.0f} %"
            if self.target.metric == "adherence"
            else f"{self.figure:.0f} s"
        )
        word = "on track" if self.on_track else "OFF track"
        return f"{word}: {shown} over {self.contacts} contacts"


def evaluate(
    target: Target, contacts: Sequence[ContactTimes], adherence: float | None = None
) -> Progress:
    """The agent's own figure since the commitment: mean ACW, AHT or hold over their wrapped
    contacts, or the adherence passed in."""
    done = [c for c in contacts if c.answered_at and c.ended_at and c.wrapped_at]
    if target.metric == "adherence":
        return Progress(target, adherence, len(done))
    if not done:
        return Progress(target, None, 0)
    if target.metric == "acw":
        values = [(c.wrapped_at - c.ended_at).total_seconds() for c in done]  # type: ignore[operator]
    elif target.metric == "aht":
        values = [(c.wrapped_at - c.answered_at).total_seconds() for c in done]  # type: ignore[operator]
    else:
        values = [float(c.hold_s) for c in done]
    return Progress(target, sum(values) / len(values), len(done))
