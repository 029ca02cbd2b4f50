"""Escalation rules: the allowed state changes and the fields each one writes, the effective
status (snoozes wake up on their own), SLA clocks, and the two-person rule for large
approvals. Pure: ``store.escalations`` applies them in one transaction each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from floorlead.config import EscalationSettings
    from floorlead.domain.board import EscalationRow

OPEN_STATUSES = ("open", "assigned", "snoozed", "handed_up", "awaiting_second")
CLOSED_STATUSES = ("resolved", "approved", "declined")

#: action → the statuses it may start from
ALLOWED: dict[str, tuple[str, ...]] = {
    "take": ("open", "assigned", "snoozed", "handed_up"),
    "assign": ("open", "assigned", "snoozed", "handed_up"),
    "snooze": ("open", "assigned"),
    "hand_up": ("open", "assigned", "snoozed"),
    "priority": OPEN_STATUSES,
    "note": OPEN_STATUSES + CLOSED_STATUSES,
    "resolve": ("open", "assigned", "snoozed", "handed_up"),
    "reopen": CLOSED_STATUSES,
    "approve": ("open", "assigned", "handed_up", "awaiting_second"),
    "decline": ("open", "assigned", "handed_up", "awaiting_second"),
    "pause": ("open", "assigned", "handed_up", "awaiting_second"),
    "resume": ("open", "assigned", "handed_up", "awaiting_second", "snoozed"),
    "undo": OPEN_STATUSES + CLOSED_STATUSES,
}

WORDS = {
    "open": "open",
    "assigned": "assigned",
    "snoozed": "snoozed",
    "handed_up": "handed up",
    "awaiting_second": "awaiting a second approval",
    "resolved": "resolved",
    "approved": "approved",
    "declined": "declined",
}
VERBS = {
    "take": "taken",
    "assign": "assigned",
    "snooze": "snoozed",
    "hand_up": "handed up",
    "priority": "re-prioritised",
    "note": "noted",
    "resolve": "resolved",
    "reopen": "reopened",
    "approve": "approved",
    "decline": "declined",
    "raised": "raised",
    "pause": "paused",
    "resume": "resumed",
    "undo": "undone",
}


class TransitionError(ValueError):
    """An action the escalation's state does not allow; the message is one sentence."""


def effective_status(status: str, snoozed_until: datetime | None, now: datetime) -> str:
    """A snooze ends on its own: past its time the escalation is back in the queue."""
    if status == "snoozed" and snoozed_until is not None and snoozed_until <= now:
        return "open"
    return status


def check(action: str, status: str, *, kind: str = "", has_amount: bool = False) -> None:
    """Raise :class:`TransitionError` unless ``action`` is allowed from ``status``."""
    allowed = ALLOWED.get(action)
    if allowed is None:
        raise TransitionError(f"{action!r} is not an escalation action.")
    if action in ("approve", "decline") and kind != "approval":
        raise TransitionError("Only approval requests can be approved or declined.")
    if status not in allowed:
        raise TransitionError(
            f"An escalation that is {WORDS.get(status, status)} cannot be "
            f"{VERBS.get(action, action)}."
        )


@dataclass(frozen=True)
class ApprovalOutcome:
    status: str  # "awaiting_second" or "approved"
    first: bool  # True when this was the first of two approvals


def approve(
    *,
    amount_cents: int | None,
    threshold_cents: int,
    actor: str,
    first_approver: str,
    account: str = "",
    first_account: str = "",
) -> ApprovalOutcome:
    """Below the threshold one approval releases it; above, two different supervisors — told
    apart by their accounts (what they logged in as), not by the names they display."""
    if first_approver:
        if first_account and account == first_account:
            shared = "" if first_approver == actor else f" ({first_approver} and you share it)"
            raise TransitionError(
                f"The first approval came from the account {account!r}{shared}: a second "
                "supervisor must approve from their own account."
            )
        if not first_account and first_approver == actor:
            raise TransitionError(
                "You gave the first approval; a second, different supervisor must give the second."
            )
        return ApprovalOutcome("approved", first=False)
    if amount_cents is not None and amount_cents > threshold_cents:
        return ApprovalOutcome("awaiting_second", first=True)
    return ApprovalOutcome("approved", first=True)


class Current(Protocol):
    """The stored fields of an escalation a transition reads."""

    assignee: str
    responded_at: datetime | None
    paused_since: datetime | None
    paused_s: int


# -- transitions: the fields each action writes (``check`` says from which statuses) --------


def responded(row: Current, at: datetime) -> dict[str, Any]:
    """The first response is stamped once: every later action keeps it."""
    return {} if row.responded_at is not None else {"responded_at": at}


def taken(row: Current, by: str, at: datetime) -> dict[str, Any]:
    return assigned(row, by, at)


def assigned(row: Current, to: str, at: datetime) -> dict[str, Any]:
    return {"assignee": to, "status": "assigned", "snoozed_until": None, **responded(row, at)}


def snoozed(until: datetime) -> dict[str, Any]:
    return {"status": "snoozed", "snoozed_until": until}


def handed_up(row: Current, to: str, at: datetime) -> dict[str, Any]:
    return {"status": "handed_up", "handed_up_to": to, **responded(row, at)}


def resolved(row: Current, code: str, at: datetime) -> dict[str, Any]:
    return {
        "status": "resolved",
        "resolution_code": code,
        "resolved_at": at,
        "snoozed_until": None,
        **responded(row, at),
    }


def reopened(row: Current) -> dict[str, Any]:
    """Back to whoever had it (assigned), else to the open queue."""
    return {
        "status": "assigned" if row.assignee else "open",
        "resolved_at": None,
        "resolution_code": "",
    }


def declined(row: Current, by: str, reason: str, at: datetime) -> dict[str, Any]:
    return {
        "status": "declined",
        "decided_by": by,
        "decline_reason": reason,
        "resolved_at": at,
        **responded(row, at),
    }


def approved(
    row: Current, outcome: ApprovalOutcome, by: str, account: str, at: datetime
) -> dict[str, Any]:
    """The fields an approval writes: the first of two, or the one that releases it."""
    values: dict[str, Any] = {"status": outcome.status, **responded(row, at)}
    if outcome.first:
        values.update(first_approver=by, first_approved_at=at)
    if outcome.status == "awaiting_second":
        values.update(first_approver_account=account)
    if outcome.status == "approved":
        values.update(decided_by=by, resolved_at=at, approver_account=account)
    return values


def paused(row: Current, reason: str, at: datetime) -> dict[str, Any]:
    """The SLA clock stops (waiting on the customer, on another team)."""
    if row.paused_since is not None:
        raise TransitionError("Its SLA clock is already paused.")
    return {"paused_since": at, "pause_reason": reason}


def resumed(row: Current, at: datetime) -> dict[str, Any]:
    """The SLA clock runs again; the paused time is kept and shown separately."""
    if row.paused_since is None:
        raise TransitionError("Its SLA clock is not paused.")
    stopped = int((at - row.paused_since).total_seconds())
    return {"paused_since": None, "paused_s": row.paused_s + max(0, stopped), "pause_reason": ""}


@dataclass(frozen=True)
class SlaClock:
    respond_due: datetime
    resolve_due: datetime
    responded: bool
    seconds_left: float  # to the clock that is running (respond until responded)
    breached: bool
    paused_s: float


def sla_clock(
    *,
    raised_at: datetime,
    responded_at: datetime | None,
    now: datetime,
    respond_min: int,
    resolve_min: int,
    paused_s: float = 0.0,
    paused_since: datetime | None = None,
) -> SlaClock:
    """Response and resolution targets from the raise time, pushed back by paused time."""
    from datetime import timedelta

    paused = paused_s + ((now - paused_since).total_seconds() if paused_since else 0.0)

    def due_after(minutes: int) -> datetime:
        # a raise time at the end of the calendar (a bad row) must not take the screen down
        try:
            return raised_at + timedelta(minutes=minutes, seconds=paused)
        except OverflowError:
            return datetime.max.replace(tzinfo=raised_at.tzinfo)

    respond_due, resolve_due = due_after(respond_min), due_after(resolve_min)
    responded = responded_at is not None
    due = resolve_due if responded else respond_due
    left = (due - now).total_seconds()
    return SlaClock(respond_due, resolve_due, responded, left, left < 0, paused)


def sla_of(e: EscalationRow, settings: EscalationSettings, now: datetime) -> SlaClock:
    """The SLA clock of an escalation on the floor: the targets of its priority."""
    return sla_clock(
        raised_at=e.raised_at,
        responded_at=e.responded_at,
        now=now,
        respond_min=settings.respond_minutes.get(e.priority, 60),
        resolve_min=settings.resolve_minutes.get(e.priority, 480),
        paused_s=e.paused_s,
        paused_since=e.paused_since,
    )
