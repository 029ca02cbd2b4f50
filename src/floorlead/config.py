"""Settings: a TOML file in the user's config folder; a missing file means the defaults.

Every value is checked on load; a bad one raises :class:`ConfigError` naming its key and the
file, so the user sees one sentence instead of a traceback.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field, fields, replace
from datetime import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import platformdirs

from floorlead.errors import ConfigError

APP_NAME = "floorlead"
PRIORITIES = ("P1", "P2", "P3", "P4")


def default_config_path() -> Path:
    override = os.environ.get("FLOORLEAD_CONFIG")
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml"


@dataclass(frozen=True)
class FloorSettings:
    name: str = "Contact floor"
    timezone: str = "America/New_York"
    interval_minutes: int = 30
    day_start: str = "00:00"
    supervisor: str = ""


@dataclass(frozen=True)
class MetricSettings:
    short_abandon_s: int = 5
    default_sl_target: str = "80/20"


@dataclass(frozen=True)
class ThresholdSettings:
    longest_wait_warn_s: int = 60
    longest_wait_critical_s: int = 120
    abandon_rate_warn: float = 0.05
    adherence_grace_min: int = 3
    long_acw_s: int = 120
    long_break_min: int = 17
    long_lunch_min: int = 35


@dataclass(frozen=True)
class TimesheetSettings:
    overtime_rules: str = "us_federal"
    workweek_start: str = "monday"
    rounding_minutes: int = 0
    grace_minutes: int = 5
    meal_required_after_h: float = 5.0


@dataclass(frozen=True)
class EscalationSettings:
    respond_minutes: dict[str, int] = field(
        default_factory=lambda: {"P1": 2, "P2": 10, "P3": 60, "P4": 240}
    )
    resolve_minutes: dict[str, int] = field(
        default_factory=lambda: {"P1": 30, "P2": 120, "P3": 480, "P4": 1440}
    )
    approval_second_above: float = 10000.0
    resolution_codes: tuple[str, ...] = (
        "resolved",
        "refunded",
        "credited",
        "explained",
        "handed_to_team",
        "no_action",
    )


@dataclass(frozen=True)
class AlertSettings:
    """Which rules ring (``domain.alerts.ALERT_EVENTS``), whether the bell sounds, which
    priorities count as urgent, and the quiet hours (floor time) when the bell is silent."""

    events: tuple[str, ...] = ("p1", "sla_breach", "longest_wait", "stale_feed")
    bell: bool = True
    urgent_priorities: tuple[str, ...] = ("P1",)
    quiet_hours: tuple[time, time] | None = None


@dataclass(frozen=True)
class CoverageSettings:
    """Intraday coverage: how many weeks of the floor's history make the default forecast,
    and the queues whose staffing counts callers who hang up (Erlang A) instead of Erlang C."""

    weeks: int = 4
    erlang_a: tuple[str, ...] = ()


@dataclass(frozen=True)
class ScorecardSettings:
    """Criteria as (name, weight, critical); a critical one failed fails the whole call."""

    criteria: tuple[tuple[str, int, bool], ...] = (
        ("greeting", 10, False),
        ("verification", 20, True),
        ("resolution", 40, False),
        ("tone", 20, False),
        ("closing", 10, False),
    )


#: Vendor status names (any case) and the floorlead state each means; [feeds.states] adds more.
DEFAULT_FEED_STATES: dict[str, str] = {
    "available": "available",
    "ready": "available",
    "idle": "available",
    "offline": "offline",
    "logged out": "offline",
    "break": "break",
    "unavailable": "break",
    "lunch": "lunch",
    "meal": "lunch",
    "meeting": "meeting",
    "training": "training",
    "coaching": "coaching",
    "acw": "acw",
    "after call work": "acw",
    "aftercallwork": "acw",
    "wrapup": "acw",
    "wrap up": "acw",
    "busy": "on_contact",
    "on contact": "on_contact",
}
#: The columns each CSV export is read by: floorlead's name -> the header in the file.
CSV_COLUMNS: dict[str, tuple[str, ...]] = {
    "roster": ("agent", "name", "team", "queues"),
    "schedule": ("agent", "start", "end", "activity"),
    "punches": ("agent", "at", "kind"),
    "forecast": ("queue", "start", "contacts", "aht"),
}


@dataclass(frozen=True)
class FeedSettings:
    """How vendor feeds are read: the reorder window, state names, CSV headers."""

    reorder_window_s: int = 5
    #: The floor is stale when no feed has delivered anything for this long (agents logged in).
    stale_after_s: int = 60
    states: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_FEED_STATES))
    csv: dict[str, dict[str, str]] = field(
        default_factory=lambda: {k: {c: c for c in v} for k, v in CSV_COLUMNS.items()}
    )


@dataclass(frozen=True)
class Settings:
    floor: FloorSettings = field(default_factory=FloorSettings)
    metrics: MetricSettings = field(default_factory=MetricSettings)
    thresholds: ThresholdSettings = field(default_factory=ThresholdSettings)
    timesheets: TimesheetSettings = field(default_factory=TimesheetSettings)
    escalations: EscalationSettings = field(default_factory=EscalationSettings)
    scorecard: ScorecardSettings = field(default_factory=ScorecardSettings)
    feeds: FeedSettings = field(default_factory=FeedSettings)
    alerts: AlertSettings = field(default_factory=AlertSettings)
    coverage: CoverageSettings = field(default_factory=CoverageSettings)
    #: binding id -> keys (``[keys]``), handed to Textual's keymap; the app checks the ids
    keys: dict[str, str] = field(default_factory=dict)
    database_url: str = ""
    source: Path | None = None


_SECTIONS: dict[str, type] = {
    "floor": FloorSettings,
    "metrics": MetricSettings,
    "thresholds": ThresholdSettings,
    "timesheets": TimesheetSettings,
    "escalations": EscalationSettings,
}


def _fail(path: Path, key: str, why: str) -> ConfigError:
    return ConfigError(f"Setting {key} in {path} {why}.")


def _coerce(path: Path, key: str, value: Any, default: Any) -> Any:
    """Check ``value`` against the type of the default it replaces."""
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise _fail(path, key, "must be true or false")
        return value
    if isinstance(default, int):
        if isinstance(value, bool) or not isinstance(value, int):
            raise _fail(path, key, f"must be a whole number, not {value!r}")
        return value
    if isinstance(default, float):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _fail(path, key, f"must be a number, not {value!r}")
        return float(value)
    if isinstance(default, str):
        if not isinstance(value, str):
            raise _fail(path, key, f"must be text, not {value!r}")
        return value
    if isinstance(default, tuple):
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise _fail(path, key, "must be a list of names")
        if not value:
            raise _fail(path, key, "must not be empty")
        return tuple(value)
    if isinstance(default, dict):
        if not isinstance(value, dict):
            raise _fail(path, key, "must be a table such as { P1 = 2, P2 = 10 }")
        merged = dict(default)
        for sub, minutes in value.items():
            if sub not in default:
                raise _fail(path, f"{key}.{sub}", f"is not one of {', '.join(default)}")
            if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes <= 0:
                raise _fail(path, f"{key}.{sub}", "must be a whole number of minutes above 0")
            merged[sub] = minutes
        return merged
    raise _fail(path, key, "has an unsupported type")  # pragma: no cover


def _validate(path: Path, s: Settings) -> None:
    """Range and vocabulary checks that the types alone do not catch."""
    f, m, t, ts, e = s.floor, s.metrics, s.thresholds, s.timesheets, s.escalations
    try:
        ZoneInfo(f.timezone)  # the IANA database pendulum reads too; pendulum loads later
    except Exception:
        raise _fail(path, "floor.timezone", f"is not a known time zone: {f.timezone!r}") from None
    if f.interval_minutes not in (15, 30, 60):
        raise _fail(path, "floor.interval_minutes", "must be 15, 30 or 60")
    try:
        hh, mm = (int(p) for p in f.day_start.split(":"))
        if not (0 <= hh < 24 and 0 <= mm < 60):
            raise ValueError
    except ValueError:
        raise _fail(path, "floor.day_start", "must be a time like 06:00") from None
    if not 0 <= m.short_abandon_s <= 60:
        raise _fail(path, "metrics.short_abandon_s", "must be between 0 and 60 seconds")
    from floorlead.domain.vocabulary import EventError, SlTarget

    try:
        SlTarget.parse(m.default_sl_target)
    except EventError:
        raise _fail(path, "metrics.default_sl_target", "must look like 80/20") from None
    for key in (
        "longest_wait_warn_s",
        "longest_wait_critical_s",
        "adherence_grace_min",
        "long_acw_s",
        "long_break_min",
        "long_lunch_min",
    ):
        if getattr(t, key) <= 0:
            raise _fail(path, f"thresholds.{key}", "must be above 0")
    if t.longest_wait_critical_s < t.longest_wait_warn_s:
        raise _fail(path, "thresholds.longest_wait_critical_s", "must not be below the warn level")
    if not 0 < t.abandon_rate_warn < 1:
        raise _fail(path, "thresholds.abandon_rate_warn", "must be a fraction between 0 and 1")
    if ts.overtime_rules not in ("us_federal", "california"):
        raise _fail(path, "timesheets.overtime_rules", "must be us_federal or california")
    days = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    if ts.workweek_start.lower() not in days:
        raise _fail(path, "timesheets.workweek_start", "must be a day name such as monday")
    if ts.rounding_minutes not in (0, 5, 6, 15):
        raise _fail(path, "timesheets.rounding_minutes", "must be 0, 5, 6 or 15")
    if ts.grace_minutes < 0:
        raise _fail(path, "timesheets.grace_minutes", "must be 0 or more")
    if not math.isfinite(e.approval_second_above) or e.approval_second_above < 0:
        raise _fail(path, "escalations.approval_second_above", "must be an amount of 0 or more")


def _scorecard(path: Path, value: Any) -> ScorecardSettings:
    """``[scorecard] criteria = [{ name = "greeting", weight = 10, critical = false }, ...]``"""
    items = value.get("criteria") if isinstance(value, dict) else None
    if not isinstance(items, list) or not items:
        raise _fail(path, "scorecard.criteria", "must be a list of { name, weight, critical }")
    out = []
    for i, item in enumerate(items):
        key = f"scorecard.criteria[{i}]"
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise _fail(path, key, "needs a name")
        weight = item.get("weight")
        if isinstance(weight, bool) or not isinstance(weight, int) or weight <= 0:
            raise _fail(path, f"{key}.weight", "must be a whole number above 0")
        critical = item.get("critical", False)
        if not isinstance(critical, bool):
            raise _fail(path, f"{key}.critical", "must be true or false")
        out.append((item["name"], weight, critical))
    if len({name for name, _w, _c in out}) != len(out):
        raise _fail(path, "scorecard.criteria", "has a name twice")
    return ScorecardSettings(tuple(out))


def _feeds(path: Path, value: Any) -> FeedSettings:
    """``[feeds]``: reorder_window_s, ``[feeds.states]``, ``[feeds.csv.<kind>]``."""
    from floorlead.domain.vocabulary import AGENT_STATES

    if not isinstance(value, dict):
        raise _fail(path, "feeds", "must be a table")
    feeds = FeedSettings()
    window = value.get("reorder_window_s", feeds.reorder_window_s)
    if isinstance(window, bool) or not isinstance(window, int) or not 0 <= window <= 600:
        raise _fail(path, "feeds.reorder_window_s", "must be whole seconds from 0 to 600")
    stale = value.get("stale_after_s", feeds.stale_after_s)
    if isinstance(stale, bool) or not isinstance(stale, int) or not 5 <= stale <= 86400:
        raise _fail(path, "feeds.stale_after_s", "must be whole seconds from 5 to 86400")
    states = dict(feeds.states)
    raw_states = value.get("states", {})
    if not isinstance(raw_states, dict):
        raise _fail(path, "feeds.states", 'must be a table such as { "Away" = "break" }')
    for name, state in raw_states.items():
        if state not in AGENT_STATES:
            raise _fail(path, f"feeds.states.{name}", f"must be one of {', '.join(AGENT_STATES)}")
        states[name.strip().lower()] = state
    csv = {kind: dict(cols) for kind, cols in feeds.csv.items()}
    raw_csv = value.get("csv", {})
    if not isinstance(raw_csv, dict):
        raise _fail(path, "feeds.csv", "must be a table of roster, schedule and punches")
    for kind, mapping in raw_csv.items():
        if kind not in CSV_COLUMNS:
            raise _fail(path, f"feeds.csv.{kind}", "is not roster, schedule, punches or forecast")
        if not isinstance(mapping, dict):
            raise _fail(path, f"feeds.csv.{kind}", 'must be a table such as { agent = "Emp ID" }')
        for ours, theirs in mapping.items():
            if ours not in CSV_COLUMNS[kind]:
                known = ", ".join(CSV_COLUMNS[kind])
                raise _fail(path, f"feeds.csv.{kind}.{ours}", f"is not one of {known}")
            if not isinstance(theirs, str) or not theirs.strip():
                raise _fail(path, f"feeds.csv.{kind}.{ours}", "must name a column")
            csv[kind][ours] = theirs
    unknown = set(value) - {"reorder_window_s", "stale_after_s", "states", "csv"}
    if unknown:
        raise _fail(path, f"feeds.{sorted(unknown)[0]}", "is not a known setting")
    return FeedSettings(reorder_window_s=window, stale_after_s=stale, states=states, csv=csv)


def _alerts(path: Path, value: Any) -> AlertSettings:
    """``[alerts]``: events (may be empty: nothing rings), bell, urgent_priorities,
    quiet_hours ("22:00-06:00")."""
    from floorlead.domain.alerts import ALERT_EVENTS, parse_quiet_hours

    if not isinstance(value, dict):
        raise _fail(path, "alerts", "must be a table")
    unknown = set(value) - {"events", "bell", "urgent_priorities", "quiet_hours"}
    if unknown:
        raise _fail(path, f"alerts.{sorted(unknown)[0]}", "is not a known setting")
    alerts = AlertSettings()
    events = value.get("events", list(alerts.events))
    if not isinstance(events, list) or any(e not in ALERT_EVENTS for e in events):
        raise _fail(path, "alerts.events", f"must be a list of {', '.join(ALERT_EVENTS)}")
    bell = value.get("bell", alerts.bell)
    if not isinstance(bell, bool):
        raise _fail(path, "alerts.bell", "must be true or false")
    urgent = value.get("urgent_priorities", list(alerts.urgent_priorities))
    if not isinstance(urgent, list) or not urgent or any(p not in PRIORITIES for p in urgent):
        raise _fail(path, "alerts.urgent_priorities", f"must be a list of {', '.join(PRIORITIES)}")
    hours = value.get("quiet_hours", "")
    try:
        quiet = parse_quiet_hours(hours) if isinstance(hours, str) else None
        if not isinstance(hours, str):
            raise ValueError(hours)
    except ValueError:
        raise _fail(path, "alerts.quiet_hours", 'must look like "22:00-06:00"') from None
    return AlertSettings(tuple(events), bell, tuple(urgent), quiet)


def _coverage(path: Path, value: Any) -> CoverageSettings:
    """``[coverage]``: weeks (1–52), erlang_a (queue ids; may be empty)."""
    if not isinstance(value, dict):
        raise _fail(path, "coverage", "must be a table")
    unknown = set(value) - {"weeks", "erlang_a"}
    if unknown:
        raise _fail(path, f"coverage.{sorted(unknown)[0]}", "is not a known setting")
    weeks = value.get("weeks", 4)
    if isinstance(weeks, bool) or not isinstance(weeks, int) or not 1 <= weeks <= 52:
        raise _fail(path, "coverage.weeks", "must be a whole number of weeks from 1 to 52")
    queues = value.get("erlang_a", [])
    if not isinstance(queues, list) or not all(isinstance(q, str) and q for q in queues):
        raise _fail(path, "coverage.erlang_a", "must be a list of queue ids")
    return CoverageSettings(weeks, tuple(queues))


def _keys(path: Path, value: Any) -> dict[str, str]:
    """``[keys]``: ``"binding.id" = "key"`` (several keys separated by commas)."""
    if not isinstance(value, dict):
        raise _fail(path, "keys", 'must be a table such as { "app.quit" = "ctrl+q" }')
    out = {}
    for ident, keys in value.items():
        if (
            not isinstance(keys, str)
            or not keys.strip()
            or any(not k.strip() for k in keys.split(","))
        ):
            raise _fail(path, f"keys.{ident}", 'must name a key such as "T" or "ctrl+t"')
        out[ident] = ",".join(k.strip() for k in keys.split(","))
    return out


def load_settings(path: Path | None = None) -> Settings:
    """Read settings from ``path`` (default: the user's config file); missing means defaults."""
    path = path or default_config_path()
    raw: dict[str, Any] = {}
    if path.exists():
        import tomllib  # only with a file: a missing one (the defaults) need not load it

        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"The settings file {path} is not valid TOML ({exc}).") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"The settings file {path} cannot be read ({exc}).") from None
    settings = Settings(source=path if path.exists() else None)
    changes: dict[str, Any] = {}
    for section, value in raw.items():
        if section == "scorecard":
            changes["scorecard"] = _scorecard(path, value)
            continue
        if section == "feeds":
            changes["feeds"] = _feeds(path, value)
            continue
        if section == "alerts":
            changes["alerts"] = _alerts(path, value)
            continue
        if section == "coverage":
            changes["coverage"] = _coverage(path, value)
            continue
        if section == "keys":
            changes["keys"] = _keys(path, value)
            continue
        if section == "database":
            if not isinstance(value, dict) or not isinstance(value.get("url", ""), str):
                raise _fail(path, "database.url", "must be text")
            changes["database_url"] = value.get("url", "")
            continue
        cls = _SECTIONS.get(section)
        if cls is None:
            raise _fail(
                path,
                section,
                f"is not a known section ({', '.join(_SECTIONS)}, scorecard, feeds, alerts, "
                "coverage, keys, database)",
            )
        if not isinstance(value, dict):
            raise _fail(path, section, "must be a table")
        current = getattr(settings, section)
        known = {f.name: getattr(current, f.name) for f in fields(cls)}
        updates = {}
        for key, item in value.items():
            if key not in known:
                raise _fail(path, f"{section}.{key}", "is not a known setting")
            updates[key] = _coerce(path, f"{section}.{key}", item, known[key])
        changes[section] = replace(current, **updates)
    settings = replace(settings, **changes)
    _validate(path, settings)
    env_tz = os.environ.get("FLOORLEAD_TIMEZONE")
    if env_tz:  # checked here, so a mistake in it is blamed on it, not on a settings file
        try:
            ZoneInfo(env_tz)
        except Exception:
            raise ConfigError(
                f"FLOORLEAD_TIMEZONE={env_tz!r} is not a known time zone "
                "(an IANA name such as America/New_York)."
            ) from None
        settings = replace(settings, floor=replace(settings.floor, timezone=env_tz))
    return settings


EXAMPLE = """\
# floorlead settings. Every key is optional; these are the defaults.
[floor]
name = "Contact floor"
timezone = "America/New_York"   # the floor's time zone (IANA name)
interval_minutes = 30           # 15, 30 or 60
day_start = "00:00"             # when the floor's "today" begins
supervisor = ""                 # your name in the audit log (default: your login)

[metrics]
short_abandon_s = 5             # abandons sooner than this are not counted at all
default_sl_target = "80/20"

[thresholds]
longest_wait_warn_s = 60
longest_wait_critical_s = 120
abandon_rate_warn = 0.05
adherence_grace_min = 3
long_acw_s = 120
long_break_min = 17
long_lunch_min = 35

[timesheets]
overtime_rules = "us_federal"   # or "california"
workweek_start = "monday"
rounding_minutes = 0            # 0, 5, 6 or 15 (nearest, neutral)
grace_minutes = 5
meal_required_after_h = 5.0

[escalations]
respond_minutes = { P1 = 2, P2 = 10, P3 = 60, P4 = 240 }
resolve_minutes = { P1 = 30, P2 = 120, P3 = 480, P4 = 1440 }
approval_second_above = 10000.0

[feeds]
reorder_window_s = 5            # out-of-order events within this many seconds are sorted
stale_after_s = 60              # the header says STALE when no feed has sent anything this long
# [feeds.states]                # vendor status / activity / pause reason -> floorlead state
# "Away" = "break"
# [feeds.csv.roster]            # floorlead column = the header in your export
# agent = "Employee ID"

[alerts]                        # rung (bell) and shown on every screen, once each
events = ["p1", "sla_breach", "longest_wait", "stale_feed"]   # [] for none
bell = true
urgent_priorities = ["P1"]      # escalations that alert when they arrive
quiet_hours = ""                # e.g. "22:00-06:00": no bell then (alerts still show)

[coverage]
weeks = 4                       # the default forecast: the same weekday over this many weeks
erlang_a = []                   # queues staffed by Erlang A (callers who hang up), e.g. ["billing"]

# [keys]                        # remap a key by its binding id (the help screen lists them)
# "escalations.take" = "T"
# "app.urgent" = "ctrl+u"

# [database]
# url = "postgresql+psycopg://floor@db.example/floor"   # several supervisors, one floor
"""
