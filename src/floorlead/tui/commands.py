"""Command palette (ctrl+p): jump to any screen, agent, queue or escalation, and run what
applies on the current screen."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from floorlead.tui.app import FloorleadApp


class FloorCommands(Provider):
    def _entries(self) -> list[tuple[str, str, object]]:
        from floorlead.tui.app import SCREENS, FloorleadApp
        from floorlead.tui.screens.base import FloorScreen

        app = self.app
        assert isinstance(app, FloorleadApp)
        out: list[tuple[str, str, object]] = []
        for key, (mode, title) in enumerate(SCREENS, start=1):
            out.append(
                (
                    f"Go to {title}",
                    f"Switch to the {title} screen (key {key})",
                    partial(app.switch_mode, mode),
                )
            )
        out.append(
            ("Help: keys and definitions", "Open the help screen (F1 or ?)", app.action_help)
        )
        out.append(
            (
                "Write the shift handover",
                "The note for the next shift, then the report to a file (key R)",
                app.action_handover,
            )
        )
        screen = self.screen if isinstance(self.screen, FloorScreen) else None
        if screen is not None:
            for title, help_text, action in screen.SCREEN_COMMANDS:
                out.append((title, help_text, partial(screen.run_action, action)))
        snap = app.snapshot
        if snap is not None:
            for a in snap.agents:
                out.append(
                    (
                        f"Agent: {a.name}",
                        f"{a.team} · {a.state}",
                        partial(self._jump, app, "agents", a.id),
                    )
                )
            for q in snap.queues:
                out.append(
                    (
                        f"Queue: {q.name}",
                        f"{q.channel} · {q.waiting} waiting",
                        partial(self._jump, app, "queues", q.id),
                    )
                )
            for e in snap.escalations:
                out.append(
                    (
                        f"Escalation: {e.priority} {e.customer} ({e.kind})",
                        e.reason,
                        partial(self._jump, app, "escalations", e.id),
                    )
                )
        return out

    @staticmethod
    def _jump(app: FloorleadApp, mode: str, key: str) -> None:
        app.jump_to(mode, key)

    async def discover(self) -> Hits:
        for title, help_text, callback in self._entries():
            if title.startswith(("Agent:", "Queue:", "Escalation:")):
                continue
            yield DiscoveryHit(title, callback, help=help_text)  # type: ignore[arg-type]

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in self._entries():
            score = matcher.match(title)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(title),
                    callback,  # type: ignore[arg-type]
                    help=help_text,
                )
