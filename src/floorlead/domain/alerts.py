"""Alerts: what must reach the supervisor whichever screen they are on.

A rule holds or not at an instant (:func:`standing`); an alert fires once, when its rule
starts to hold (:class:`AlertWatch`). The same two functions run in the app's refresh tick and
in ``floorlead alerts test``, which replays a recorded day. Pure: no clock, no database.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

from floorlead.domain.escalations import sla_of
from floorlead.domain.when import duration_text, local

if TYPE_CHECKING:
    from floorlead.config import Settings
    from floorlead.domain.board import EscalationRow, QueueRow

#: The rules a supervisor can switch on and off (``[alerts] events``).
ALERT_EVENTS = ("p1", "sla_breach", "longest_wait", "stale_feed")


@dataclass(frozen=True)
class Alert:
    kind: str  # one of ALERT_EVENTS
    key: str  # what it is about: it fires once per key while it holds
    at: datetime  # when the rule started to hold
    text: str  # one sentence
    goto: tuple[str, str] | None  # (screen, row) the jump key shows
    rank: tuple[int, int, float]  # most urgent first


def _urgent(e: EscalationRow, settings: Settings) -> bool:
    return e.priority in settings.alerts.urgent_priorities


def standing(
    queues: Sequence[QueueRow],
    escalations: Iterable[EscalationRow],
    now: datetime,
    settings: Settings,
    stale_why: str | None = None,
) -> list[Alert]:
    """Every rule that holds at ``now``, most urgent first: escalations past their target
    (urgent priorities first), queues past their critical wait, urgent escalations open, a
    board that may be frozen. All rules, whatever the settings switch on: the header's badge
    and the jump key count them all."""
    out: list[Alert] = []
    critical = settings.thresholds.longest_wait_critical_s
    for e in escalations:
        if e.closed:
            continue
        who = e.customer or e.id
        clock = sla_of(e, settings.escalations, now)
        urgent = _urgent(e, settings)
        pri = int(e.priority[1:]) if e.priority[1:].isdigit() else 9
        if clock.breached:
            label = "resolution" if clock.responded else "response"
            due = clock.resolve_due if clock.responded else clock.respond_due
            late = duration_text(-clock.seconds_left)
            out.append(
                Alert(
                    "sla_breach",
                    f"sla:{e.id}",  # once while past target, whichever clock (taking it
                    # moves a late response to a late resolution: nothing new to ring)
                    due,
                    f"{e.priority} escalation {who} is past its {label} target by {late}.",
                    ("escalations", e.id),
                    (0 if urgent else 1, pri, clock.seconds_left),
                )
            )
        if urgent:
            where = f" ({e.queue_id})" if e.queue_id else ""
            out.append(
                Alert(
                    "p1",
                    f"p1:{e.id}",
                    e.raised_at,
                    f"{e.priority} escalation: {who}{where} — {e.reason}.",
                    ("escalations", e.id),
                    (3, pri, -(now - e.raised_at).total_seconds()),
                )
            )
    for q in queues:
        if q.oldest_waiting_at is None:
            continue
        waited = (now - q.oldest_waiting_at).total_seconds()
        if waited >= critical:
            out.append(
                Alert(
                    "longest_wait",
                    f"wait:{q.id}",
                    q.oldest_waiting_at + timedelta(seconds=critical),
                    f"{q.name}: a contact has waited {duration_text(waited)} "
                    f"(critical at {duration_text(critical)}), {q.waiting} waiting.",
                    ("queues", q.id),
                    (2, 0, -waited),
                )
            )
    if stale_why:
        out.append(
            Alert(
                "stale_feed",
                "stale",
                now,
                f"The board may be frozen: {stale_why}.",
                None,
                (4, 0, 0),
            )
        )
    out.sort(key=lambda a: a.rank)
    return out


def badge(alerts: Iterable[Alert]) -> str:
    """The header's badge, in words and symbols: ``‼ 2 P1 · 3 past target · 1 queue waiting``;
    empty when nothing holds."""
    kinds = [a.kind for a in alerts]
    parts = []
    if n := kinds.count("p1"):
        parts.append(f"{n} P1")
    if n := kinds.count("sla_breach"):
        parts.append(f"{n} past target")
    if n := kinds.count("longest_wait"):
        parts.append(f"{n} queue{'s' if n > 1 else ''} waiting")
    return f"‼ {' · '.join(parts)}" if parts else ""


def quiet(now: datetime, settings: Settings) -> bool:
    """Within the quiet hours (floor time) the bell stays silent; alerts still show."""
    hours = settings.alerts.quiet_hours
    if hours is None:
        return False
    start, end = hours
    t = local(now, settings.floor.timezone).time()
    return start <= t < end if start <= end else (t >= start or t < end)


def parse_quiet_hours(text: str) -> tuple[time, time] | None:
    """``22:00-06:00`` (may cross midnight); empty for none. ValueError if malformed."""
    text = text.strip()
    if not text:
        return None
    first, sep, second = text.partition("-")
    if not sep:
        raise ValueError(text)
    start, end = (time.fromisoformat(p.strip()) for p in (first, second))
    if start == end:
        raise ValueError(text)
    return start, end


def as_at(e: EscalationRow, at: datetime) -> EscalationRow | None:
    """An escalation as it stood at ``at`` by its own instants (None before it was raised):
    not yet responded to, not yet closed, not yet paused. Its priority and the paused time
    it has gathered are as they are now (the floor keeps no history of them)."""
    if e.raised_at > at:
        return None
    changes: dict[str, object] = {}
    if e.responded_at is not None and e.responded_at > at:
        changes["responded_at"] = None
    if e.closed and (e.resolved_at is None or e.resolved_at > at):
        changes.update(status="open", resolved_at=None)
    if e.paused_since is not None and e.paused_since > at:
        changes["paused_since"] = None
    return replace(e, **changes) if changes else e  # type: ignore[arg-type]


def replay(
    boards: Iterable[tuple[datetime, Sequence[QueueRow]]],
    escalations: Sequence[EscalationRow],
    settings: Settings,
) -> list[Alert]:
    """The alerts a recorded floor would have fired, looked at at each board's instant as
    the app looks at each tick, from a floor with nothing holding."""
    watch = AlertWatch(primed=True)
    out: list[Alert] = []
    for at, queues in boards:
        then = [s for e in escalations if (s := as_at(e, at)) is not None]
        out += watch.fired(standing(queues, then, at, settings), settings.alerts.events)
    return out


class AlertWatch:
    """Which rules held at the last look, so each alert fires once, when its rule starts to
    hold. At the first look (the app opening) only a frozen board is announced: what else
    already holds is on the badge, not rung. A replay starts ``primed``, from an empty floor."""

    def __init__(self, primed: bool = False) -> None:
        self._holding: set[str] | None = set() if primed else None

    def fired(self, alerts: Iterable[Alert], enabled: Iterable[str]) -> list[Alert]:
        alerts = list(alerts)
        before, self._holding = self._holding, {a.key for a in alerts}
        on = set(enabled)
        if before is None:
            return [a for a in alerts if a.kind in on and a.kind == "stale_feed"]
        return [a for a in alerts if a.key not in before and a.kind in on]
