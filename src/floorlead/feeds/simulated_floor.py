"""The simulated floor's invented world: its queues (channel, target, traffic share, talk,
wrap-up and caller patience), people's names, teams, and the kinds and reasons of
escalations. Invented, so no real person's name is ever on a demo floor."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class QueueSpec:
    id: str
    name: str
    channel: str
    sl_target: str
    weight: float
    talk_mean_s: float
    acw_mean_s: float
    patience_mean_s: float | None


QUEUE_SPECS = (
    QueueSpec("billing", "Billing", "voice", "80/20", 0.30, 250, 45, 180),
    QueueSpec("tech", "Tech support", "voice", "80/30", 0.24, 360, 60, 240),
    QueueSpec("chat", "Web chat", "chat", "80/60", 0.18, 420, 30, 420),
    QueueSpec("sales", "Sales", "voice", "80/20", 0.14, 230, 35, 150),
    QueueSpec("email", "Email", "email", "90/14400", 0.08, 300, 60, None),
    QueueSpec("retention", "Retention", "voice", "85/15", 0.06, 330, 50, 160),
)

FIRST = (
    "Dana",
    "Luis",
    "Priya",
    "Marcus",
    "Aiko",
    "Tomas",
    "Grace",
    "Omar",
    "Nadia",
    "Ben",
    "Chloe",
    "Ravi",
    "Sofia",
    "Kwame",
    "Elena",
    "Jin",
    "Maya",
    "Diego",
    "Hana",
    "Noah",
    "Leila",
    "Sam",
    "Ines",
    "Theo",
    "Zara",
    "Felix",
    "Amara",
    "Owen",
    "Yuki",
    "Carla",
)
LAST = (
    "Reyes",
    "Okafor",
    "Lindqvist",
    "Haddad",
    "Moreau",
    "Tanaka",
    "Novak",
    "Silva",
    "Brennan",
    "Kowalski",
    "Mensah",
    "Ortega",
    "Fischer",
    "Nakamura",
    "Petrov",
    "Quinn",
    "Duarte",
    "Sato",
    "Abara",
    "Holm",
    "Vance",
    "Castro",
    "Iyer",
    "Lund",
)
TEAMS = ("North", "South", "East", "West")
KINDS = (
    ("complaint", 0.34),
    ("refund", 0.26),
    ("approval", 0.16),
    ("technical", 0.16),
    ("other", 0.08),
)
PRIORITY_WEIGHTS = (("P1", 0.06), ("P2", 0.24), ("P3", 0.45), ("P4", 0.25))
REASONS = {
    "complaint": (
        "Customer asks for a supervisor",
        "Repeat caller, third contact this week",
        "Threatens to cancel the account",
    ),
    "refund": (
        "Refund above agent limit",
        "Double charge on last invoice",
        "Refund for a service outage",
    ),
    "approval": (
        "High-value order needs second approval",
        "Credit limit increase",
        "Goodwill credit above policy",
    ),
    "technical": (
        "Outage reported by customer",
        "Fix did not work, needs tier 2",
        "Account locked after reset",
    ),
    "other": ("Legal request", "Press enquiry", "Data access request"),
}

MAX_QUEUES = 40


def queue_specs(count: int) -> tuple[QueueSpec, ...]:
    """The first ``count`` queues: the six base queues, then regional copies of them
    ("Billing 2", "billing-2", ...) for large floors."""
    specs = list(QUEUE_SPECS[:count])
    n = len(QUEUE_SPECS)
    for i in range(n, count):
        base = QUEUE_SPECS[i % n]
        copy = i // n + 1
        specs.append(
            QueueSpec(
                f"{base.id}-{copy}",
                f"{base.name} {copy}",
                base.channel,
                base.sl_target,
                base.weight,
                base.talk_mean_s,
                base.acw_mean_s,
                base.patience_mean_s,
            )
        )
    return tuple(specs)
