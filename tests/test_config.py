"""Settings: defaults when missing, one sentence naming the key and file when wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from floorlead.config import EXAMPLE, Settings, load_settings
from floorlead.errors import ConfigError


def test_missing_file_means_defaults(tmp_path: Path) -> None:
    settings = load_settings(tmp_path / "absent.toml")
    assert settings == Settings()
    assert settings.floor.interval_minutes == 30
    assert settings.metrics.short_abandon_s == 5


def test_the_documented_example_loads_and_equals_the_defaults(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(EXAMPLE)
    loaded = load_settings(path)
    assert loaded.floor == Settings().floor
    assert loaded.escalations == Settings().escalations
    assert loaded.source == path


def test_values_are_read(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '[floor]\ntimezone = "Europe/Paris"\ninterval_minutes = 15\n'
        "[escalations]\nrespond_minutes = { P1 = 1 }\n"
    )
    s = load_settings(path)
    assert s.floor.timezone == "Europe/Paris"
    assert s.floor.interval_minutes == 15
    assert s.escalations.respond_minutes["P1"] == 1
    assert s.escalations.respond_minutes["P2"] == 10  # untouched keys keep their default


@pytest.mark.parametrize(
    ("toml", "key"),
    [
        ('[floor]\ntimezone = "Mars/Olympus"\n', "floor.timezone"),
        ("[floor]\ninterval_minutes = 20\n", "floor.interval_minutes"),
        ('[floor]\ninterval_minutes = "30"\n', "floor.interval_minutes"),
        ('[floor]\nday_start = "25:00"\n', "floor.day_start"),
        ("[thresholds]\nabandon_rate_warn = 5\n", "thresholds.abandon_rate_warn"),
        ("[thresholds]\nlongest_wait_critical_s = 10\n", "thresholds.longest_wait_critical_s"),
        ('[timesheets]\novertime_rules = "weekly"\n', "timesheets.overtime_rules"),
        ("[timesheets]\nrounding_minutes = 7\n", "timesheets.rounding_minutes"),
        ("[escalations]\nrespond_minutes = { P9 = 1 }\n", "escalations.respond_minutes.P9"),
        ("[floor]\ncolour = 1\n", "floor.colour"),
        ("[kitchen]\nx = 1\n", "kitchen"),
    ],
)
def test_a_bad_value_names_its_key_and_file(tmp_path: Path, toml: str, key: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(toml)
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    message = str(info.value)
    assert key in message
    assert str(path) in message
    assert "\n" not in message


def test_broken_toml_is_one_sentence(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[floor\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(path)


def test_environment_overrides_the_time_zone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLOORLEAD_TIMEZONE", "Asia/Tokyo")
    assert load_settings(tmp_path / "absent.toml").floor.timezone == "Asia/Tokyo"


def test_scorecard_criteria_from_settings(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '[scorecard]\ncriteria = [{ name = "greeting", weight = 30 }, '
        '{ name = "verification", weight = 70, critical = true }]\n'
    )
    assert load_settings(path).scorecard.criteria == (
        ("greeting", 30, False),
        ("verification", 70, True),
    )
    path.write_text('[scorecard]\ncriteria = [{ name = "greeting", weight = 0 }]\n')
    with pytest.raises(ConfigError, match=r"scorecard.criteria\[0\].weight"):
        load_settings(path)


def test_the_readme_settings_example_loads(tmp_path: Path) -> None:
    """The settings shown to users are real settings (feeds mappings included)."""
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Settings", 1)[1].split("## Definitions", 1)[0]
    block = section.split("```toml", 1)[1].split("```", 1)[0]
    path = tmp_path / "config.toml"
    path.write_text(block)
    settings = load_settings(path)
    assert settings.feeds.states["away"] == "break"
    assert settings.feeds.csv["roster"]["agent"] == "Employee ID"
    assert settings.feeds.csv["roster"]["name"] == "name"


@pytest.mark.parametrize(
    ("toml", "key"),
    [
        ('[feeds.states]\n"Away" = "nap"\n', "feeds.states.Away"),
        ("[feeds]\nreorder_window_s = -1\n", "feeds.reorder_window_s"),
        ('[feeds.csv.roster]\nemployee = "Emp"\n', "feeds.csv.roster.employee"),
        ('[feeds.csv.payroll]\nagent = "Emp"\n', "feeds.csv.payroll"),
    ],
)
def test_bad_feed_settings_name_their_key(tmp_path: Path, toml: str, key: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(toml)
    with pytest.raises(ConfigError, match=f"Setting {key} in "):
        load_settings(path)
