"""Who could help a queue: skilled and free first, then who could come back, then others."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from floorlead.domain.board import AgentRow
from floorlead.domain.pull import who_could_help

NOW = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)


def agent(
    ident: str, state: str, minutes: float, queues: tuple[str, ...], **kw: object
) -> AgentRow:
    fields: dict[str, object] = {
        "id": ident,
        "name": ident.upper(),
        "team": "North",
        "queues": queues,
        "state": state,
        "state_since": NOW - timedelta(minutes=minutes),
        "reason": "",
        "contact_id": None,
        "contact_queue": None,
        "scheduled_now": "work",
        "in_adherence": True,
        "adherence": 1.0,
        "occupancy": 0.5,
        "handled": 3,
        "on_shift": True,
    }
    fields.update(kw)
    return AgentRow(**fields)  # type: ignore[arg-type]


def test_the_order_a_supervisor_pulls_people_in() -> None:
    agents = [
        agent("busy", "on_contact", 3, ("billing",)),
        agent("free1", "available", 1, ("billing",)),
        agent("free2", "available", 4, ("billing", "sales")),
        agent("brk", "break", 6, ("billing",)),
        agent("train", "training", 30, ("billing",)),
        agent("other", "available", 2, ("sales",)),
        agent("otherbrk", "lunch", 10, ("sales",)),
        agent("otherbusy", "on_contact", 1, ("sales",)),  # busy elsewhere: not listed
        agent("gone", "offline", 60, ("billing",)),
        agent("off", "available", 5, ("billing",), on_shift=False),
    ]
    helpers = who_could_help("billing", agents, NOW)
    assert [h.agent.id for h in helpers] == [
        "free2",  # free longest first
        "free1",
        "brk",
        "train",
        "busy",
        "other",
        "otherbrk",
    ]
    assert helpers[2].why == "on a break that could be cut short"
    assert helpers[2].seconds_in_state == 360
    assert helpers[5].why == "free on other queues (not skilled here)" and not helpers[5].skilled
