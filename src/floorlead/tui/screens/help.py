"""Help (F1 or ?): the keys of the screen you came from, the global keys, and the metric
definitions the board uses, so nobody has to argue about what "service level" means."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Markdown

DEFINITIONS = """\
## Definitions

- **Interval**: the current {interval}-minute interval on the floor's clock ({tz}).
  **Today**: since {day_start} on the floor's clock.
- **Offered**: contacts that entered a queue. **Short abandon**: abandoned within
  {short}s; left out of offered, service level and abandon rate.
- **Service level (SL)**: answered within T ÷ (answered + abandoned), short abandons
  excluded; T and the target come from the queue (80/20 = 80 % within 20 s).
  Contacts still waiting are in neither part.
- **ASA**: total queue time of answered contacts ÷ answered contacts.
- **AHT**: (talk + hold + after-call work) ÷ handled contacts.
- **Abandon rate**: abandoned ÷ offered (short abandons excluded from both).
- **Longest wait**: now − queue entry of the oldest contact still waiting.
- **Occupancy**: (time on contacts + ACW) ÷ (that + available idle time).
- **Adherence**: minutes in the scheduled activity ÷ scheduled minutes; "OUT adh" after
  {grace} minutes in the wrong state.
- Contacts count in the interval in which they entered the queue.

## Coverage

- **Forecast**: the average of the same weekday over the last weeks of the floor's history
  (weeks without data left out), or an imported forecast; **reforecast**: the intervals not
  yet begun scaled by actual ÷ forecast so far.
- **Required**: Erlang C (Erlang A where set) at the forecast volume and AHT for the queue's
  SL target. **Scheduled**: working schedule blocks; **staffed**: available, on a contact or
  in ACW. {share_rule}
- **Gap** = scheduled − required: any shortfall is understaffed (▼ short), two or more over is
  overstaffed (▲ over).

## Alerts

A P1 escalation arriving, an escalation past its response or resolution target, a queue
whose oldest contact has waited past the critical threshold, and a board that may be frozen
ring the bell once and show on whichever screen is open (`[alerts]` in the settings: which
rules, the bell, the urgent priorities, quiet hours without the bell). The header's badge
counts what holds now (‼ 2 P1 · 3 past target · 1 queue waiting); `!` goes to the most urgent
row, pressed again to the next.

Marks never rely on colour alone: ▼ below SL target, ▲ warning, ‼ critical, ✗ out of
adherence, ✓ in adherence.
"""


class HelpScreen(Screen[None]):
    """A full screen (nothing half-drawn behind it): keys and definitions; Escape, q, ? or F1
    closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape,q,question_mark,f1",
            "close",
            "Close help",
            tooltip="Back to the floor",
            id="help.close",
        ),
    ]

    def __init__(
        self,
        keys: list[tuple[str, str, str]],
        *,
        interval: int,
        tz: str,
        day_start: str,
        short: int,
        grace: int,
    ) -> None:
        super().__init__()
        self._keys = keys
        from floorlead.domain.coverage import SHARE_RULE

        self._defs = DEFINITIONS.format(
            interval=interval,
            tz=tz,
            day_start=day_start,
            short=short,
            grace=grace,
            share_rule=SHARE_RULE,
        )

    def compose(self) -> ComposeResult:
        lines = ["# floorlead help", "", "## Keys", ""]
        lines += ["Each key, what it does, and the id that remaps it in `[keys]`:", ""]
        lines += [
            f"- `{key}`  {desc}" + (f"  ·  {ident}" if ident else "")
            for key, desc, ident in self._keys
        ]
        lines += ["", "PgUp and PgDn move a page in a table, beside the arrows."]
        with VerticalScroll(id="help-body"):
            yield Markdown("\n".join(lines) + "\n\n" + self._defs)

    def action_close(self) -> None:
        self.dismiss(None)
