"""The ``floorlead`` command's entry point.

Opening the floor (no command, perhaps ``--db``/``--config``) is what a supervisor does every
shift, so it starts the TUI without loading the command-line parser: Typer and Click take a
third of a second to import on a slow machine, before the first paint. Every other use goes
to ``floorlead.cli``. Both share :func:`guarded`, so errors read the same either way.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from floorlead.errors import FloorleadError

log = logging.getLogger("floorlead.cli")
_FLOOR_OPTIONS = ("--db", "--config")


def floor_options(args: list[str]) -> dict[str, str] | None:
    """``--db``/``--config`` and their values when they are all there is, else None (a
    command, help, a misspelt option: the full parser answers those)."""
    found: dict[str, str] = {}
    rest = list(args)
    while rest:
        word = rest.pop(0)
        name, has_value, value = word.partition("=")
        if name not in _FLOOR_OPTIONS or name in found:
            return None
        if not has_value:
            if not rest or rest[0].startswith("-"):
                return None
            value = rest.pop(0)
        if not value:
            return None
        found[name] = value
    return found


def guarded(run: Callable[[], Any]) -> None:
    """Run ``run``; errors the user can fix are one sentence on stderr, never a traceback."""
    from floorlead.logs import setup_logging

    setup_logging()
    try:
        run()
    except FloorleadError as exc:
        log.warning("%s", exc)
        print(f"floorlead: {exc}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:  # the last net: a sentence on screen, the traceback in the log
        from floorlead.logs import log_path

        log.exception("unexpected error")
        print(f"floorlead: unexpected error: {exc} (details in {log_path()}).", file=sys.stderr)
        sys.exit(70)


def run_tui(database: Any, settings: Any, **kwargs: Any) -> None:
    from floorlead.tui.app import FloorleadApp

    app = FloorleadApp(database, settings, **kwargs)
    try:
        app.run()
    finally:
        if app.db is not None:
            app.db.dispose()
    if app.fatal_error:
        raise FloorleadError(app.fatal_error)


def open_floor(db: str | None, config: Path | None) -> None:
    """The TUI on the floor's database; the database opens in a worker after the first paint."""
    from floorlead.config import load_settings

    settings = load_settings(config)

    def database() -> Any:
        from floorlead.store.db import open_database, resolve_target

        return open_database(resolve_target(db, settings.database_url))

    run_tui(database, settings)


def main() -> None:
    options = floor_options(sys.argv[1:])
    if options is None:
        from floorlead.cli import main as command_line

        command_line()
        return
    config = options.get("--config")
    guarded(lambda: open_floor(options.get("--db"), Path(config) if config else None))
