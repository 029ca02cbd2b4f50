"""Who could help a queue: the supervisor deciding whom to pull sees, best first, the agents
skilled on it and free, then those away whom a word could bring back (a break cut short, a
meeting or training left), then agents free on other queues, each with how long they have been
as they are. Pure: read from the board's agent rows."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from floorlead.domain.board import AgentRow

#: state -> (rank among the skilled, why in words); states missing here cannot help now
_SKILLED = {
    "available": (0, "free now"),
    "acw": (1, "in after-call work: free when it is done"),
    "break": (2, "on a break that could be cut short"),
    "lunch": (3, "at lunch (could be cut short)"),
    "meeting": (3, "in a meeting (could leave it)"),
    "training": (3, "in training (could leave it)"),
    "coaching": (3, "in coaching (could leave it)"),
    "on_contact": (4, "on a contact"),
}
_OTHERS = {
    "available": (5, "free on other queues (not skilled here)"),
    "break": (6, "on a break, other queues (not skilled here)"),
    "lunch": (6, "at lunch, other queues (not skilled here)"),
    "meeting": (6, "in a meeting, other queues (not skilled here)"),
    "training": (6, "in training, other queues (not skilled here)"),
    "coaching": (6, "in coaching, other queues (not skilled here)"),
}


@dataclass(frozen=True)
class Helper:
    agent: AgentRow
    skilled: bool
    why: str
    seconds_in_state: float | None
    rank: int


def who_could_help(queue_id: str, agents: Iterable[AgentRow], now: datetime) -> list[Helper]:
    """Agents on shift who could take ``queue_id``'s contacts, best first; within a rank, who
    has been free (or away) longest first."""
    out = []
    for a in agents:
        if not a.on_shift or a.state == "offline":
            continue
        skilled = queue_id in a.queues
        found = (_SKILLED if skilled else _OTHERS).get(a.state)
        if found is None:
            continue
        rank, why = found
        seconds = (now - a.state_since).total_seconds() if a.state_since else None
        out.append(Helper(a, skilled, why, seconds, rank))
    out.sort(key=lambda h: (h.rank, -(h.seconds_in_state or 0.0), h.agent.name))
    return out
