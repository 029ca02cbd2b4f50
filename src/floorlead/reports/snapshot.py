"""The floor as JSON (`floorlead snapshot --json`): what the board shows, for scripts and
checks. Seconds are numbers, rates are fractions 0–1, instants ISO 8601 in UTC."""

from __future__ import annotations

import json
from typing import Any

from floorlead.domain.board import FloorSnapshot
from floorlead.domain.metrics import QueueMetrics
from floorlead.domain.when import iso_utc

FORMAT_VERSION = 1


def _round(value: float | None, digits: int = 6) -> float | None:
    return None if value is None else round(value, digits)


def _metrics(m: QueueMetrics) -> dict[str, Any]:
    return {
        "offered": m.offered,
        "answered": m.answered,
        "abandoned": m.abandoned,
        "short_abandoned": m.short_abandoned,
        "answered_in_target": m.answered_in_target,
        "handled": m.handled,
        "service_level": _round(m.service_level),
        "asa_s": _round(m.asa_s, 3),
        "aht_s": _round(m.aht_s, 3),
        "abandon_rate": _round(m.abandon_rate),
    }


def snapshot_document(snap: FloorSnapshot) -> dict[str, Any]:
    now = snap.taken_at
    return {
        "format": FORMAT_VERSION,
        "at": iso_utc(now),
        "timezone": snap.timezone,
        "floor_day": snap.day.isoformat(),
        "day_start": iso_utc(snap.day_start),
        "interval": {"start": iso_utc(snap.interval_start), "end": iso_utc(snap.interval_end)},
        "rules": {
            "service_level": "answered_in_target / (answered + abandoned)",
            "short_abandon_s": snap.short_abandon_s,
            "short_abandons_excluded_from": ["offered", "service_level", "abandon_rate"],
            "window": "contacts count in the window in which they entered the queue",
        },
        "queues": [
            {
                "id": q.id,
                "name": q.name,
                "channel": q.channel,
                "sl_target": q.sl_target,
                "sl_target_fraction": q.sl_percent / 100,
                "sl_threshold_s": q.sl_seconds,
                "waiting": q.waiting,
                "longest_wait_s": _round(
                    (now - q.oldest_waiting_at).total_seconds() if q.oldest_waiting_at else None,
                    3,
                ),
                "agents": {
                    "staffed": q.staffed,
                    "available": q.available,
                    "on_contact": q.on_contact,
                    "acw": q.acw,
                    "aux": q.aux,
                    "needed": q.agents_needed,
                },
                "interval": _metrics(q.interval),
                "today": _metrics(q.today),
            }
            for q in snap.queues
        ],
        "agents": [
            {
                "id": a.id,
                "name": a.name,
                "team": a.team,
                "queues": list(a.queues),
                "on_shift": a.on_shift,
                "state": a.state,
                "state_since": iso_utc(a.state_since),
                "time_in_state_s": _round(
                    (now - a.state_since).total_seconds() if a.state_since else None, 3
                ),
                "reason": a.reason,
                "contact": a.contact_id,
                "contact_queue": a.contact_queue,
                "scheduled_activity": a.scheduled_now,
                "in_adherence": a.in_adherence,
                "adherence": _round(a.adherence),
                "occupancy": _round(a.occupancy),
                "handled": a.handled,
            }
            for a in snap.agents
        ],
    }


def snapshot_json(snap: FloorSnapshot) -> str:
    """The text ``floorlead snapshot --json`` prints, whichever path read the floor."""
    return json.dumps(snapshot_document(snap), indent=2, ensure_ascii=False)


def snapshot_line(snap: FloorSnapshot) -> str:
    """The same document on one line (``snapshot --watch`` prints one a line)."""
    return json.dumps(snapshot_document(snap), ensure_ascii=False, separators=(",", ":"))
