"""SQLModel tables for the whole floor. Instants are UTC (see :class:`UTCDateTime`).

Money is kept in cents (integers) so approvals compare exactly.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from floorlead.store.types import UTCDateTime


def _utc(nullable: bool = False, index: bool = False) -> Column[datetime]:
    return Column(UTCDateTime(), nullable=nullable, index=index)


class Queue(SQLModel, table=True):
    id: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=200)
    channel: str = Field(max_length=16)
    sl_percent: int = 80
    sl_seconds: int = 20


class Agent(SQLModel, table=True):
    id: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=200)
    team: str = Field(default="", max_length=100)
    employee_id: str = Field(default="", max_length=64)
    active: bool = True


class AgentQueue(SQLModel, table=True):
    """Which queues (skills) an agent can take."""

    __tablename__ = "agent_queue"
    agent_id: str = Field(foreign_key="agent.id", primary_key=True, ondelete="CASCADE")
    queue_id: str = Field(foreign_key="queue.id", primary_key=True, ondelete="CASCADE")


class AgentState(SQLModel, table=True):
    """One state change; the state lasts until the agent's next change."""

    __tablename__ = "agent_state"
    __table_args__ = (Index("ix_agent_state_agent_at", "agent_id", "at"),)
    id: int | None = Field(default=None, primary_key=True)
    agent_id: str = Field(foreign_key="agent.id")
    at: datetime = Field(sa_column=_utc(index=True))
    state: str = Field(max_length=16)
    reason: str = Field(default="", max_length=200)


class Contact(SQLModel, table=True):
    __table_args__ = (Index("ix_contact_queue_queued", "queue_id", "queued_at"),)
    id: str = Field(primary_key=True, max_length=128)
    queue_id: str = Field(foreign_key="queue.id")
    agent_id: str | None = Field(default=None, foreign_key="agent.id", index=True)
    queued_at: datetime = Field(sa_column=_utc(index=True))
    answered_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    abandoned_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    ended_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    wrapped_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    hold_s: int = 0
    #: When the vendor last updated this contact's record (Amazon Connect CTRs); the newest wins.
    updated_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))


class Schedule(SQLModel, table=True):
    __table_args__ = (
        Index("ix_schedule_agent_start", "agent_id", "start"),
        # the blocks of a day are found by their end (a start bound would scan all history)
        Index("ix_schedule_end", "end"),
        UniqueConstraint("agent_id", "start", "activity", name="uq_schedule_block"),
    )
    id: int | None = Field(default=None, primary_key=True)
    agent_id: str = Field(foreign_key="agent.id")
    start: datetime = Field(sa_column=_utc(index=True))
    end: datetime = Field(sa_column=_utc())
    activity: str = Field(max_length=16)


class Punch(SQLModel, table=True):
    """A clock punch. Corrections are their own rows; the original is never changed."""

    __table_args__ = (Index("ix_punch_agent_at", "agent_id", "at"),)
    id: int | None = Field(default=None, primary_key=True)
    agent_id: str = Field(foreign_key="agent.id")
    at: datetime = Field(sa_column=_utc())
    kind: str = Field(max_length=16)
    source: str = Field(default="feed", max_length=16)
    replaces_id: int | None = Field(default=None, foreign_key="punch.id")
    voided: bool = False
    reason: str = Field(default="", max_length=500)
    created_by: str = Field(default="", max_length=100)


class Timesheet(SQLModel, table=True):
    """The approval state of one agent's shift (the shift belongs to the day it starts on)."""

    __table_args__ = (UniqueConstraint("agent_id", "shift_date", name="uq_timesheet_day"),)
    id: int | None = Field(default=None, primary_key=True)
    agent_id: str = Field(foreign_key="agent.id")
    shift_date: date
    status: str = Field(default="pending", max_length=16)
    leave_kind: str = Field(default="", max_length=16)
    decided_by: str = Field(default="", max_length=100)
    decided_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    reason: str = Field(default="", max_length=500)
    version: int = 1


class Escalation(SQLModel, table=True):
    __table_args__ = (Index("ix_escalation_status_priority", "status", "priority"),)
    id: str = Field(primary_key=True, max_length=128)
    contact_id: str | None = Field(default=None, foreign_key="contact.id")
    agent_id: str | None = Field(default=None, foreign_key="agent.id")
    queue_id: str | None = Field(default=None, foreign_key="queue.id")
    priority: str = Field(max_length=2)
    kind: str = Field(max_length=16)
    reason: str = Field(default="", max_length=1000)
    customer: str = Field(default="", max_length=200)
    amount_cents: int | None = None
    raised_at: datetime = Field(sa_column=_utc(index=True))
    status: str = Field(default="open", max_length=16)
    assignee: str = Field(default="", max_length=100)
    responded_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    snoozed_until: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    resolved_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    resolution_code: str = Field(default="", max_length=64)
    handed_up_to: str = Field(default="", max_length=100)
    paused_since: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    paused_s: int = 0
    pause_reason: str = Field(default="", max_length=200)
    first_approver: str = Field(default="", max_length=100)
    first_approved_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    decided_by: str = Field(default="", max_length=100)
    #: the accounts (database role, or operating-system account on SQLite) that approved:
    #: who someone is, as opposed to the display name they chose
    first_approver_account: str = Field(default="", max_length=100)
    approver_account: str = Field(default="", max_length=100)
    decline_reason: str = Field(default="", max_length=500)
    updated_by: str = Field(default="", max_length=100)
    updated_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    version: int = 1


class EscalationNote(SQLModel, table=True):
    __tablename__ = "escalation_note"
    id: int | None = Field(default=None, primary_key=True)
    escalation_id: str = Field(foreign_key="escalation.id", index=True)
    at: datetime = Field(sa_column=_utc())
    author: str = Field(max_length=100)
    text: str


class CoachingNote(SQLModel, table=True):
    """A personnel record: never logged, exported only on request."""

    __tablename__ = "coaching_note"
    __table_args__ = (Index("ix_coaching_agent_at", "agent_id", "at"),)
    id: int | None = Field(default=None, primary_key=True)
    agent_id: str = Field(foreign_key="agent.id")
    at: datetime = Field(sa_column=_utc())
    author: str = Field(max_length=100)
    category: str = Field(default="coaching", max_length=16)
    text: str
    contact_id: str | None = Field(default=None, foreign_key="contact.id")
    escalation_id: str | None = Field(default=None, foreign_key="escalation.id")
    commitment: str = ""
    follow_up_on: date | None = None
    commitment_status: str = Field(default="", max_length=16)
    #: progressive correction: verbal, written or final (recorded, never automated)
    correction_step: str = Field(default="", max_length=16)
    step_on: date | None = None
    #: a graded observation: the score in percent and the marks per criterion (JSON)
    score_pct: float | None = None
    marks: str = ""
    version: int = 1


class HandoverNote(SQLModel, table=True):
    """The supervisor's "for the next shift" text, one per floor day; in the handover report."""

    __tablename__ = "handover_note"
    day: date = Field(primary_key=True)
    text: str = ""
    author: str = Field(default="", max_length=100)
    updated_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    version: int = 1


class AuditLog(SQLModel, table=True):
    """Append-only: triggers refuse UPDATE and DELETE (see the first migration)."""

    __tablename__ = "audit_log"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=_utc(index=True))
    actor: str = Field(max_length=100)
    action: str = Field(max_length=64)
    entity: str = Field(max_length=32)
    entity_id: str = Field(max_length=128)
    detail: str = "{}"


class AppliedEvent(SQLModel, table=True):
    """Ids of events already applied, so replaying a feed changes nothing."""

    __tablename__ = "applied_event"
    id: str = Field(primary_key=True, max_length=200)
    at: datetime = Field(sa_column=_utc())


class FeedSource(SQLModel, table=True):
    """A live feed writing to this floor, as it reports itself every few seconds: the header's
    feed health (how old its newest event is, connected or not, what it quarantined)."""

    __tablename__ = "feed_source"
    id: str = Field(primary_key=True, max_length=300)
    kind: str = Field(max_length=32)
    pid: int = 0
    status: str = Field(default="live", max_length=16)  # live | reconnecting | stopped
    started_at: datetime = Field(sa_column=_utc())
    beat_at: datetime = Field(sa_column=_utc())
    last_event_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    records: int = 0
    quarantined: int = 0
    quarantine_path: str = Field(default="", max_length=1000)


class AgentQueueChange(SQLModel, table=True):
    """When an agent joined or left a queue (a feed's membership events): ``snapshot --at``
    shows who was staffed then, not who is now."""

    __tablename__ = "agent_queue_change"
    __table_args__ = (Index("ix_agent_queue_change_at", "at"),)
    id: int | None = Field(default=None, primary_key=True)
    agent_id: str = Field(max_length=64)
    queue_id: str = Field(max_length=64)
    at: datetime = Field(sa_column=_utc())
    member: bool


class FloorPolicy(SQLModel, table=True):
    """The floor's rules that protect money (the two-person limit): set by an audited
    command, never by a user's settings file."""

    __tablename__ = "floor_policy"
    key: str = Field(primary_key=True, max_length=64)
    value: str = Field(max_length=200)
    changed_by: str = Field(default="", max_length=100)
    changed_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))


class ForecastInterval(SQLModel, table=True):
    """An imported forecast for one queue and interval (``floorlead forecast import``): it
    replaces the forecast made from the floor's history for that interval."""

    __tablename__ = "forecast_interval"
    __table_args__ = (UniqueConstraint("queue_id", "start", name="uq_forecast_interval"),)
    id: int | None = Field(default=None, primary_key=True)
    queue_id: str = Field(max_length=64)
    start: datetime = Field(sa_column=_utc(index=True))
    contacts: float
    aht_s: float
    imported_at: datetime = Field(sa_column=_utc())
    imported_by: str = Field(default="", max_length=100)


class CallOut(SQLModel, table=True):
    """An agent called out (sick, an emergency, other) for hours of a day: the ``absent``
    schedule block it added, who said so and why; undone the same day, it is kept with
    ``undone_at``."""

    __tablename__ = "call_out"
    id: int | None = Field(default=None, primary_key=True)
    agent_id: str = Field(max_length=64, index=True)
    start: datetime = Field(sa_column=_utc())
    end: datetime = Field(sa_column=_utc())
    kind: str = Field(max_length=16)
    reason: str = Field(max_length=500)
    schedule_id: int | None = None
    called_by: str = Field(max_length=100)
    called_at: datetime = Field(sa_column=_utc())
    undone_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    undone_by: str = Field(default="", max_length=100)
