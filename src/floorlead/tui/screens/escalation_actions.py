"""What a supervisor does to an escalation from the queue (key 3): take, assign, priority,
snooze, hand up, note, resolve, reopen, approve, decline, pause, mark, undo, coach.

A part the screen (``escalations.py``) is composed of: it binds the keys and calls these.
Every action is one transaction with one audit row (``store.escalations``), refused with one
sentence if someone else changed the row first; marked rows are acted on one transaction
each, so one refusal stops no other.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.binding import Binding, BindingType

from floorlead.domain.actor import Actor
from floorlead.domain.when import day_time_text
from floorlead.tui.screens.escalation_writes import (
    EscalationWriter,
    money,
    name,
    names,
)
from floorlead.tui.widgets.floor_table import FloorTable
from floorlead.tui.widgets.modals import ChoiceModal, ConfirmModal, PromptModal

if TYPE_CHECKING:
    from floorlead.domain.board import EscalationRow
    from floorlead.tui.screens.escalation_writes import Host


#: The keys of the actions on one escalation: the list (key 3) and its detail bind the same
#: ids, so a key remapped in [keys] moves on both.
ACTION_BINDINGS: list[BindingType] = [
    Binding(
        "c",
        "coach",
        "Note on agent",
        tooltip="Coaching note on the agent who raised it, linked to it",
        id="esc.coach",
    ),
    Binding("t", "take", "Take", tooltip="Assign it to me", id="esc.take"),
    Binding("r", "resolve", "Resolve", tooltip="Resolve with a code", id="esc.resolve"),
    Binding("s", "snooze", "Snooze", tooltip="Until 15m, 2pm, tomorrow 9…", id="esc.snooze"),
    Binding("a", "assign", "Assign", tooltip="Assign to an agent or supervisor", id="esc.assign"),
    Binding(
        "u", "hand_up", "Hand up", tooltip="Hand up to a manager with a note", id="esc.hand_up"
    ),
    Binding("n", "note", "Note", tooltip="Add a note", id="esc.note"),
    Binding(
        "p",
        "priority",
        "Priority",
        tooltip="Change the priority, with a reason",
        id="esc.priority",
    ),
    Binding("o", "reopen", "Reopen", tooltip="Reopen a closed escalation", id="esc.reopen"),
    Binding("A", "approve", "Approve", tooltip="Approve the amount asked", id="esc.approve"),
    Binding("D", "decline", "Decline", tooltip="Decline, with a reason", id="esc.decline"),
    Binding(
        "w",
        "pause",
        "Wait",
        tooltip="Pause or resume the SLA clock, with a reason",
        id="esc.pause",
    ),
]


class EscalationKeys:
    """The action keys' handlers, for a screen that holds ``actions``."""

    actions: EscalationActions

    def action_take(self) -> None:
        self.actions.take()

    def action_resolve(self) -> None:
        self.actions.resolve()

    def action_snooze(self) -> None:
        self.actions.snooze()

    def action_assign(self) -> None:
        self.actions.assign()

    def action_hand_up(self) -> None:
        self.actions.hand_up()

    def action_note(self) -> None:
        self.actions.note()

    def action_priority(self) -> None:
        self.actions.priority()

    def action_reopen(self) -> None:
        self.actions.reopen()

    def action_approve(self) -> None:
        self.actions.approve()

    def action_decline(self) -> None:
        self.actions.decline()

    def action_pause(self) -> None:
        self.actions.pause()

    def action_coach(self) -> None:
        self.actions.coach()


class EscalationActions:
    """The escalation screen's actions; the screen (``EscalationsScreen``) binds the keys and
    calls these."""

    def __init__(self, screen: Host, writer: EscalationWriter) -> None:
        self.screen, self.writer = screen, writer

    def take(self) -> None:
        from floorlead.store import escalations as triage

        db, by = self.writer.ctx()
        self.writer.write(lambda e: triage.take(db, e.id, e.version, by), "Taken")

    def resolve(self) -> None:
        from floorlead.store import escalations as triage

        codes = self.screen.floor_app.settings.escalations.resolution_codes

        def go(e: EscalationRow) -> None:
            def with_code(code: str | None) -> None:
                if code is None:
                    return

                def with_note(note: str | None) -> None:
                    if note is None:
                        return
                    db, by = self.writer.ctx()

                    def again(e: EscalationRow, text: str) -> Any:
                        return triage.resolve(db, e.id, e.version, by, code, text)

                    self.writer.write(
                        lambda e: again(e, note), f"Resolved ({code})", typed=note, again=again
                    )

                self.screen.app.push_screen(
                    PromptModal(f"Resolve {name(e)} as {code}", placeholder="Note (optional)"),
                    with_note,
                )

            self.screen.app.push_screen(
                ChoiceModal("Resolution", [(c, c) for c in codes]), with_code
            )

        self.writer.with_selected(go)

    def snooze(self) -> None:
        from floorlead.domain.when import WhenError, parse_human
        from floorlead.store import escalations as triage

        def go(e: EscalationRow) -> None:
            def with_time(text: str | None) -> None:
                if text is None:
                    return
                db, by = self.writer.ctx()
                now, tz = by.at, by.zone
                try:
                    until = parse_human(text, now, tz)
                except WhenError as exc:
                    self.screen.notify(str(exc), severity="warning")
                    return
                when = day_time_text(until, now, tz)

                def snooze() -> None:
                    self.writer.write(
                        lambda e: triage.snooze(db, e.id, e.version, by, until),
                        f"Snoozed until {when}",
                    )

                seen, hidden = self.writer.targets(True)
                late = [t for t in seen + hidden if self._snooze_outlasts_target(t, now, until)]
                if not late:
                    snooze()
                    return
                clock = self.writer.clock_of(late[0], now)
                label = "resolve" if clock.responded else "respond"
                due = clock.resolve_due if clock.responded else clock.respond_due
                past = ", already past" if clock.breached else ""
                self.screen.app.push_screen(
                    ConfirmModal(
                        f"Snooze {names(late)} until {when}? That is after its {label} target "
                        f"({day_time_text(due, now, tz)}{past}): it stays marked ‼ and "
                        "counted past target while snoozed."
                    ),
                    lambda yes: snooze() if yes else None,
                )

            self.screen.app.push_screen(
                PromptModal("Snooze until", placeholder="15m, 2pm, tomorrow 9", required=True),
                with_time,
            )

        self.writer.with_selected(go)

    def _snooze_outlasts_target(self, e: EscalationRow, now: datetime, until: datetime) -> bool:
        clock = self.writer.clock_of(e, now)
        return e.paused_since is None and until > now + timedelta(seconds=clock.seconds_left)

    def assign(self) -> None:
        from floorlead.store import escalations as triage

        snap = self.screen.floor_app.snapshot
        people = [
            (a.name, f"{a.name} · agent · {a.team}")
            for a in (snap.agents if snap else ())
            if a.on_shift
        ]
        me = self.screen.floor_app.supervisor()
        others = [(s, f"{s} · supervisor") for s in self.screen.floor_app.supervisors if s != me]
        people = [(me, f"{me} · supervisor (me)"), *others, *people]

        def with_person(who: str | None) -> None:
            if who is None:
                return
            db, by = self.writer.ctx()
            self.writer.write(
                lambda e: triage.assign(db, e.id, e.version, by, who),
                f"Assigned to {who}",
            )

        def go(e: EscalationRow) -> None:
            self.screen.app.push_screen(
                ChoiceModal(f"Assign {name(e)} to", people, filterable=True), with_person
            )

        self.writer.with_selected(go)

    def hand_up(self) -> None:
        from floorlead.store import escalations as triage

        def hand_up(db: Any, esc: str, version: int, by: Actor, note: str) -> Any:
            return triage.hand_up(db, esc, version, by, "manager", note)

        self.writer.prompt(
            lambda e: f"Hand {name(e)} up to the manager: why?",
            hand_up,
            "Handed up to the manager",
            refused="Not handed up",
        )

    def note(self) -> None:
        from floorlead.store import escalations as triage

        self.writer.prompt(
            lambda e: f"Note on {name(e)}",
            triage.add_note,
            "Note added",
            bulk=True,
            refused="Note not added",
        )

    def priority(self) -> None:
        from floorlead.store import escalations as triage

        def go(e: EscalationRow) -> None:
            def with_priority(priority: str | None) -> None:
                if priority is None:
                    return

                def with_reason(reason: str | None) -> None:
                    if reason is None:
                        return
                    db, by = self.writer.ctx()
                    self.writer.write(
                        lambda e: triage.set_priority(db, e.id, e.version, by, priority, reason),
                        f"Priority now {priority}",
                        bulk=False,
                        typed=reason,
                    )

                self.screen.app.push_screen(
                    PromptModal(f"Why {priority}?", required=True), with_reason
                )

            choices = [(p, p) for p in ("P1", "P2", "P3", "P4") if p != e.priority]
            self.screen.app.push_screen(
                ChoiceModal(f"Priority of {name(e)} (now {e.priority})", choices), with_priority
            )

        self.writer.with_selected(go)

    def reopen(self) -> None:
        from floorlead.store import escalations as triage

        self.writer.prompt(
            lambda e: f"Reopen {name(e)}: why?",
            triage.reopen,
            "Reopened",
            required=False,
            placeholder="Reason (optional)",
        )

    def approve(self) -> None:
        from floorlead.store import escalations as triage

        # the floor's policy; a user's own setting may only lower it, never raise it
        mine = round(self.screen.floor_app.settings.escalations.approval_second_above * 100)
        floor_limit = self.screen.floor_app.approval_limit_cents
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
                    db, by = self.writer.ctx()
                    self.writer.write(
                        lambda e: triage.approve(db, e.id, e.version, by, threshold),
                        said,
                        bulk=False,
                    )

            self.screen.app.push_screen(ConfirmModal(question), answer)

        self.writer.with_selected(go)

    def decline(self) -> None:
        from floorlead.store import escalations as triage

        self.writer.prompt(
            lambda e: f"Decline {money(e.amount_cents)} for {name(e)}: why?",
            triage.decline,
            "Declined",
        )

    def pause(self) -> None:
        from floorlead.store import escalations as triage

        def go(e: EscalationRow) -> None:
            db, by = self.writer.ctx()
            if e.paused_since is not None:
                self.writer.write(
                    lambda e: triage.resume(db, e.id, e.version, by),
                    "SLA clock running again",
                    bulk=False,
                )
                return

            def with_reason(reason: str | None) -> None:
                if reason is None:
                    return
                db2, by2 = self.writer.ctx()
                self.writer.write(
                    lambda e: triage.pause(db2, e.id, e.version, by2, reason),
                    "SLA clock paused",
                    bulk=False,
                    typed=reason,
                )

            self.screen.app.push_screen(
                PromptModal(
                    f"Pause the SLA clock of {name(e)}: waiting for what?",
                    placeholder="the customer, billing team…",
                    required=True,
                ),
                with_reason,
            )

        self.writer.with_selected(go)

    def mark(self) -> None:
        def go(e: EscalationRow) -> None:
            self.screen.marked.symmetric_difference_update({e.id})
            table = self.screen.query_one(FloorTable)
            self.screen.floor_app.render_screen(self.screen)
            if table.cursor_row < table.row_count - 1:
                table.move_cursor(row=table.cursor_row + 1)

        self.writer.with_selected(go)

    def undo(self) -> None:
        if not self.screen.last_actions:
            self.screen.notify("Nothing of yours to undo.", severity="warning")
            return
        outcomes, self.screen.last_actions = self.screen.last_actions, []
        self._undo_all(outcomes, *self.writer.ctx())

    def _undo_all(self, *args: Any) -> None:
        self.screen.run_worker(
            partial(self._undo_each, *args),
            thread=True,
            group="escalation-write",
            exit_on_error=False,
        )

    def _undo_each(self, outcomes: list[Any], db: Any, by: Actor) -> None:
        from floorlead.errors import FloorleadError
        from floorlead.store import escalations as triage

        undone = 0
        for outcome in outcomes:
            try:
                triage.undo(db, outcome, by)
                undone += 1
            except FloorleadError as exc:
                self.screen.app.call_from_thread(
                    self.screen.notify, str(exc), severity="warning", timeout=8
                )
        if undone:
            self.screen.app.call_from_thread(self.screen.notify, f"Undone ({undone}).", timeout=3)
        self.screen.app.call_from_thread(self.screen.floor_app.refresh_now)

    def coach(self) -> None:
        def go(e: EscalationRow) -> None:
            if not e.agent_id:
                self.screen.notify("No agent raised this one.", severity="warning")
                return
            self.screen.floor_app.open_coaching_note(
                e.agent_id, escalation_id=e.id, contact_id=e.contact_id
            )

        self.writer.with_selected(go)
