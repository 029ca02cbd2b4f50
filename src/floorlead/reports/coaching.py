"""`floorlead coaching export --agent ID`: one agent's coaching record as Markdown, for a
one-on-one or a review. The only way note text leaves the database."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

from floorlead.domain.safe_text import markdown as md
from floorlead.domain.when import local

if TYPE_CHECKING:
    from floorlead.domain.board import NoteRow


def markdown(agent_name: str, agent_id: str, notes: Sequence[NoteRow], tz: str, today: date) -> str:
    lines = [
        f"# Coaching record: {md(agent_name)} ({md(agent_id)})",
        "",
        f"Exported {today.isoformat()}. Personnel record: keep it private.",
        "",
    ]
    open_commitments = [n for n in notes if n.commitment]
    if open_commitments:
        lines += ["## Commitments", ""]
        for n in open_commitments:
            due = n.follow_up_on.isoformat() if n.follow_up_on else "no date"
            late = " (overdue)" if n.follow_up_on and n.follow_up_on < today else ""
            lines.append(f"- {md(n.commitment)} — follow up {due}{late}")
        lines.append("")
    lines += ["## Notes, newest first", ""]
    if not notes:
        lines.append("No notes.")
    for n in notes:
        when = local(n.at, tz).format("YYYY-MM-DD HH:mm")
        text = "  \n".join(md(line) for line in n.text.strip().splitlines())
        lines += [f"### {when} · {md(n.category)} · by {md(n.author)}", "", text, ""]
    return "\n".join(lines).rstrip() + "\n"
