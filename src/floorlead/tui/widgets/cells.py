"""Cell formatting shared by the screens: every warning carries a word or symbol, not only a
colour, so the board reads in monochrome and with NO_COLOR."""

from __future__ import annotations

from rich.text import Text

from floorlead.domain.when import duration_text

STATE_LABELS = {
    "offline": "offline",
    "available": "available",
    "on_contact": "on contact",
    "acw": "ACW",
    "break": "break",
    "lunch": "lunch",
    "meeting": "meeting",
    "training": "training",
    "coaching": "coaching",
}
STATE_STYLES = {
    "available": "green",
    "on_contact": "cyan",
    "acw": "yellow",
    "break": "magenta",
    "lunch": "magenta",
    "offline": "dim",
}


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


def state_cell(state: str) -> Text:
    return Text(STATE_LABELS.get(state, state), style=STATE_STYLES.get(state, ""))


def level_cell(text: str, level: str) -> Text:
    """``level`` is ok, warn or critical: marked ▲/‼ in front as well as coloured."""
    if level == "critical":
        return Text(f"‼ {text}", style="bold red")
    if level == "warn":
        return Text(f"▲ {text}", style="yellow")
    return Text(f"  {text}")


def sl_cell(value: float | None, target_percent: int) -> Text:
    if value is None:
        return Text("  —")
    if value * 100 < target_percent:
        return Text(f"▼ {value * 100:.0f}%", style="bold red")
    return Text(f"  {value * 100:.0f}%", style="green")


def wait_cell(seconds: float | None, warn: int, critical: int) -> Text:
    if seconds is None:
        return Text("  —")
    level = "critical" if seconds >= critical else "warn" if seconds >= warn else "ok"
    return level_cell(duration_text(seconds), level)


def flag_cell(flags: list[str]) -> Text:
    return Text(" ".join(flags), style="yellow") if flags else Text("")
