"""What a supervisor does to an escalation from the queue (key 3): take, assign, priority,
snooze, hand up, note, resolve, reopen, approve, decline, pause, mark, undo, coach.

Kept apart from the screen's rendering (``escalations.py``). Every action is one transaction
with one audit row (``store.triage``), refused with one sentence if someone else changed the
row first; marked rows are acted on one transaction each, so one refusal stops no other.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from textual import work

from floorlead.domain.escalations import SlaClock, sla_clock
from floorlead.domain.when import day_time_text
from floorlead.tui.screens.base import FloorScreen
from floorlead.tui.widgets.floor_table import FloorTable
from floorlead.tui.widgets.modals import ChoiceModal, ConfirmModal, PromptModal

if TYPE_CHECKING:
    from floorlead.store.views import EscalationRow


#: redo an action with the text the supervisor typed (after a failed write)
Again = Callable[["EscalationRow", str], Any]


def money(cents: int | None) -> str:
    return "" if cents is None else f"{cents / 100:,.2f}"


def name(e: EscalationRow) -> str:
    """An escalation as the supervisor knows it: by its customer."""
    return e.customer or e.id


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def names(rows: list[EscalationRow], first: int = 3) -> str:
    """``J. Doe``; ``J. Doe, K. Lee (2 escalations)``; the first few and how many more."""
    shown = ", ".join(name(e) for e in rows[:first])
    if len(rows) > first:
        shown += f" and {len(rows) - first} more"
    return shown if len(rows) == 1 else f"{shown} ({len(rows)} escalations)"


class EscalationActions(FloorScreen):
    """The escalation screen's actions; the screen (``EscalationsScreen``) binds the keys."""

    #: escalations marked for a bulk action (ids)
    marked: set[str]
    #: what this session did last, for `z`
    last_actions: list[Any]

    # ------------------------------------------------------------------ helpers

    def in_view(self, e: EscalationRow) -> bool:
        """Whether ``e`` is on screen (the view and the search); the screen decides."""
        raise NotImplementedError

    def hidden_by(self) -> str:
        """What hides rows now, in words (``the search 'fox'``, ``the view 'mine'``)."""
        raise NotImplementedError

    def clock_of(self, e: EscalationRow, now: datetime) -> SlaClock:
        settings = self.floor_app.settings.escalations
        return sla_clock(
            raised_at=e.raised_at,
            responded_at=e.responded_at,
            now=now,
            respond_min=settings.respond_minutes.get(e.priority, 60),
            resolve_min=settings.resolve_minutes.get(e.priority, 480),
            paused_s=e.paused_s,
            paused_since=e.paused_since,
        )

    def selected(self) -> EscalationRow | None:
        key = self.query_one(FloorTable).selected_key
        snap = self.floor_app.snapshot
        if key is None or snap is None:
            return None
        return next((e for e in snap.escalations if e.id == key), None)

    def _with_selected(self, then: Callable[[EscalationRow], None]) -> None:
        e = self.selected()
        if e is None:
            self.notify("No escalation selected.", severity="warning")
            return
        then(e)

    def marked_rows(self) -> tuple[list[EscalationRow], list[EscalationRow]]:
        """The marked rows still on the floor: (on screen, hidden by the view or search)."""
        snap = self.floor_app.snapshot
        rows = [e for e in (snap.escalations if snap else ()) if e.id in self.marked]
        return [e for e in rows if self.in_view(e)], [e for e in rows if not self.in_view(e)]

    def _targets(self, bulk: bool) -> tuple[list[EscalationRow], list[EscalationRow]]:
        """(what the action reaches on screen: the marked rows, else the selected one;
        marked rows the supervisor cannot see, which it reaches only if they say so)."""
        seen, hidden = self.marked_rows() if bulk else ([], [])
        if not seen:
            selected = self.selected()
            seen = [selected] if selected is not None else []
        return seen, hidden

    def _write(
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
        seen, hidden = self._targets(bulk)
        if not seen and not hidden:
            self.notify("No escalation selected.", severity="warning")
            return
        if not hidden:
            if bulk:
                self.marked.clear()
            self._write_all(seen, call, done, refused, typed, again)
            return

        def choose(which: str | None) -> None:
            if which is None:
                return  # Escape: nothing done, the marks stay
            self.marked.clear()
            chosen = seen + hidden if which == "all" else seen
            self._write_all(chosen, call, done, refused, typed, again)

        choices = [("seen", f"Only what I see: {names(seen)}")] if seen else []
        also = f"{names(seen)} and the {len(hidden)} hidden" if seen else f"The {len(hidden)}"
        self.app.push_screen(
            ChoiceModal(
                f"{plural(len(hidden), 'marked escalation')} hidden by {self.hidden_by()}: "
                f"{names(hidden)}.",
                [*choices, ("all", also)],
            ),
            choose,
        )

    @work(thread=True, exit_on_error=False, group="escalation-write")
    def _write_all(
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
        from floorlead.errors import FloorleadError
        from floorlead.store.triage import ConflictError

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
            self.app.call_from_thread(setattr, self, "last_actions", outcomes)
        for headline, rows in said.items():
            self.app.call_from_thread(self.notify, f"{headline}: {names(rows)}.", timeout=4)
        for target, why in failed:
            self.app.call_from_thread(
                self.notify, f"{refused}: {name(target)} — {why}", severity="warning", timeout=8
            )
        if lost is not None and typed.strip():
            self.app.call_from_thread(self._offer_as_note, lost[0], lost[1], typed)
        elif unsaved is not None and typed.strip() and again is not None:
            args = (unsaved[0], unsaved[1], typed, again, done, refused)
            self.app.call_from_thread(self._offer_again, *args)
        # read the rows again now, not at the next poll: the next key acts on what is true
        self.app.call_from_thread(self.floor_app.refresh_now)

    def _offer_as_note(self, e: EscalationRow, why: str, typed: str) -> None:
        """Someone else changed the row first: what this supervisor wrote is not dropped."""
        from floorlead.store import triage

        def keep(text: str | None) -> None:
            if text:
                db, me, now, tz = self._ctx()
                self._write_all(
                    [e],
                    lambda t: triage.add_note(db, t.id, None, me, now, tz, text),
                    "Your text kept as a note",
                    "Your text not kept",
                    "",
                )

        self.app.push_screen(
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

        self.app.push_screen(
            PromptModal(
                f"{name(e)}: not saved — {why}",
                value=typed,
                hint="Enter tries again · Esc drops what you typed",
                required=True,
            ),
            retry,
        )

    def _prompt(
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
        ``act(db, id, version, me, now, tz, answer)`` on it (or on every marked row)."""

        def go(e: EscalationRow) -> None:
            def with_answer(answer: str | None) -> None:
                if answer is None:
                    return
                db, me, now, tz = self._ctx()

                def again(t: EscalationRow, text: str) -> Any:
                    return act(db, t.id, t.version, me, now, tz, text)

                self._write(
                    lambda t: again(t, answer),
                    done,
                    bulk=bulk,
                    typed=answer,
                    refused=refused,
                    again=again,
                )

            self.app.push_screen(
                PromptModal(title(e), placeholder=placeholder, required=required), with_answer
            )

        self._with_selected(go)

    def _ctx(self) -> tuple[Any, str, datetime, str]:
        app = self.floor_app
        return app.db, app.supervisor(), app.clock(), app.settings.floor.timezone

    # ------------------------------------------------------------------ actions

    def action_take(self) -> None:
        from floorlead.store import triage

        db, me, now, tz = self._ctx()
        self._write(lambda e: triage.take(db, e.id, e.version, me, now, tz), "Taken")

    def action_resolve(self) -> None:
        from floorlead.store import triage

        codes = self.floor_app.settings.escalations.resolution_codes

        def go(e: EscalationRow) -> None:
            def with_code(code: str | None) -> None:
                if code is None:
                    return

                def with_note(note: str | None) -> None:
                    if note is None:
                        return
                    db, me, now, tz = self._ctx()

                    def again(e: EscalationRow, text: str) -> Any:
                        return triage.resolve(db, e.id, e.version, me, now, tz, code, text)

                    self._write(
                        lambda e: again(e, note), f"Resolved ({code})", typed=note, again=again
                    )

                self.app.push_screen(
                    PromptModal(f"Resolve {name(e)} as {code}", placeholder="Note (optional)"),
                    with_note,
                )

            self.app.push_screen(ChoiceModal("Resolution", [(c, c) for c in codes]), with_code)

        self._with_selected(go)

    def action_snooze(self) -> None:
        from floorlead.domain.when import WhenError, parse_human
        from floorlead.store import triage

        def go(e: EscalationRow) -> None:
            def with_time(text: str | None) -> None:
                if text is None:
                    return
                db, me, now, tz = self._ctx()
                try:
                    until = parse_human(text, now, tz)
                except WhenError as exc:
                    self.notify(str(exc), severity="warning")
                    return
                when = day_time_text(until, now, tz)

                def snooze() -> None:
                    self._write(
                        lambda e: triage.snooze(db, e.id, e.version, me, now, tz, until),
                        f"Snoozed until {when}",
                    )

                seen, hidden = self._targets(True)
                late = [t for t in seen + hidden if self._snooze_outlasts_target(t, now, until)]
                if not late:
                    snooze()
                    return
                clock = self.clock_of(late[0], now)
                label = "resolve" if clock.responded else "respond"
                due = clock.resolve_due if clock.responded else clock.respond_due
                past = ", already past" if clock.breached else ""
                self.app.push_screen(
                    ConfirmModal(
                        f"Snooze {names(late)} until {when}? That is after its {label} target "
                        f"({day_time_text(due, now, tz)}{past}): it stays marked ‼ and "
                        "counted past target while snoozed."
                    ),
                    lambda yes: snooze() if yes else None,
                )

            self.app.push_screen(
                PromptModal("Snooze until", placeholder="15m, 2pm, tomorrow 9", required=True),
                with_time,
            )

        self._with_selected(go)

    def _snooze_outlasts_target(self, e: EscalationRow, now: datetime, until: datetime) -> bool:
        clock = self.clock_of(e, now)
        return e.paused_since is None and until > now + timedelta(seconds=clock.seconds_left)

    def action_assign(self) -> None:
        from floorlead.store import triage

        snap = self.floor_app.snapshot
        people = [
            (a.name, f"{a.name} · agent · {a.team}")
            for a in (snap.agents if snap else ())
            if a.on_shift
        ]
        me = self.floor_app.supervisor()
        others = [(s, f"{s} · supervisor") for s in self.floor_app.supervisors if s != me]
        people = [(me, f"{me} · supervisor (me)"), *others, *people]

        def with_person(who: str | None) -> None:
            if who is None:
                return
            db, me2, now, tz = self._ctx()
            self._write(
                lambda e: triage.assign(db, e.id, e.version, me2, now, tz, who),
                f"Assigned to {who}",
            )

        def go(e: EscalationRow) -> None:
            self.app.push_screen(
                ChoiceModal(f"Assign {name(e)} to", people, filterable=True), with_person
            )

        self._with_selected(go)

    def action_hand_up(self) -> None:
        from floorlead.store import triage

        def hand_up(
            db: Any, esc: str, version: int, me: str, now: datetime, tz: str, note: str
        ) -> Any:
            return triage.hand_up(db, esc, version, me, now, tz, "manager", note)

        self._prompt(
            lambda e: f"Hand {name(e)} up to the manager: why?",
            hand_up,
            "Handed up to the manager",
            refused="Not handed up",
        )

    def action_note(self) -> None:
        from floorlead.store import triage

        self._prompt(
            lambda e: f"Note on {name(e)}",
            triage.add_note,
            "Note added",
            bulk=True,
            refused="Note not added",
        )

    def action_priority(self) -> None:
        from floorlead.store import triage

        def go(e: EscalationRow) -> None:
            def with_priority(priority: str | None) -> None:
                if priority is None:
                    return

                def with_reason(reason: str | None) -> None:
                    if reason is None:
                        return
                    db, me, now, tz = self._ctx()
                    self._write(
                        lambda e: triage.set_priority(
                            db, e.id, e.version, me, now, tz, priority, reason
                        ),
                        f"Priority now {priority}",
                        bulk=False,
                        typed=reason,
                    )

                self.app.push_screen(PromptModal(f"Why {priority}?", required=True), with_reason)

            choices = [(p, p) for p in ("P1", "P2", "P3", "P4") if p != e.priority]
            self.app.push_screen(
                ChoiceModal(f"Priority of {name(e)} (now {e.priority})", choices), with_priority
            )

        self._with_selected(go)

    def action_reopen(self) -> None:
        from floorlead.store import triage

        self._prompt(
            lambda e: f"Reopen {name(e)}: why?",
            triage.reopen,
            "Reopened",
            required=False,
            placeholder="Reason (optional)",
        )

    def action_approve(self) -> None:
        from floorlead.store import triage

        # the floor's policy; a user's own setting may only lower it, never raise it
        mine = round(self.floor_app.settings.escalations.approval_second_above * 100)
        floor_limit = self.floor_app.approval_limit_cents
        threshold = mine if floor_limit is None else min(mine, floor_limit)

        def go(e: EscalationRow) -> None:
            amount = money(e.amount_cents) or "no amount"
            if e.first_approver:
                question = (
                    f"Second approval of two: approve {amount} for {name(e)}? ({e.reason}). "
                    f"{e.first_approver} gave the first."
                )
            elif (e.amount_cents or 0) > threshold:
                question = (
                    f"First approval of two: approve {amount} for {name(e)}? ({e.reason}). "
                    "Above the limit, a second, different supervisor must approve too."
                )
            else:
                question = f"Approve {amount} for {name(e)}? ({e.reason})."

            def said(outcome: Any) -> str:
                if outcome.status == "awaiting_second":
                    return (
                        f"First approval of {amount}: approved by you — waiting for a second "
                        "supervisor"
                    )
                return f"Approved {amount}"

            def answer(yes: bool | None) -> None:
                if yes:
                    db, me, now, tz = self._ctx()
                    self._write(
                        lambda e: triage.approve(db, e.id, e.version, me, now, tz, threshold),
                        said,
                        bulk=False,
                    )

            self.app.push_screen(ConfirmModal(question), answer)

        self._with_selected(go)

    def action_decline(self) -> None:
        from floorlead.store import triage

        self._prompt(
            lambda e: f"Decline {money(e.amount_cents)} for {name(e)}: why?",
            triage.decline,
            "Declined",
        )

    def action_pause(self) -> None:
        from floorlead.store import triage

        def go(e: EscalationRow) -> None:
            db, me, now, tz = self._ctx()
            if e.paused_since is not None:
                self._write(
                    lambda e: triage.resume(db, e.id, e.version, me, now, tz),
                    "SLA clock running again",
                    bulk=False,
                )
                return

            def with_reason(reason: str | None) -> None:
                if reason is None:
                    return
                db2, me2, now2, tz2 = self._ctx()
                self._write(
                    lambda e: triage.pause(db2, e.id, e.version, me2, now2, tz2, reason),
                    "SLA clock paused",
                    bulk=False,
                    typed=reason,
                )

            self.app.push_screen(
                PromptModal(
                    f"Pause the SLA clock of {name(e)}: waiting for what?",
                    placeholder="the customer, billing team…",
                    required=True,
                ),
                with_reason,
            )

        self._with_selected(go)

    def action_mark(self) -> None:
        def go(e: EscalationRow) -> None:
            self.marked.symmetric_difference_update({e.id})
            table = self.query_one(FloorTable)
            self.floor_app.render_screen(self)
            if table.cursor_row < table.row_count - 1:
                table.move_cursor(row=table.cursor_row + 1)

        self._with_selected(go)

    def action_undo(self) -> None:
        if not self.last_actions:
            self.notify("Nothing of yours to undo.", severity="warning")
            return
        outcomes, self.last_actions = self.last_actions, []
        self._undo_all(outcomes, *self._ctx())

    @work(thread=True, exit_on_error=False, group="escalation-write")
    def _undo_all(self, outcomes: list[Any], db: Any, me: str, now: datetime, tz: str) -> None:
        from floorlead.errors import FloorleadError
        from floorlead.store import triage

        undone = 0
        for outcome in outcomes:
            try:
                triage.undo(db, outcome, me, now, tz)
                undone += 1
            except FloorleadError as exc:
                self.app.call_from_thread(self.notify, str(exc), severity="warning", timeout=8)
        if undone:
            self.app.call_from_thread(self.notify, f"Undone ({undone}).", timeout=3)
        self.app.call_from_thread(self.floor_app.refresh_now)

    def action_coach(self) -> None:
        def go(e: EscalationRow) -> None:
            if not e.agent_id:
                self.notify("No agent raised this one.", severity="warning")
                return
            self.floor_app.open_coaching_note(
                e.agent_id, escalation_id=e.id, contact_id=e.contact_id
            )

        self._with_selected(go)
