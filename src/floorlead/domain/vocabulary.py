"""The floor's words: agent states, scheduled activities, channels, priorities, and the
service-level target. Apart from ``domain.events`` so that reading settings (every command,
the quick ``snapshot --json`` included) does not load the whole event format.
"""

from __future__ import annotations

from dataclasses import dataclass

AGENT_STATES = (
    "offline",
    "available",
    "on_contact",
    "acw",
    "break",
    "lunch",
    "meeting",
    "training",
    "coaching",
)
ACTIVITIES = ("work", "break", "lunch", "meeting", "training", "coaching", "absent")
#: Why an agent is called out (``absent`` for today or for hours).
CALL_OUT_KINDS = ("sick", "emergency", "other")
CHANNELS = ("voice", "chat", "email")
PRIORITIES = ("P1", "P2", "P3", "P4")
ESCALATION_KINDS = ("complaint", "refund", "approval", "technical", "other")
PUNCH_KINDS = ("in", "out", "break_start", "break_end", "meal_start", "meal_end")


class EventError(ValueError):
    """An event that cannot be applied; the message says why in one sentence."""


#: what one hostile or broken record can raise while it is read: JSON nested 100,000 deep
#: (RecursionError), a 5,000-digit integer (ValueError), a time in year 1 or 9999
#: (OverflowError), a field of the wrong type. Each quarantines that record only.
UNREADABLE: tuple[type[Exception], ...] = (
    ValueError,
    ArithmeticError,
    RecursionError,
    UnicodeError,
    TypeError,
    KeyError,
    IndexError,
    AttributeError,
)


def unreadable(exc: Exception) -> str:
    """Why a record was quarantined, in one line (an event's own sentence when it has one)."""
    if isinstance(exc, EventError):
        return str(exc)
    text = str(exc).splitlines()[0][:200] if str(exc) else ""
    return f"unreadable record ({type(exc).__name__}{': ' + text if text else ''})"


@dataclass(frozen=True)
class SlTarget:
    """A service-level target such as 80/20: ``percent`` answered within ``seconds``."""

    percent: int
    seconds: int

    @classmethod
    def parse(cls, text: str) -> SlTarget:
        try:
            pct, secs = (int(part) for part in text.strip().split("/"))
        except ValueError:
            raise EventError(f"service-level target {text!r} is not like 80/20") from None
        if not 0 < pct <= 100 or secs < 0:
            raise EventError(f"service-level target {text!r} is out of range")
        return cls(pct, secs)

    def __str__(self) -> str:
        return f"{self.percent}/{self.seconds}"
