"""[keys]: any binding remapped by its id; the footer and help show the keys in force; a
mistake is one sentence naming the key and the file."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from textual.widgets import Markdown

from floorlead.config import Settings, load_settings
from floorlead.errors import ConfigError
from floorlead.store.db import FloorDatabase
from floorlead.tui.app import FloorleadApp
from floorlead.tui.keys import check_keymap
from floorlead.tui.screens.help import HelpScreen
from tests.conftest import FROZEN
from tests.tui_helpers import wait_for_load, wait_until


async def test_a_remapped_key_moves_and_the_help_and_footer_say_so(floor_db: FloorDatabase) -> None:
    settings = replace(Settings(), keys={"go.agents": "f2", "app.urgent": "ctrl+u"})
    app = FloorleadApp(floor_db, settings, clock=lambda: FROZEN, poll_interval=0.05)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_load(pilot)
        await pilot.press("2")  # the old key no longer moves
        await pilot.pause()
        assert app.current_mode == "queues"
        await pilot.press("f2")
        assert await wait_until(pilot, lambda: app.current_mode == "agents")
        footer = {b.binding.id: b.binding.key for b in app.screen.active_bindings.values()}
        assert footer["go.agents"] == "f2" and footer["app.urgent"] == "ctrl+u"
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = app.screen.query_one(Markdown).source
        assert "- `^u`  Urgent  ·  app.urgent" in text, text[:900]
        assert "- `f2`  Agents  ·  go.agents" in text and "- `j`  Down  ·  table.down" in text
        assert "- `home g`  First row  ·  table.first" in text


@pytest.mark.parametrize(
    ("keymap", "said"),
    [
        ({"esc.tkae": "T"}, "Setting keys.esc.tkae in {path} names no action"),
        (
            {"app.urgent": "t"},
            "Setting keys.app.urgent in {path}: 't' is already Team (agents.team)",
        ),
        ({"esc.take": "j"}, "Setting keys.esc.take in {path}: 'j' is already Down (table.down)"),
        ({"esc.take": "ctrl+bananas"}, "Setting keys.esc.take in {path}: 'ctrl+bananas' is not a"),
    ],
)
def test_a_mistake_is_one_sentence_naming_the_key_and_file(
    keymap: dict[str, str], said: str, tmp_path: Path
) -> None:
    path = tmp_path / "config.toml"
    with pytest.raises(ConfigError) as caught:
        check_keymap(keymap, path)
    assert str(caught.value).startswith(said.format(path=path))
    check_keymap({"esc.take": "T", "go.coaching": "f5,5"}, path)  # these are fine


def test_keys_are_read_from_the_settings_and_a_bad_one_stops_the_app_in_one_sentence(
    tmp_path: Path,
) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[keys]\n"esc.take" = "T"\n', encoding="utf-8")
    assert load_settings(config).keys == {"esc.take": "T"}
    config.write_text('[keys]\n"app.urgent" = "t"\n', encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "floorlead", "--db", str(tmp_path / "f.db")],
        capture_output=True,
        text=True,
        env={**os.environ, "FLOORLEAD_CONFIG": str(config)},
        timeout=120,
    )
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.strip() == (
        f"floorlead: Setting keys.app.urgent in {config}: 't' is already Team (agents.team) "
        "on Agents."
    )


def test_the_readme_key_table_is_the_bindings() -> None:
    """The README's key table is generated from the bindings; a key added, moved or renamed
    without it fails here, printing the table to paste between the markers."""
    from floorlead.tui.keys import key_table

    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    shown = readme.split("<!-- keys:start -->\n", 1)[1].split("\n<!-- keys:end -->", 1)[0]
    assert shown == key_table(), "README keys table is stale; paste:\n" + key_table()
