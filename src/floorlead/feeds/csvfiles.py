"""CSV exports with a header row: the agent roster, WFM schedules and time-clock punches.

Columns are found by name; ``[feeds.csv.roster|schedule|punches]`` in the settings maps
floorlead's names (agent, name, team, queues / agent, start, end, activity / agent, at, kind)
to the headers a vendor uses. Times may carry an offset; without one they are read on the
floor's clock, and a time the clocks skip or repeat that day (DST) is refused, not guessed.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime

import pendulum
from pendulum.tz.exceptions import AmbiguousTime, NonExistingTime

from floorlead.domain import events as ev
from floorlead.domain.when import iso_utc
from floorlead.feeds.pipeline import Record, definition_id

KINDS = ("roster", "schedule", "punches")
PUNCH_WORDS = {
    "in": "in",
    "clock_in": "in",
    "punch_in": "in",
    "start": "in",
    "out": "out",
    "clock_out": "out",
    "punch_out": "out",
    "end": "out",
    "break_start": "break_start",
    "break_in": "break_start",
    "break_end": "break_end",
    "break_out": "break_end",
    "meal_start": "meal_start",
    "lunch_start": "meal_start",
    "meal_end": "meal_end",
    "lunch_end": "meal_end",
}


def _word(text: str) -> str:
    return re.sub(r"[\s\-]+", "_", text.strip().lower())


def local_instant(text: str, tz: str, column: str) -> datetime:
    """ISO 8601 with an offset, or a wall-clock time on the floor's clock (DST checked)."""
    value = text.strip()
    if not value:
        raise ev.EventError(f"{column} is empty")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ev.EventError(f"{column} {value!r} is not a date and time") from None
    if parsed.tzinfo is not None:
        return ev.sane_instant(parsed.astimezone(UTC), column)
    try:
        local = pendulum.timezone(tz).convert(parsed, raise_on_unknown_times=True)
    except NonExistingTime:
        raise ev.EventError(
            f"{column} {value!r} does not exist on the floor's clock (DST)"
        ) from None
    except AmbiguousTime:
        raise ev.EventError(
            f"{column} {value!r} happens twice on the floor's clock (DST); add an offset"
        ) from None
    return ev.sane_instant(local.astimezone(UTC), column)


class CsvTranslator:
    """One kind of export: every data row becomes events, or a reason it cannot."""

    def __init__(self, kind: str, columns: dict[str, str], timezone: str) -> None:
        if kind not in KINDS:
            raise ValueError(kind)
        self.kind = kind
        self.columns = columns
        self.timezone = timezone

    def records(self, lines: Iterable[str]) -> Iterator[Record]:
        """One row a line: these exports have no field that spans lines, so a quote never
        closed costs its own line only (read as CSV at large, it would swallow the rest of
        the file into one field)."""
        header: list[str] | None = None
        index: dict[str, int] = {}
        for number, line in enumerate(lines, 1):
            raw = line.rstrip("\r\n")
            try:
                values = next(csv.reader([raw], strict=True), [])
            except csv.Error as exc:  # a NUL byte, a quote never closed: this line only
                why = "a quote is never closed" if '"' in raw else str(exc)
                yield Record(number, raw, error=f"not a CSV row ({why})")
                continue
            if header is None:
                if not any(v.strip() for v in values):
                    continue
                header = [v.strip().lstrip("\ufeff") for v in values]
                found = {h.lower(): i for i, h in enumerate(header)}
                missing = [
                    theirs
                    for ours, theirs in self.columns.items()
                    if theirs.lower() not in found and ours in self._required()
                ]
                if missing:
                    yield Record(
                        number,
                        raw,
                        error=f"the header has no column {', '.join(map(repr, missing))} "
                        f"(map it under [feeds.csv.{self.kind}] in the settings)",
                    )
                    return
                index = {
                    ours: found[theirs.lower()]
                    for ours, theirs in self.columns.items()
                    if theirs.lower() in found
                }
                continue
            if not any(v.strip() for v in values):
                continue
            try:
                yield Record(number, raw, self.translate(values, index))
            except ev.UNREADABLE as exc:
                yield Record(number, raw, error=ev.unreadable(exc))

    def _required(self) -> tuple[str, ...]:
        required = {"roster": ("agent",), "schedule": ("agent", "start", "end")}
        return required.get(self.kind, ("agent", "at", "kind"))

    def translate(self, values: list[str], index: dict[str, int]) -> list[ev.Event]:
        def cell(name: str) -> str:
            i = index.get(name)
            return values[i].strip() if i is not None and i < len(values) else ""

        agent = cell("agent")
        if not agent:
            raise ev.EventError(f"no {self.columns['agent']!r} on this row")
        if self.kind == "roster":
            queues = [q.strip() for q in re.split(r"[;|]", cell("queues")) if q.strip()]
            name = cell("name") or agent
            team = cell("team") if "team" in index else None
            skills = tuple(queues) if "queues" in index else None
            ident = definition_id("csv", "agent", agent, name, team, skills)
            # A queue the roster names is created as it appears, as every vendor's is.
            new = [
                ev.QueueUpsert(
                    queue=q,
                    name=None,
                    channel=None,
                    sl_target=None,
                    id=definition_id("csv", "queue", q),
                )
                for q in queues
            ]
            upsert = ev.AgentUpsert(agent=agent, name=name, team=team, queues=skills, id=ident)
            return [*new, upsert]
        if self.kind == "schedule":
            start = local_instant(cell("start"), self.timezone, self.columns["start"])
            end = local_instant(cell("end"), self.timezone, self.columns["end"])
            if end <= start:
                raise ev.EventError("the block ends before it starts")
            activity = _word(cell("activity") or "work")
            if activity not in ev.ACTIVITIES:
                raise ev.EventError(
                    f"activity {cell('activity')!r} is not one of {', '.join(ev.ACTIVITIES)}"
                )
            ident = definition_id("csv", "schedule", agent, start, end, activity)
            return [
                ev.ScheduleBlock(agent=agent, start=start, end=end, activity=activity, id=ident)
            ]
        at = local_instant(cell("at"), self.timezone, self.columns["at"])
        kind = PUNCH_WORDS.get(_word(cell("kind")))
        if kind is None:
            raise ev.EventError(f"punch {cell('kind')!r} is not in, out, break or meal start/end")
        # The same punch in two exports (or the same file twice) is one punch.
        return [ev.Punch(at=at, agent=agent, kind=kind, id=f"csv:{agent}:{iso_utc(at)}:{kind}")]
