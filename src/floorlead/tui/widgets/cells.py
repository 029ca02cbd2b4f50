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


#: How a critical and a warning mark are drawn; with NO_COLOR, colour gives way to reverse
#: video and underline (grey on near-black, a colour's monochrome, is about 1.5:1 contrast).
_CRITICAL, _WARN = "bold red", "yellow"


def set_monochrome(on: bool) -> None:
    """Chosen once, as the app starts (``App.no_color``)."""
    global _CRITICAL, _WARN
    _CRITICAL, _WARN = ("bold reverse", "bold underline") if on else ("bold red", "yellow")


def critical(text: str) -> Text:
    """A mark that needs the supervisor now (its text starts with ‼, ▼ or ✗)."""
    return Text(text, style=_CRITICAL)


def warn(text: str) -> Text:
    """A mark to watch (▲, ⚠)."""
    return Text(text, style=_WARN)


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


def state_cell(state: str) -> Text:
    return Text(STATE_LABELS.get(state, state), style=STATE_STYLES.get(state, ""))


def level_cell(text: str, level: str) -> Text:
    """``level`` is ok, warn or critical: marked ▲/‼ in front as well as coloured."""
    if level == "critical":
        return critical(f"‼ {text}")
    if level == "warn":
        return warn(f"▲ {text}")
    return Text(f"  {text}")


def sl_cell(value: float | None, target_percent: int) -> Text:
    if value is None:
        return Text("  —")
    if value * 100 < target_percent:
        return critical(f"▼ {value * 100:.0f}%")
    return Text(f"  {value * 100:.0f}%", style="green")


def wait_cell(seconds: float | None, warn: int, critical: int) -> Text:
    if seconds is None:
        return Text("  —")
    level = "critical" if seconds >= critical else "warn" if seconds >= warn else "ok"
    return level_cell(duration_text(seconds), level)


def flag_cell(flags: list[str]) -> Text:
    return warn(" ".join(flags)) if flags else Text("")
