"""The board's read models: the frozen dataclasses the screens, reports and ``snapshot`` get
(never live database rows, so nothing loads lazily on the UI thread)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from floorlead.domain import metrics as mx
from floorlead.domain.escalations import CLOSED_STATUSES


@dataclass(frozen=True)
class QueueRow:
    id: str
    name: str
    channel: str
    sl_percent: int
    sl_seconds: int
    waiting: int
    oldest_waiting_at: datetime | None
    interval: mx.QueueMetrics
    today: mx.QueueMetrics
    staffed: int
    available: int
    on_contact: int
    acw: int
    aux: int
    agents_needed: int | None = None
    trend: mx.Trend = field(default_factory=lambda: mx.Trend((), ()))
    waiting_contacts: tuple[tuple[str, datetime], ...] = ()

    @property
    def sl_target(self) -> str:
        return f"{self.sl_percent}/{self.sl_seconds}"


@dataclass(frozen=True)
class AgentRow:
    id: str
    name: str
    team: str
    queues: tuple[str, ...]
    state: str
    state_since: datetime | None
    reason: str
    contact_id: str | None
    contact_queue: str | None
    scheduled_now: str | None
    in_adherence: bool | None
    adherence: float | None
    occupancy: float | None
    handled: int
    on_shift: bool


@dataclass(frozen=True)
class EscalationRow:
    id: str
    priority: str
    raised_at: datetime
    customer: str
    queue_id: str | None
    agent_id: str | None
    agent_name: str
    kind: str
    amount_cents: int | None
    assignee: str
    status: str
    reason: str
    version: int = 1
    responded_at: datetime | None = None
    snoozed_until: datetime | None = None
    resolved_at: datetime | None = None
    resolution_code: str = ""
    handed_up_to: str = ""
    first_approver: str = ""
    contact_id: str | None = None
    paused_s: int = 0
    paused_since: datetime | None = None

    @property
    def closed(self) -> bool:
        return self.status in CLOSED_STATUSES


@dataclass(frozen=True)
class NoteRow:
    id: int
    agent_id: str
    agent_name: str
    at: datetime
    author: str
    category: str
    text: str
    commitment: str
    follow_up_on: date | None
    commitment_status: str = ""
    version: int = 1
    correction_step: str = ""
    step_on: date | None = None
    track: str = ""  # a measurable commitment's progress, in words
    on_track: bool | None = None
    score_pct: float | None = None


@dataclass(frozen=True)
class FloorSnapshot:
    taken_at: datetime
    timezone: str
    day: date
    day_start: datetime
    interval_start: datetime
    interval_end: datetime
    short_abandon_s: int
    queues: tuple[QueueRow, ...] = ()
    agents: tuple[AgentRow, ...] = ()
    escalations: tuple[EscalationRow, ...] = ()
    notes: tuple[NoteRow, ...] = ()
    agent_names: dict[str, str] = field(default_factory=dict)
    open_escalation_count: int = 0
    #: False for the board alone (queues and agents, as `snapshot` prints it): escalations,
    #: notes and the rest are not read, so screens that show them wait for a complete one
    complete: bool = True


@dataclass(frozen=True)
class FloorRows:
    """The day's rows the board is computed from (the engine keeps them between ticks)."""

    contacts: list[mx.ContactTimes]
    changes: dict[str, list[mx.StateChange]]
    schedules: dict[str, list[mx.ScheduleBlock]]


@dataclass(frozen=True)
class ContactLine:
    id: str
    queue_id: str
    queued_at: datetime
    answered_at: datetime | None
    ended_at: datetime | None
    wrapped_at: datetime | None


@dataclass(frozen=True)
class AgentDay:
    agent_id: str
    name: str
    team: str
    queues: tuple[str, ...]
    day_start: datetime
    now: datetime
    states: tuple[mx.Segment, ...]
    schedule: tuple[mx.Segment, ...]
    contacts: tuple[ContactLine, ...]
    escalations: tuple[EscalationRow, ...]
    notes: tuple[NoteRow, ...]
