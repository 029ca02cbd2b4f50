"""The Coverage screen's what-if (`w`): try +N or −N agents, cancelling meetings, training
and coaching, or moving a break, from the selected interval to a time; see required against
the projected SL and ASA change before anything is written; `a` applies a schedule change
(one transaction, audited, with a reason), Escape drops it. A part the screen is composed of.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from floorlead.domain import coverage as cv
from floorlead.domain.when import WhenError, at_on_day, hhmm
from floorlead.tui.widgets.modals import ChoiceModal, PromptModal
from floorlead.tui.words import plural

if TYPE_CHECKING:
    from floorlead.tui.screens.coverage import CoverageScreen

KINDS = [
    ("more", "+N agents"),
    ("fewer", "−N agents"),
    ("cancel", "Cancel meetings, training and coaching"),
    ("move", "Move a break or lunch"),
]


@dataclass(frozen=True)
class Trial:
    said: str  # what is tried, in words
    coverage: cv.Coverage
    changes: tuple[cv.BlockChange, ...]  # empty: nothing to write (+N / −N)


class WhatIf:
    def __init__(self, screen: CoverageScreen) -> None:
        self.screen = screen
        self.trial: Trial | None = None

    def _interval(self) -> cv.Interval | None:
        cov = self.screen.coverage
        key = self.screen.selected_id()
        if cov is None or key is None:
            return None
        return next((i for i in cov.intervals if i.start.isoformat() == key), None)

    def start(self) -> None:
        cov, iv = self.screen.coverage, self._interval()
        if cov is None or cov.inputs is None or iv is None:
            self.screen.notify("Select an interval first.", severity="warning")
            return

        def with_kind(kind: str | None) -> None:
            if kind is None:
                return
            if kind == "move":
                self._move(iv)
                return
            if kind in ("more", "fewer") and not self.screen.queue:
                self.screen.notify(
                    "Choose a queue first (f): agents are added to or taken from one queue.",
                    severity="warning",
                )
                return
            self.screen.app.push_screen(
                PromptModal(
                    f"From {iv.label} until (hh:mm)?", placeholder="empty: this interval only"
                ),
                lambda until: self._span(kind, iv, until),
            )

        self.screen.app.push_screen(ChoiceModal(f"What if, from {iv.label}…", KINDS), with_kind)

    def _until(self, iv: cv.Interval, text: str) -> datetime | None:
        if not text.strip():
            return iv.end
        tz = self.screen.floor_app.settings.floor.timezone
        try:
            end = at_on_day(text, self.screen.coverage.day, tz, after=iv.start)  # type: ignore[union-attr]
        except WhenError as exc:
            self.screen.notify(str(exc), severity="warning")
            return None
        if end <= iv.start:
            self.screen.notify("The span must end after the interval starts.", severity="warning")
            return None
        return end

    def _span(self, kind: str, iv: cv.Interval, until: str | None) -> None:
        if until is None:
            return
        end = self._until(iv, until)
        cov = self.screen.coverage
        if end is None or cov is None or cov.inputs is None:
            return
        inputs, queue = cov.inputs, self.screen.queue
        keys = [i.key for i in cov.intervals if iv.start <= i.start < end]
        tz = self.screen.floor_app.settings.floor.timezone
        span = f"{iv.label}–{hhmm(end, tz)}"
        if kind == "cancel":
            changes = cv.cancelled(inputs, queue, iv.start, end, cv.CANCELLABLE)
            if not changes:
                self.screen.notify(f"No meeting, training or coaching {span}.", severity="warning")
                return
            who = plural(len({c.agent for c in changes}), "agent")
            said = f"cancel meetings, training and coaching {span} ({who})"
            self._try(said, inputs, tuple(changes))
            return

        def with_count(text: str | None) -> None:
            if text is None:
                return
            try:
                n = int(text)
                if not 0 < n <= 500:
                    raise ValueError
            except ValueError:
                self.screen.notify(f"{text!r} is not a number of agents.", severity="warning")
                return
            sign = 1 if kind == "more" else -1
            extra = {(k, queue): float(sign * n) for k in keys}
            said = f"{'+' if sign > 0 else '−'}{n} agents on {queue} {span}"
            self._try(said, inputs, (), extra)

        self.screen.app.push_screen(PromptModal("How many agents?", placeholder="2"), with_count)

    def _move(self, iv: cv.Interval) -> None:
        cov = self.screen.coverage
        if cov is None or cov.inputs is None:
            return
        inputs = cov.inputs
        names = self.screen.floor_app.snapshot.agent_names if self.screen.floor_app.snapshot else {}
        tz = self.screen.floor_app.settings.floor.timezone
        on_break = [
            (
                agent,
                f"{names.get(agent, agent)}: {b.activity} {hhmm(b.start, tz)}–{hhmm(b.end, tz)}",
            )
            for agent, blocks in inputs.schedules.items()
            for b in blocks
            if b.activity in ("break", "lunch") and b.start < iv.end and b.end > iv.start
        ]
        if not on_break:
            self.screen.notify(f"Nobody has a break or lunch at {iv.label}.", severity="warning")
            return

        def with_agent(agent: str | None) -> None:
            if agent is None:
                return
            block = next(
                b
                for b in inputs.schedules[agent]
                if b.activity in ("break", "lunch") and b.start < iv.end and b.end > iv.start
            )

            def with_time(text: str | None) -> None:
                if not text:
                    return
                try:
                    to = at_on_day(text, cov.day, tz, after=block.start)
                except WhenError as exc:
                    self.screen.notify(str(exc), severity="warning")
                    return
                changes = cv.moved_break(inputs, agent, block.start, to)
                said = (
                    f"move {names.get(agent, agent)}'s {block.activity} from "
                    f"{hhmm(block.start, tz)} to {hhmm(to, tz)}"
                )
                self._try(said, inputs, tuple(changes))

            self.screen.app.push_screen(
                PromptModal("Move it to (hh:mm)?", placeholder="14:30"), with_time
            )

        self.screen.app.push_screen(ChoiceModal("Whose break?", on_break), with_agent)

    def _try(
        self,
        said: str,
        inputs: cv.CoverageInputs,
        changes: tuple[cv.BlockChange, ...],
        extra: dict[tuple[tuple[str, int], str], float] | None = None,
    ) -> None:
        """The coverage again with the change, in a worker (a tenth of a second on a large
        floor), shown when done."""
        screen = self.screen

        def run() -> None:
            try:
                tried = cv.what_if(inputs, changes=changes, extra=extra)
            except Exception as exc:  # a what-if must never take the screen down
                text = f"The what-if could not be worked out: {exc}."
                screen.app.call_from_thread(screen.notify, text, severity="error")
                return
            screen.app.call_from_thread(self._show, said, tried, changes)

        screen.run_worker(run, thread=True, exclusive=True, group="what-if", exit_on_error=False)

    def _show(self, said: str, coverage: cv.Coverage, changes: tuple[cv.BlockChange, ...]) -> None:
        self.trial = Trial(said, coverage, changes)
        self.screen.show_coverage()

    def summary(self, before: cv.Coverage) -> str:
        """The what-if's line: what is tried, and what it does to the shortest intervals."""
        trial = self.trial
        if trial is None:
            return ""
        queue = self.screen.queue
        was = {r.interval.key: r for r in before.of(queue)}
        moved = []
        for r in trial.coverage.of(queue):
            old = was.get(r.interval.key)
            if old is None or (old.scheduled == r.scheduled):
                continue
            sl = (
                f", SL {old.projected_sl:.0%} → {r.projected_sl:.0%}"
                if old.projected_sl is not None and r.projected_sl is not None
                else ""
            )
            moved.append(f"{r.interval.label} {old.scheduled:.1f} → {r.scheduled:.1f}{sl}")
        apply = "a applies it" if trial.changes else "nothing to write"
        return (
            f"WHAT-IF (nothing changed yet): {trial.said} · "
            + ("; ".join(moved[:4]) or "no interval changes")
            + (f" (+{len(moved) - 4} more)" if len(moved) > 4 else "")
            + f" · {apply} · Esc drops it"
        )

    def apply(self) -> None:
        trial = self.trial
        if trial is None or not trial.changes:
            self.screen.notify("No what-if with a schedule change to apply.", severity="warning")
            return

        def with_reason(reason: str | None) -> None:
            if reason is None:
                return
            from floorlead.store.schedules import apply_schedule_changes

            changes = trial.changes

            def done(_n: object) -> None:
                self.trial = None
                self.screen.show_coverage()

            self.screen.floor_app.client.write(
                self.screen,
                lambda db, by: apply_schedule_changes(db, changes, reason, by),
                f"Applied: {trial.said}.",
                group="what-if",
                then=done,
            )

        self.screen.app.push_screen(
            PromptModal(f"Apply: {trial.said}? Why?", placeholder="Reason", required=True),
            with_reason,
        )

    def drop(self) -> bool:
        if self.trial is None:
            return False
        self.trial = None
        self.screen.show_coverage()
        return True
