"""The ``floorlead`` command's entry point.

Opening the floor (no command, perhaps ``--db``/``--config``) is what a supervisor does every
shift, so it starts the TUI without loading the command-line parser: Typer and Click take a
third of a second to import on a slow machine, before the first paint. ``snapshot --json`` is
what scripts run every few seconds, so on a SQLite floor it is answered here too, through the
sqlite3 driver alone (``store.plain``). Every other use, and anything the quick paths are not
sure of (an unknown option, ``--at`` without an offset, a database URL, an older schema), goes
to ``floorlead.cli``. Both share :func:`guarded`, so errors read the same either way.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

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
    and on a SQLite floor the board's figures are shown before that (``store.plain``)."""
    from floorlead.config import load_settings

    settings = load_settings(config)

    def database() -> Any:
        from floorlead.store.db import open_database, resolve_target

        return open_database(resolve_target(db, settings.database_url))

    def board(now: datetime) -> Any:
        """The board through the sqlite3 driver alone, shown while SQLAlchemy loads."""
        from floorlead.store import plain

        return plain.board_of(db, settings, now)

    def busy() -> str | None:
        from floorlead.store.db import busy_reason, resolve_target

        return busy_reason(resolve_target(db, settings.database_url))

    run_tui(database, settings, preview=board, busy=busy)


def snapshot_options(args: list[str]) -> dict[str, str] | None:
    """The options of ``[--db F] [--config F] snapshot [--json] [--at T] [--db F]``, when
    that is all there is (``--db`` once), else None."""
    if args.count("snapshot") != 1:
        return None
    split = args.index("snapshot")
    before = floor_options(args[:split])
    after = floor_options(args[split + 1 :], ("--db", "--at"), ("--json",))
    if before is None or after is None or ("--db" in before and "--db" in after):
        return None
    return before | after


def quick_snapshot(options: dict[str, str]) -> bool:
    """Print ``snapshot --json`` through ``store.plain``; False (nothing printed) when the
    full path must answer instead."""
    from floorlead.config import load_settings
    from floorlead.reports.snapshot import snapshot_json
    from floorlead.store import plain

    now = datetime.now(UTC)
    if "--at" in options:
        try:
            now = datetime.fromisoformat(options["--at"])
        except ValueError:
            return False
        if now.tzinfo is None:  # the floor's clock: pendulum's reading, on the full path
            return False
        now = now.astimezone(UTC)
    config = options.get("--config")
    settings = load_settings(Path(config) if config else None)
    snap = _without_cycle_collection(plain.board_of, options.get("--db"), settings, now)
    if snap is None:
        return False
    print(snapshot_json(snap))
    return True


def _without_cycle_collection(call: Callable[..., Any], *args: Any) -> Any:
    """``call(*args)`` with the cycle collector off. Reading a day makes a few hundred
    thousand short-lived objects, none in a reference cycle: the collector would only rescan
    them, a quarter of a quick snapshot's run. Reference counting still frees everything."""
    import gc

    gc.disable()
    try:
        return call(*args)
    finally:
        gc.enable()


def main() -> bool:
    """The command line; True when the quick ``snapshot --json`` path answered."""
    args = sys.argv[1:]
    quick = snapshot_options(args)
    if quick is not None:
        done = False

        def attempt() -> None:
            nonlocal done
            done = quick_snapshot(quick)

        guarded(attempt, log_first=False)
        if done:
            return True
    options = floor_options(args)
    if options is None:
        from floorlead.cli import main as command_line

        command_line()
        return False
    config = options.get("--config")
    guarded(lambda: open_floor(options.get("--db"), Path(config) if config else None))
    return False


def run() -> None:
    """The ``floorlead`` command: :func:`main`, and after a quick snapshot :func:`leave`."""
    if main():
        leave()


def leave() -> NoReturn:
    """End the process without tearing the interpreter down. A quick snapshot has printed
    its answer and closed the floor's file; what is left is freeing the day's objects one by
    one and unloading every module: 18 ms of a 170 ms run, measured. Nothing else is waiting
    for the exit (logging was never set up on that path), so flush and go."""
    import os

    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:  # the reader went away (``| head``): nothing more can be said
        os._exit(1)
    os._exit(0)
