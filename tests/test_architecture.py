"""The core never imports the UI (checked in a fresh interpreter, as Harlequin does), and the
import-linter contracts in pyproject.toml hold."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

CORE = [
    "floorlead.domain.metrics",
    "floorlead.domain.tally",
    "floorlead.domain.events",
    "floorlead.domain.when",
    "floorlead.domain.timesheets",
    "floorlead.store.db",
    "floorlead.store.reader",
    "floorlead.store.engine",
    "floorlead.store.schema",
    "floorlead.store.sheets",
    "floorlead.store.ingest",
    "floorlead.store.bulk",
    "floorlead.store.handover",
    "floorlead.feeds.simulator",
    "floorlead.feeds.live",
    "floorlead.feeds.jsonl",
    "floorlead.feeds.pipeline",
    "floorlead.feeds.ami",
    "floorlead.feeds.connect",
    "floorlead.feeds.taskrouter",
    "floorlead.feeds.csvfiles",
    "floorlead.reports.shift",
    "floorlead.reports.week",
    "floorlead.config",
]


def loaded_after_import(modules: list[str]) -> set[str]:
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in modules)
        + "print('\\n'.join(sorted(sys.modules)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    return set(out.split())


def test_core_does_not_load_textual() -> None:
    loaded = loaded_after_import(CORE)
    assert "textual" not in loaded
    assert not any(m.startswith("floorlead.tui") for m in loaded)


def test_domain_does_not_load_the_database() -> None:
    loaded = loaded_after_import([m for m in CORE if m.startswith("floorlead.domain")])
    assert "sqlalchemy" not in loaded and "sqlmodel" not in loaded


def test_cli_start_defers_the_tui() -> None:
    """`floorlead --version` and the headless commands do not pay for Textual."""
    assert "textual" not in loaded_after_import(["floorlead.cli"])


def test_import_contracts_hold() -> None:
    script = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(script)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_the_tui_paints_before_loading_the_database_layer() -> None:
    """The first board paints while SQLAlchemy and SQLModel load in a worker."""
    loaded = loaded_after_import(["floorlead.tui.app"])
    assert "sqlalchemy" not in loaded and "sqlmodel" not in loaded


def test_snapshot_loads_no_database_layer(tmp_path: Path) -> None:
    """`floorlead snapshot --json` on a SQLite floor goes through the command line like every
    command, and reads the floor through the sqlite3 driver alone: no SQLAlchemy, SQLModel,
    Alembic, Textual, nor pendulum for an instant given with its offset (each costs a tenth of
    a second or more) — what the process loaded, after printing."""
    from floorlead.store.db import open_database, resolve_target

    path = tmp_path / "floor.db"
    open_database(resolve_target(str(path))).dispose()
    code = (
        "import sys\n"
        f"sys.argv = ['floorlead', '--db', {str(path)!r}, 'snapshot', '--json',"
        " '--at', '2026-11-23T17:00:00Z']\n"
        "from floorlead.launch import main\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('\\n'.join(sorted(sys.modules)), file=sys.stderr)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert '"format": 1' in result.stdout
    loaded = set(result.stderr.split())
    assert "floorlead.store.engine" in loaded
    for heavy in ("sqlalchemy", "sqlmodel", "pendulum", "alembic", "textual"):
        assert heavy not in loaded, heavy
