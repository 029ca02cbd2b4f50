"""Escalation queue (key 3): triage from the keyboard.

t take · a assign · p priority · s snooze · u hand up · n note · r resolve · o reopen ·
A approve · D decline · Enter detail · f view · / search. Every action is one transaction
with one audit row, refused with one sentence if someone else changed the row first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import work
from textual.binding import Binding, BindingType
from textual.widgets import Input, Static

from floorlead.domain.escalations import WORDS, sla_clock
from floorlead.domain.when import duration_text, hhmm
from floorlead.tui.screens.base import FloorScreen
from floorlead.tui.widgets.floor_table import FloorTable, Row
from floorlead.tui.widgets.modals import ChoiceModal, ConfirmModal, PromptModal

if TYPE_CHECKING:
    from floorlead.store.views import EscalationRow, FloorSnapshot

COLUMNS = (
    ("priority", "Pri"),
    ("age", "Age"),
    ("sla", "SLA"),
    ("customer", "Customer"),
    ("queue", "Queue"),
    ("agent", "Raised by"),
    ("kind", "Kind"),
    ("amount", "Amount"),
    ("assignee", "Assignee"),
    ("status", "Status"),
    ("reason", "Reason"),
)
VIEWS = ("open", "mine", "unassigned", "snoozed", "closed today")


def money(cents: int | None) -> str:
    return "" if cents is None else f"{cents / 100:,.2f}"


class EscalationsScreen(FloorScreen):
    SCREEN_TITLE = "Escalations"
    BINDINGS: ClassVar[list[BindingType]] = [
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
        Binding(
            "a", "assign", "Assign", tooltip="Assign to an agent or supervisor", id="esc.assign"
        ),
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
        Binding(
            "space",
            "mark",
            "Mark",
            tooltip="Mark rows: t, a, s, n and r act on all marked",
            id="esc.mark",
        ),
        Binding(
            "z",
            "undo",
            "Undo",
            tooltip="Undo your last action, if nobody changed it since",
            id="esc.undo",
        ),
        Binding(
            "f",
            "cycle_view",
            "View",
            tooltip="Open / mine / unassigned / snoozed / closed",
            id="esc.view",
        ),
        Binding("slash", "search", "Search", key_display="/", tooltip="Search", id="esc.search"),
        Binding(
            "enter",
            "detail",
            "Detail",
            show=False,
            tooltip="Why, history, contact",
            id="esc.detail",
        ),
        Binding("escape", "clear", "Clear", show=False, tooltip="Clear the search", id="esc.clear"),
    ]
    SCREEN_COMMANDS = (
        ("Take escalation", "Assign it to me", "take"),
        ("Resolve escalation", "With a resolution code", "resolve"),
        ("Snooze escalation", "Until a time such as 15m or 2pm", "snooze"),
        ("Assign escalation", "To an agent or another supervisor", "assign"),
        ("Hand up escalation", "To a manager, with a note", "hand_up"),
        ("Add a note to the escalation", "Kept in its history", "note"),
        ("Change escalation priority", "With a reason", "priority"),
        ("Reopen escalation", "Back into the queue", "reopen"),
        ("Approve escalation", "Approve the amount asked", "approve"),
        ("Decline escalation", "With a reason", "decline"),
        ("Pause or resume the SLA clock", "Waiting on the customer or another team", "pause"),
        ("Mark escalation", "Actions apply to every marked row", "mark"),
        ("Undo my last escalation action", "Unless someone changed it since", "undo"),
        ("Escalation view: next", "Open, mine, unassigned, snoozed, closed today", "cycle_view"),
        ("Search escalations", "Customer, reason, kind, queue, agent", "search"),
        ("Open escalation detail", "Why, history, contact", "detail"),
    )

    def __init__(self) -> None:
        super().__init__()
        self.view = 0
        self.search = ""
        self._seen: set[str] | None = None
        self.marked: set[str] = set()
        #: what this session did last, for `z`
        self.last_actions: list[Any] = []

    def compose_body(self) -> Iterable:  # type: ignore[type-arg]
        yield Static("", id="escalations-summary", classes="summary")
        yield Input(
            placeholder="Search escalations…", id="esc-search", classes="search", disabled=True
        )
        yield FloorTable(COLUMNS, id="escalations-table")

    # ------------------------------------------------------------------ rendering

    def _in_view(self, e: EscalationRow) -> bool:
        me = self.floor_app.supervisor()
        view = VIEWS[self.view]
        if view == "closed today":
            ok = e.closed
        elif e.closed:
            ok = False
        elif view == "mine":
            ok = e.assignee == me
        elif view == "unassigned":
            ok = not e.assignee
        elif view == "snoozed":
            ok = e.status == "snoozed"
        else:
            ok = True
        needle = self.search.lower()
        hay = f"{e.id} {e.customer} {e.reason} {e.kind} {e.queue_id} {e.agent_name}".lower()
        return ok and (not needle or needle in hay)

    def show(self, snapshot: FloorSnapshot, now: datetime) -> None:
        settings = self.floor_app.settings.escalations
        self._ring_for_new_p1(snapshot)
        rows: list[Row] = []
        breached = 0
        clocks = {
            e.id: sla_clock(
                raised_at=e.raised_at,
                responded_at=e.responded_at,
                now=now,
                respond_min=settings.respond_minutes.get(e.priority, 60),
                resolve_min=settings.resolve_minutes.get(e.priority, 480),
                paused_s=e.paused_s,
                paused_since=e.paused_since,
            )
            for e in snapshot.escalations
            if self._in_view(e)
        }
        # priority first, then whichever SLA clock runs out soonest
        order = sorted(
            (e for e in snapshot.escalations if e.id in clocks),
            key=lambda e: (e.closed, e.priority, clocks[e.id].seconds_left),
        )
        for e in order:
            clock = clocks[e.id]
            label = "resolve" if clock.responded else "respond"
            if e.closed:
                sla = Text(
                    f"  {WORDS.get(e.status, e.status)} {hhmm(e.resolved_at, snapshot.timezone)}"
                )
            elif e.paused_since is not None:
                sla = Text(f"‖ paused {duration_text(clock.paused_s)}, {label} clock stopped")
            elif e.status == "snoozed":
                sla = Text(f"  snoozed to {hhmm(e.snoozed_until, snapshot.timezone)}")
            elif clock.breached:
                breached += 1
                sla = Text(f"‼ {label} late {duration_text(-clock.seconds_left)}", style="bold red")
            elif clock.seconds_left < 120 or (clock.responded and clock.seconds_left < 600):
                sla = Text(f"▲ {label} in {duration_text(clock.seconds_left)}", style="yellow")
            else:
                sla = Text(f"  {label} in {duration_text(clock.seconds_left)}")
            mark = "●" if e.id in self.marked else " "
            pri = Text(f"{mark}{e.priority}", style="bold red" if e.priority == "P1" else "")
            status = WORDS.get(e.status, e.status)
            if e.status == "awaiting_second":
                status = f"1st: {e.first_approver}"
            rows.append(
                (
                    e.id,
                    [
                        pri,
                        duration_text((now - e.raised_at).total_seconds()),
                        sla,
                        e.customer,
                        e.queue_id or "",
                        e.agent_name,
                        e.kind,
                        money(e.amount_cents),
                        e.assignee or "unassigned",
                        status,
                        e.reason,
                    ],
                )
            )
        self.query_one(FloorTable).sync(rows)
        open_rows = [e for e in snapshot.escalations if not e.closed]
        p1 = sum(e.priority == "P1" for e in open_rows)
        listed = (
            f" (the {len(open_rows)} most urgent listed)"
            if snapshot.open_escalation_count > len(open_rows)
            else ""
        )
        search = f" · search {self.search!r}" if self.search else ""
        self.query_one("#escalations-summary", Static).update(
            f"view: {VIEWS[self.view]} ({len(rows)}){search} · {snapshot.open_escalation_count}"
            f" open{listed} · {p1} P1 · {breached} past target"
        )

    def _ring_for_new_p1(self, snapshot: FloorSnapshot) -> None:
        ids = {e.id for e in snapshot.escalations if not e.closed}
        if self._seen is not None:
            fresh = [
                e
                for e in snapshot.escalations
                if e.id not in self._seen and e.priority == "P1" and not e.closed
            ]
            for e in fresh:
                self.app.bell()
                self.notify(
                    f"New P1 escalation: {e.customer} — {e.reason}", severity="error", timeout=10
                )
        self._seen = ids

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

    def action_cycle_view(self) -> None:
        self.view = (self.view + 1) % len(VIEWS)
        self.floor_app.render_screen(self)

    def action_search(self) -> None:
        box = self.query_one("#esc-search", Input)
        box.disabled = False
        box.add_class("visible")
        box.focus()

    def action_clear(self) -> None:
        box = self.query_one("#esc-search", Input)
        box.value, self.search = "", ""
        box.remove_class("visible")
        box.disabled = True
        self.query_one(FloorTable).focus()
        self.floor_app.render_screen(self)

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "esc-search":
            self.search = event.value.strip()
            self.floor_app.render_screen(self)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "esc-search":
            self.query_one(FloorTable).focus()

    def on_data_table_row_selected(self, event: FloorTable.RowSelected) -> None:
        event.stop()
        self.action_detail()

    def action_detail(self) -> None:
        from floorlead.tui.screens.escalation_detail import EscalationDetailScreen

        def go(e: EscalationRow) -> None:
            self.app.push_screen(EscalationDetailScreen(e.id))

        self._with_selected(go)
