"""Which queues an agent could take at an instant, when memberships change during the day
(Asterisk's members joining and leaving, a Flex worker's queues)."""

from __future__ import annotations

from collections.abc import Iterable


def skills_at(
    current: dict[str, list[str]], later: Iterable[tuple[str, str, object]]
) -> dict[str, list[str]]:
    """Today's memberships as they stood before ``later`` changes (agent, queue, member),
    given newest first: a join since then is undone, a leave since then is put back."""
    skills = {agent: list(queues) for agent, queues in current.items()}
    for agent, queue, member in later:
        queues = skills.setdefault(agent, [])
        if member and queue in queues:
            queues.remove(queue)
        elif not member and queue not in queues:
            queues.append(queue)
    return {agent: queues for agent, queues in skills.items() if queues}
