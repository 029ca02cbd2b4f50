"""How an escalation action reaches the rows: which rows (the marked ones on screen, or the
selected one; marked rows a search or view hides only when the supervisor says so), one
transaction each, and messages that name the rows changed and the rows refused with why. A
write that loses a race keeps the typed text as a note; a write that fails is offered again.

The actions themselves (``escalation_actions.py``) say what to write; this says how. Both
are parts the screen (``escalations.py``) is composed of, not screens.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any, TypeAlias

from floorlead.domain.actor import Actor
from floorlead.domain.escalations import SlaClock, sla_of
from floorlead.tui.widgets.modals import ChoiceModal, PromptModal
from floorlead.tui.words import plural

if TYPE_CHECKING:
    from floorlead.domain.board import EscalationRow
    from floorlead.tui.screens.escalation_detail import EscalationDetailScreen
    from floorlead.tui.screens.escalations import EscalationsScreen

    #: a screen the actions work from: the list (marks, views) or one escalation's detail
    Host: TypeAlias = "EscalationsScreen | EscalationDetailScreen"


#: redo an action with the text the supervisor typed (after a failed write)
Again = Callable[["EscalationRow", str], Any]


def money(cents: int | None) -> str:
    return "" if cents is None else f"{cents / 100:,.2f}"


def name(e: EscalationRow) -> str:
    """An escalation as the supervisor knows it: by its customer."""
    return e.customer or e.id


def names(rows: list[EscalationRow], first: int = 3) -> str:
    """``J. Doe``; ``J. Doe, K. Lee (2 escalations)``; the first few and how many more."""
    shown = ", ".join(name(e) for e in rows[:first])
    if len(rows) > first:
        shown += f" and {len(rows) - first} more"
    return shown if len(rows) == 1 else f"{shown} ({len(rows)} escalations)"


class EscalationWriter:
    """Targets, transactions and messages for the escalation screen's actions. The screen
    owns the state (its marks, what it did last, what is in view); this reaches the rows."""

    def __init__(self, screen: Host) -> None:
        self.screen = screen

    def clock_of(self, e: EscalationRow, now: datetime) -> SlaClock:
        return sla_of(e, self.screen.floor_app.settings.escalations, now)

    def selected(self) -> EscalationRow | None:
        key = self.screen.selected_id()
        snap = self.screen.floor_app.snapshot
        if key is None or snap is None:
            return None
        return next((e for e in snap.escalations if e.id == key), None)

    def with_selected(self, then: Callable[[EscalationRow], None]) -> None:
        e = self.selected()
        if e is None:
            self.screen.notify("No escalation selected.", severity="warning")
            return
        then(e)

    def marked_rows(self) -> tuple[list[EscalationRow], list[EscalationRow]]:
        """The marked rows still on the floor: (on screen, hidden by the view or search)."""
        snap = self.screen.floor_app.snapshot
        rows = [e for e in (snap.escalations if snap else ()) if e.id in self.screen.marked]
        return [e for e in rows if self.screen.in_view(e)], [
            e for e in rows if not self.screen.in_view(e)
        ]

    def targets(self, bulk: bool) -> tuple[list[EscalationRow], list[EscalationRow]]:
        """(what the action reaches on screen: the marked rows, else the selected one;
        marked rows the supervisor cannot see, which it reaches only if they say so)."""
        seen, hidden = self.marked_rows() if bulk else ([], [])
        if not seen:
            selected = self.selected()
            seen = [selected] if selected is not None else []
        return seen, hidden

    def write(
        self,
        call: Callable[[EscalationRow], Any],
        done: str | Callable[[Any], str],
        *,
        bulk: bool = True,
        typed: str = "",
        refused: str = "",
        again: Again | None = None,
    ) -> None:
        """Run ``call`` on the targets; ``done`` names the result (``Taken``), ``refused`` a
        row it could not change (``Not taken``, the default), ``typed`` is the text the
        supervisor wrote: kept as a note if someone else changed the row first, and offered
        again (``again(row, text)`` redoes the action) if the write failed."""
        if not refused:
            word = done.split(" ")[0].lower() if isinstance(done, str) else "changed"
            refused = f"Not {word}"
        seen, hidden = self.targets(bulk)
        if not seen and not hidden:
            self.screen.notify("No escalation selected.", severity="warning")
            return
        if not hidden:
            if bulk:
                self.screen.marked.clear()
            self._write_all(seen, call, done, refused, typed, again)
            return

        def choose(which: str | None) -> None:
            if which is None:
                return  # Escape: nothing done, the marks stay
            self.screen.marked.clear()
            chosen = seen + hidden if which == "all" else seen
            self._write_all(chosen, call, done, refused, typed, again)

        choices = [("seen", f"Only what I see: {names(seen)}")] if seen else []
        also = (
            f"{names(seen)} and the {len(hidden)} hidden"
            if seen
            else f"The {len(hidden)} hidden: {names(hidden)}"
        )
        self.screen.app.push_screen(
            ChoiceModal(
                f"{plural(len(hidden), 'marked escalation')} hidden by {self.screen.hidden_by()}: "
                f"{names(hidden)}.",
                [*choices, ("all", also)],
            ),
            choose,
        )

    def _write_all(
        self,
        *args: Any,
    ) -> None:
        """:meth:`_write_each` in a thread worker of the screen (one at a time per group)."""
        self.screen.run_worker(
            partial(self._write_each, *args),
            thread=True,
            group="escalation-write",
            exit_on_error=False,
        )

    def _write_each(
        self,
        targets: list[EscalationRow],
        call: Callable[[EscalationRow], Any],
        done: str | Callable[[Any], str],
        refused: str,
        typed: str,
        again: Again | None = None,
    ) -> None:
        """Each target in its own transaction: one refused row does not stop the others,
        and the messages name the rows done and the rows refused, with why."""
        from floorlead.errors import ConflictError, FloorleadError

        said: dict[str, list[EscalationRow]] = {}
        outcomes: list[Any] = []
        failed: list[tuple[EscalationRow, str]] = []
        lost: tuple[EscalationRow, str] | None = None
        unsaved: tuple[EscalationRow, str] | None = None
        for target in targets:
            try:
                outcome = call(target)
            except ConflictError as exc:
                failed.append((target, str(exc)))
                lost = lost or (target, str(exc))
            except FloorleadError as exc:
                failed.append((target, str(exc)))
                unsaved = unsaved or (target, str(exc))
            else:
                outcomes.append(outcome)
                said.setdefault(done(outcome) if callable(done) else done, []).append(target)
        if outcomes:
            # screen state changes on the UI thread, like everything the screen reads
            self.screen.app.call_from_thread(setattr, self.screen, "last_actions", outcomes)
        for headline, rows in said.items():
            self.screen.app.call_from_thread(
                self.screen.notify, f"{headline}: {names(rows)}.", timeout=4
            )
        for target, why in failed:
            self.screen.app.call_from_thread(
                self.screen.notify,
                f"{refused}: {name(target)} — {why}",
                severity="warning",
                timeout=8,
            )
        if lost is not None and typed.strip():
            self.screen.app.call_from_thread(self._offer_as_note, lost[0], lost[1], typed)
        elif unsaved is not None and typed.strip() and again is not None:
            args = (unsaved[0], unsaved[1], typed, again, done, refused)
            self.screen.app.call_from_thread(self._offer_again, *args)
        # read the rows again now, not at the next poll: the next key acts on what is true
        self.screen.app.call_from_thread(self.screen.floor_app.refresh_now)

    def _offer_as_note(self, e: EscalationRow, why: str, typed: str) -> None:
        """Someone else changed the row first: what this supervisor wrote is not dropped."""
        from floorlead.store import escalations as triage

        def keep(text: str | None) -> None:
            if text:
                db, by = self.ctx()
                self._write_all(
                    [e],
                    lambda t: triage.add_note(db, t.id, None, by, text),
                    "Your text kept as a note",
                    "Your text not kept",
                    "",
                )

        self.screen.app.push_screen(
            PromptModal(
                f"{name(e)}: {why} Keep what you typed as a note on it?",
                value=typed,
                hint="Enter keeps it as a note · Esc drops it",
                required=True,
            ),
            keep,
        )

    def _offer_again(
        self,
        e: EscalationRow,
        why: str,
        typed: str,
        again: Again,
        done: str | Callable[[Any], str],
        refused: str,
    ) -> None:
        """The write failed (the floor locked, the disk full, a rule): the dialog comes back
        with the text, until it is saved or the supervisor lets it go."""

        def retry(text: str | None) -> None:
            if text:
                self._write_all([e], lambda t: again(t, text), done, refused, text, again)

        self.screen.app.push_screen(
            PromptModal(
                f"{name(e)}: not saved — {why}",
                value=typed,
                hint="Enter tries again · Esc drops what you typed",
                required=True,
            ),
            retry,
        )

    def prompt(
        self,
        title: Callable[[EscalationRow], str],
        act: Callable[..., Any],
        done: str,
        *,
        bulk: bool = False,
        required: bool = True,
        placeholder: str = "",
        refused: str = "",
    ) -> None:
        """Ask one line about the selected escalation, then run
        ``act(db, id, version, by, answer)`` on it (or on every marked row)."""

        def go(e: EscalationRow) -> None:
            def with_answer(answer: str | None) -> None:
                if answer is None:
                    return
                db, by = self.ctx()

                def again(t: EscalationRow, text: str) -> Any:
                    return act(db, t.id, t.version, by, text)

                self.write(
                    lambda t: again(t, answer),
                    done,
                    bulk=bulk,
                    typed=answer,
                    refused=refused,
                    again=again,
                )

            self.screen.app.push_screen(
                PromptModal(title(e), placeholder=placeholder, required=required), with_answer
            )

        self.with_selected(go)

    def ctx(self) -> tuple[Any, Actor]:
        """The floor's database, and this supervisor acting now."""
        app = self.screen.floor_app
        return app.db, Actor(app.supervisor(), app.clock(), app.settings.floor.timezone)
