"""The call-out flow, from any screen with an agent selected: why (sick, emergency, other),
which hours (empty: the rest of today), a reason; one write. Escape at any step: nothing."""

from __future__ import annotations

from typing import TYPE_CHECKING

from floorlead.domain.vocabulary import CALL_OUT_KINDS
from floorlead.errors import FloorleadError
from floorlead.tui.widgets.modals import ChoiceModal, PromptModal

if TYPE_CHECKING:
    from floorlead.tui.screens.base import FloorScreen


def start_call_out(screen: FloorScreen, agent_id: str, name: str) -> None:
    app = screen.floor_app
    f = app.settings.floor

    def with_kind(kind: str | None) -> None:
        if kind is None:
            return

        def with_hours(hours: str | None) -> None:
            if hours is None:
                return
            from floorlead.store.schedules import call_out_span

            try:
                start, end = call_out_span(hours, app.clock(), f.timezone, f.day_start)
            except FloorleadError as exc:
                screen.notify(str(exc), severity="warning")
                return

            def with_reason(reason: str | None) -> None:
                if reason is None:
                    return
                from floorlead.store.schedules import call_out

                app.client.write(
                    screen,
                    lambda db, by: call_out(db, agent_id, start, end, kind, reason, by),
                    lambda row: [
                        (f"{name} {row.said(f.timezone)}. Shift+X undoes it today.", "information")
                    ],
                    group="call-out",
                )

            screen.app.push_screen(
                PromptModal(f"Why is {name} out?", placeholder="Reason", required=True),
                with_reason,
            )

        screen.app.push_screen(
            PromptModal(
                f"Call out {name} ({kind}): which hours?",
                placeholder="13:00-17:00 — empty for the rest of today",
            ),
            with_hours,
        )

    screen.app.push_screen(
        ChoiceModal(f"Call out {name}", [(k, k.capitalize()) for k in CALL_OUT_KINDS]), with_kind
    )


def undo_call_out(screen: FloorScreen, agent_id: str, name: str) -> None:
    from floorlead.store.schedules import undo_latest_call_out

    app = screen.floor_app
    f = app.settings.floor
    app.client.write(
        screen,
        lambda db, by: undo_latest_call_out(db, agent_id, by, f.day_start),
        lambda row: [(f"Call-out undone: {name} is scheduled again.", "information")],
        group="call-out",
    )
