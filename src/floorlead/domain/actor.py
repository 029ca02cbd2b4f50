"""Who acts on the floor, and when: what every supervisor action in the store is given."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Actor:
    """A supervisor (or a feed) acting at an instant; ``zone`` is the floor's time zone, in
    which a refusal names the time of the change that came first."""

    who: str
    at: datetime
    zone: str
