"""What a supervisor does to an escalation from the queue (key 3): take, assign, priority,
snooze, hand up, note, resolve, reopen, approve, decline, pause, mark, undo, coach.

Kept apart from the screen's rendering (``escalations.py``). Every action is one transaction
with one audit row (``store.triage``), refused with one sentence if someone else changed the
row first; marked rows are acted on one transaction each, so one refusal stops no other.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from textual import work

from floorlead.domain.when import hhmm
from floorlead.tui.screens.base import FloorScreen
from floorlead.tui.widgets.floor_table import FloorTable
from floorlead.tui.widgets.modals import ChoiceModal, ConfirmModal, PromptModal

if TYPE_CHECKING:
    from floorlead.store.views import EscalationRow


def money(cents: int | None) -> str:
    return "" if cents is None else f"{cents / 100:,.2f}"


class EscalationActions(FloorScreen):
    """The escalation screen's actions; the screen (``EscalationsScreen``) binds the keys."""

    #: escalations marked for a bulk action (ids)
    marked: set[str]
    #: what this session did last, for `z`
    last_actions: list[Any]

    # ------------------------------------------------------------------ helpers

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

    def _targets(self, bulk: bool) -> list[EscalationRow]:
        """The marked rows (for actions that make sense in bulk), else the selected one."""
        snap = self.floor_app.snapshot
        if bulk and self.marked and snap is not None:
            return [e for e in snap.escalations if e.id in self.marked]
        selected = self.selected()
        return [selected] if selected is not None else []

    def _write(self, call: Callable[[EscalationRow], Any], done: str, *, bulk: bool = True) -> None:
        targets = self._targets(bulk)
        if bulk:
            self.marked.clear()
        self._write_all(targets, call, done)

    @work(thread=True, exit_on_error=False, group="escalation-write")
    def _write_all(
        self, targets: list[EscalationRow], call: Callable[[EscalationRow], Any], done: str
    ) -> None:
        """Each target in its own transaction: one refused row does not stop the others."""
        from floorlead.errors import FloorleadError

        outcomes: list[Any] = []
        problems: list[str] = []
        for target in targets:
            try:
                outcomes.append(call(target))
            except FloorleadError as exc:
                problems.append(str(exc))
        if outcomes:
            # screen state changes on the UI thread, like everything the screen reads
            self.app.call_from_thread(setattr, self, "last_actions", outcomes)
            more = f" ({len(outcomes)} escalations)" if len(outcomes) > 1 else ""
            self.app.call_from_thread(self.notify, done + more, timeout=3)
        for problem in problems[:3]:
            self.app.call_from_thread(self.notify, problem, severity="warning", timeout=8)
        # read the rows again now, not at the next poll: the next key acts on what is true
        self.app.call_from_thread(self.floor_app.refresh_now)

    def _prompt(
        self,
        title: Callable[[EscalationRow], str],
        act: Callable[..., Any],
        done: str,
        *,
        bulk: bool = False,
        required: bool = True,
        placeholder: str = "",
    ) -> None:
        """Ask one line about the selected escalation, then run
        ``act(db, id, version, me, now, tz, answer)`` on it (or on every marked row)."""

        def go(e: EscalationRow) -> None:
            def with_answer(answer: str | None) -> None:
                if answer is None:
                    return
                db, me, now, tz = self._ctx()
                self._write(
                    lambda t: act(db, t.id, t.version, me, now, tz, answer), done, bulk=bulk
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

        def go(e: EscalationRow) -> None:
            db, me, now, tz = self._ctx()
            self._write(
                lambda e: triage.take(db, e.id, e.version, me, now, tz),
                f"Taken: {e.customer or e.id}.",
            )

        self._with_selected(go)

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
                    self._write(
                        lambda e: triage.resolve(db, e.id, e.version, me, now, tz, code, note),
                        f"Resolved ({code}): {e.customer or e.id}.",
                    )

                self.app.push_screen(
                    PromptModal(
                        f"Resolve {e.customer or e.id} as {code}", placeholder="Note (optional)"
                    ),
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
                self._write(
                    lambda e: triage.snooze(db, e.id, e.version, me, now, tz, until),
                    f"Snoozed until {hhmm(until, tz)}: {e.customer or e.id}.",
                )

            self.app.push_screen(
                PromptModal("Snooze until", placeholder="15m, 2pm, tomorrow 9", required=True),
                with_time,
            )

        self._with_selected(go)

    def action_assign(self) -> None:
        from floorlead.store import triage

        def go(e: EscalationRow) -> None:
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
                    f"Assigned to {who}.",
                )

            self.app.push_screen(ChoiceModal("Assign to", people, filterable=True), with_person)

        self._with_selected(go)

    def action_hand_up(self) -> None:
        from floorlead.store import triage

        def hand_up(
            db: Any, esc: str, version: int, me: str, now: datetime, tz: str, note: str
        ) -> Any:
            return triage.hand_up(db, esc, version, me, now, tz, "manager", note)

        self._prompt(lambda e: "Hand up to the manager: why?", hand_up, "Handed up to the manager.")

    def action_note(self) -> None:
        from floorlead.store import triage

        self._prompt(
            lambda e: f"Note on {e.customer or e.id}", triage.add_note, "Note added.", bulk=True
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
                        f"Priority now {priority}.",
                        bulk=False,
                    )

                self.app.push_screen(PromptModal(f"Why {priority}?", required=True), with_reason)

            choices = [(p, p) for p in ("P1", "P2", "P3", "P4") if p != e.priority]
            self.app.push_screen(
                ChoiceModal(f"Priority (now {e.priority})", choices), with_priority
            )

        self._with_selected(go)

    def action_reopen(self) -> None:
        from floorlead.store import triage

        self._prompt(
            lambda e: "Reopen: why?",
            triage.reopen,
            "Reopened.",
            required=False,
            placeholder="Reason (optional)",
        )

    def action_approve(self) -> None:
        from floorlead.store import triage

        threshold = round(self.floor_app.settings.escalations.approval_second_above * 100)

        def go(e: EscalationRow) -> None:
            amount = money(e.amount_cents) or "no amount"
            second = (
                " This is the second approval."
                if e.first_approver
                else " Above the limit: a second supervisor must also approve."
                if (e.amount_cents or 0) > threshold
                else ""
            )

            def answer(yes: bool | None) -> None:
                if yes:
                    db, me, now, tz = self._ctx()
                    self._write(
                        lambda e: triage.approve(db, e.id, e.version, me, now, tz, threshold),
                        f"Approved {amount}.",
                        bulk=False,
                    )

            self.app.push_screen(
                ConfirmModal(f"Approve {amount} for {e.customer or e.id}? ({e.reason}).{second}"),
                answer,
            )

        self._with_selected(go)

    def action_decline(self) -> None:
        from floorlead.store import triage

        self._prompt(
            lambda e: f"Decline {money(e.amount_cents)} for {e.customer or e.id}: why?",
            triage.decline,
            "Declined.",
        )

    def action_pause(self) -> None:
        from floorlead.store import triage

        def go(e: EscalationRow) -> None:
            db, me, now, tz = self._ctx()
            if e.paused_since is not None:
                self._write(
                    lambda e: triage.resume(db, e.id, e.version, me, now, tz),
                    "SLA clock running again.",
                    bulk=False,
                )
                return

            def with_reason(reason: str | None) -> None:
                if reason is None:
                    return
                db2, me2, now2, tz2 = self._ctx()
                self._write(
                    lambda e: triage.pause(db2, e.id, e.version, me2, now2, tz2, reason),
                    "SLA clock paused.",
                    bulk=False,
                )

            self.app.push_screen(
                PromptModal(
                    "Pause the SLA clock: waiting for what?",
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
