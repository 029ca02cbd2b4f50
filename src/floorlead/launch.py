"""The ``floorlead`` command's entry point.

Opening the floor (no command, perhaps ``--db``/``--config``) is what a supervisor does every
shift, so it starts the TUI without loading the command-line parser: Typer and Click take a
third of a second to import on a slow machine, before the first paint. Every other use goes to
``floorlead.cli``; both share :func:`guarded`, so errors read the same either way.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from floorlead.errors import FloorleadError

if TYPE_CHECKING:
    import logging
_FLOOR_OPTIONS = ("--db", "--config")


def floor_options(
    args: list[str], options: tuple[str, ...] = _FLOOR_OPTIONS, flags: tuple[str, ...] = ()
) -> dict[str, str] | None:
    """``options`` (by default ``--db``/``--config``) and their values, and ``flags``, when
    they are all there is, else None (a command, help, a misspelt option: the full parser
    answers those)."""
    found: dict[str, str] = {}
    rest = list(args)
    while rest:
        word = rest.pop(0)
        if word in flags and word not in found:
            found[word] = ""
            continue
        name, has_value, value = word.partition("=")
        if name not in options or name in found:
            return None
        if not has_value:
            if not rest or rest[0].startswith("-"):
                return None
            value = rest.pop(0)
        if not value:
            return None
        found[name] = value
    return found


def guarded(run: Callable[[], Any], *, log_first: bool = True) -> None:
    """Run ``run``; errors the user can fix are one sentence on stderr, never a traceback.
    ``log_first=False`` sets the log file up only when there is something to write to it
    (the quick ``snapshot --json`` writes nothing when all goes well, and need not even load
    ``logging``)."""
    if log_first:
        _log()
    try:
        run()
    except FloorleadError as exc:
        _log(ready=log_first).warning("%s", exc)
        print(f"floorlead: {exc}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:  # the last net: a sentence on screen, the traceback in the log
        from floorlead.logs import log_path

        _log(ready=log_first).exception("unexpected error")
        print(f"floorlead: unexpected error: {exc} (details in {log_path()}).", file=sys.stderr)
        sys.exit(70)


def _log(ready: bool = False) -> logging.Logger:
    """The command line's logger, its log file set up first unless ``ready`` (set up already)."""
    import logging

    from floorlead.logs import setup_logging

    if not ready:
        setup_logging()
    return logging.getLogger("floorlead.cli")


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
    if app.return_code:  # Textual showed the traceback; a script must see the failure too
        raise SystemExit(app.return_code)


def open_floor(db: str | None, config: Path | None) -> None:
    """The TUI on the floor's database; the database opens in a worker after the first paint,
    and on a SQLite floor the engine shows the board's figures before that, read through
    ``sqlite3`` alone (``store.engine.file_board``)."""
    from floorlead.config import load_settings

    settings = load_settings(config)

    def database() -> Any:
        from floorlead.store.db import open_database, resolve_target

        return open_database(resolve_target(db, settings.database_url))

    def board(engine: Any, now: datetime) -> Any:
        """The board read by the floor's engine through the sqlite3 driver alone, shown
        while SQLAlchemy loads (the engine keeps the rows for the first full read)."""
        from floorlead.store.engine import file_board
        from floorlead.store.sqlite import database_value, file_of

        path = file_of(database_value(db, settings.database_url))
        return None if path is None else file_board(engine, path, now)

    def busy() -> str | None:
        from floorlead.store.db import busy_reason, resolve_target

        return busy_reason(resolve_target(db, settings.database_url))

    run_tui(database, settings, preview=board, busy=busy)


def main() -> None:
    """The command line: the TUI at once when only ``--db``/``--config`` are given, else the
    full parser (``floorlead.cli``)."""
    args = sys.argv[1:]
    options = floor_options(args)
    if options is None:
        from floorlead.cli import main as command_line

        command_line()
        return
    config = options.get("--config")
    guarded(lambda: open_floor(options.get("--db"), Path(config) if config else None))


def run() -> None:
    """The ``floorlead`` command."""
    main()
