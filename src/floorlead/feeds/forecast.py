"""A forecast CSV (``floorlead forecast import``): ``queue,start,contacts,aht`` — the interval's
start with an offset or on the floor's clock, AHT in seconds; other headers mapped through
``[feeds.csv.forecast]``. Read whole before anything is written: the first bad row is one
sentence naming its line, and nothing is imported."""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from floorlead.domain import events as ev
from floorlead.domain.when import local
from floorlead.errors import FloorleadError
from floorlead.feeds.csvfiles import local_instant


@dataclass(frozen=True)
class ForecastRow:
    queue: str
    start: datetime  # UTC
    contacts: float
    aht_s: float


def _number(text: str, column: str, line: int, *, positive: bool) -> float:
    try:
        value = float(text)
    except ValueError:
        raise FloorleadError(f"Line {line}: {column} {text!r} is not a number.") from None
    if not math.isfinite(value) or value < 0 or (positive and value == 0):
        need = "above 0" if positive else "0 or more"
        raise FloorleadError(f"Line {line}: {column} must be {need}, not {text!r}.")
    return value


def read_forecast(
    lines: Iterable[str], columns: dict[str, str], tz: str, interval_minutes: int
) -> list[ForecastRow]:
    """Every row, checked: a known header, a start on the floor's interval grid, contacts of 0
    or more, an AHT above 0, no interval twice."""
    rows: list[ForecastRow] = []
    seen: set[tuple[str, datetime]] = set()
    index: dict[str, int] | None = None
    for number, values in enumerate(csv.reader(lines), 1):
        if not any(v.strip() for v in values):
            continue
        if index is None:
            found = {v.strip().lstrip("\ufeff").lower(): i for i, v in enumerate(values)}
            missing = [theirs for theirs in columns.values() if theirs.lower() not in found]
            if missing:
                raise FloorleadError(
                    f"Line {number}: the header has no column {', '.join(map(repr, missing))} "
                    "(map it under [feeds.csv.forecast] in the settings)."
                )
            index = {ours: found[theirs.lower()] for ours, theirs in columns.items()}
            continue

        def cell(name: str, values: list[str] = values, index: dict[str, int] = index) -> str:
            i = index[name]
            return values[i].strip() if i < len(values) else ""

        queue = cell("queue")
        if not queue:
            raise FloorleadError(f"Line {number}: no {columns['queue']!r} on this row.")
        try:
            start = local_instant(cell("start"), tz, columns["start"])
        except ev.EventError as exc:
            raise FloorleadError(f"Line {number}: {exc}.") from None
        wall = local(start, tz)
        if wall.minute % interval_minutes or wall.second or wall.microsecond:
            raise FloorleadError(
                f"Line {number}: {cell('start')!r} is not the start of a "
                f"{interval_minutes}-minute interval on the floor's clock."
            )
        contacts = _number(cell("contacts"), columns["contacts"], number, positive=False)
        aht = _number(cell("aht"), columns["aht"], number, positive=True)
        if (queue, start) in seen:
            raise FloorleadError(f"Line {number}: {queue} at {cell('start')} is listed twice.")
        seen.add((queue, start))
        rows.append(ForecastRow(queue, start, contacts, aht))
    if index is None:
        raise FloorleadError("The forecast file is empty: it needs a header and rows.")
    return rows
