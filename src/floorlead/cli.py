"""The command line: the TUI by default; demo, simulate, ingest and db."""

from __future__ import annotations

import gc
import logging
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from floorlead import __version__
from floorlead.errors import FloorleadError
from floorlead.launch import guarded, open_floor, run_tui
from floorlead.stopping import stops_like_ctrl_c

log = logging.getLogger("floorlead.cli")

app = typer.Typer(
    name="floorlead",
    help="A keyboard-driven terminal for contact-center floor supervisors.",
    no_args_is_help=False,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
db_app = typer.Typer(
    help="Create, upgrade and check the floor database.", pretty_exceptions_enable=False
)
app.add_typer(db_app, name="db")

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Database file or SQLAlchemy URL (default: FLOORLEAD_DB, the "
        "settings file, then the platform data folder).",
    ),
]
ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config", help="Settings file (default: FLOORLEAD_CONFIG or the platform config folder)."
    ),
]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"floorlead {__version__}")
        raise typer.Exit()


def _state(ctx: typer.Context) -> dict[str, Any]:
    ctx.ensure_object(dict)
    root = ctx.find_root()
    root.ensure_object(dict)
    return root.obj  # type: ignore[no-any-return]


def settings_of(ctx: typer.Context) -> Any:
    from floorlead.config import load_settings

    return load_settings(_state(ctx).get("config"))


def target_of(ctx: typer.Context, db: str | None) -> Any:
    from floorlead.store.db import resolve_target

    settings = settings_of(ctx)
    return resolve_target(db or _state(ctx).get("db"), settings.database_url)


@app.callback(invoke_without_command=True)
def root(
    ctx: typer.Context,
    db: DbOption = None,
    config: ConfigOption = None,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Open the floor (the TUI) when no command is given."""
    state = _state(ctx)
    state["db"] = db
    state["config"] = config
    if ctx.invoked_subcommand is None:
        open_floor(db, config)


@app.command()
def demo(
    ctx: typer.Context,
    agents: Annotated[int, typer.Option(min=1, max=1000, help="Agents on the floor.")] = 18,
    queues: Annotated[int, typer.Option(min=3, max=40, help="Queues on the floor.")] = 5,
    seed: Annotated[int, typer.Option(help="Same seed, same floor.")] = 1,
    speed: Annotated[
        float, typer.Option(min=0.1, max=3600, help="Simulated seconds per real second.")
    ] = 1.0,
    history: Annotated[int, typer.Option(min=0, max=90, help="Past days to backfill.")] = 0,
) -> None:
    """Open the TUI on a live simulated floor, in its own fresh database (never yours, and
    never another demo's: each demo has its own file)."""
    from floorlead.demo_floor import DemoFloor
    from floorlead.feeds.live import LiveSimulation, SimClock, backfill
    from floorlead.feeds.simulator import FloorSimulator, simulation_begin
    from floorlead.store.db import open_database, resolve_target

    settings = settings_of(ctx)
    floor = DemoFloor()
    path = floor.path
    database = open_database(resolve_target(str(path)))
    now = datetime.now(UTC)
    tz = settings.floor.timezone
    sim = FloorSimulator(
        start=simulation_begin(now, tz, history),
        timezone=tz,
        seed=seed,
        agents=agents,
        queues=queues,
    )
    typer.echo(
        f"Building the demo floor in {path} … (watch it from another window with "
        f"floorlead --db {path})",
        err=True,
    )
    backfill(database, sim, now)
    clock = SimClock(now, speed)
    runner = LiveSimulation(
        database, sim, clock, on_error=lambda exc: log.warning("simulator: %s", exc)
    )
    runner.start()
    try:
        run_tui(database, settings, clock=clock, demo=True)
    finally:
        runner.stop()
        runner.join(timeout=5)
        floor.release()
    typer.echo(f"The demo floor was {path}.", err=True)


@app.command()
@stops_like_ctrl_c
def simulate(
    ctx: typer.Context,
    db: DbOption = None,
    agents: Annotated[int, typer.Option(min=1, max=1000, help="Agents on the floor.")] = 18,
    queues: Annotated[int, typer.Option(min=3, max=40, help="Queues on the floor.")] = 5,
    speed: Annotated[
        float, typer.Option(min=0.1, max=3600, help="Simulated seconds per real second.")
    ] = 1.0,
    seed: Annotated[int, typer.Option(help="Same seed, same floor.")] = 1,
    history: Annotated[int, typer.Option(min=0, max=90, help="Past days to backfill.")] = 0,
    duration: Annotated[
        float | None,
        typer.Option(help="Stop after this many real seconds (default: run until ctrl+c)."),
    ] = None,
) -> None:
    """Run the simulated floor headless into a database another floorlead may be watching.

    The past (HISTORY days and the shift's first two hours) is written at once; then the
    floor moves with the clock, SPEED times as fast (above 1, event times run ahead of the
    wall clock, which only a floorlead started with the same clock would show).
    """
    from floorlead.feeds.live import SimClock, backfill, store_events
    from floorlead.feeds.simulator import FloorSimulator, simulation_begin
    from floorlead.store.db import open_database

    settings = settings_of(ctx)
    database = open_database(target_of(ctx, db))
    tz = settings.floor.timezone
    now = datetime.now(UTC)
    sim = FloorSimulator(
        start=simulation_begin(now, tz, history),
        timezone=tz,
        seed=seed,
        agents=agents,
        queues=queues,
    )
    written = backfill(database, sim, now)
    typer.echo(
        f"Backfilled {written} events into {database.target.describe()}; "
        "the floor is live (ctrl+c stops).",
        err=True,
    )
    clock = SimClock(now, speed)
    started = time.monotonic()
    pending: list[Any] = []
    try:
        while duration is None or time.monotonic() - started < duration:
            pending += sim.advance(clock())
            try:
                written += store_events(database, pending)
                pending = []
            except FloorleadError as exc:
                typer.echo(f"floorlead: {exc} (will retry)", err=True)
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        database.dispose()
    typer.echo(f"Wrote {written} events.", err=True)


def _parse_at(text: str, tz: str) -> datetime:
    """An instant for --at: ISO 8601 with an offset, or a local time on the floor's clock."""
    try:
        given: datetime | None = datetime.fromisoformat(text)
    except ValueError:
        given = None
    if given is not None and given.tzinfo is not None:  # no floor clock needed: no pendulum
        return given.astimezone(UTC)
    import pendulum

    try:
        parsed = pendulum.parse(text, tz=tz)
    except (ValueError, pendulum.parsing.exceptions.ParserError):
        raise FloorleadError(
            f"--at {text!r} is not a time; use ISO 8601 such as 2026-11-23T14:30 or "
            "2026-11-23T19:30Z."
        ) from None
    if not isinstance(parsed, pendulum.DateTime):
        raise FloorleadError(f"--at {text!r} is not a date and time.")
    return datetime.fromtimestamp(parsed.timestamp(), tz=UTC)


@app.command()
@stops_like_ctrl_c
def snapshot(
    ctx: typer.Context,
    db: DbOption = None,
    at: Annotated[
        str | None,
        typer.Option(
            help="The instant to show (ISO 8601; without an offset, the floor's clock). "
            "Default: now."
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print JSON (the only format for now).")
    ] = True,
    watch: Annotated[
        bool,
        typer.Option(
            "--watch",
            help="Keep watching: one JSON document a line each time the floor changes "
            "(ctrl+c stops).",
        ),
    ] = False,
    every: Annotated[
        float | None,
        typer.Option(min=0.1, help="With --watch, also print every SECONDS when nothing changed."),
    ] = None,
    count: Annotated[
        int | None, typer.Option(min=1, help="With --watch, stop after this many documents.")
    ] = None,
) -> None:
    """Print the floor as the board shows it at an instant, as JSON (reading only: the
    floor is never written)."""
    from floorlead.reports.snapshot import snapshot_json, snapshot_line
    from floorlead.store.engine import FloorEngine

    del as_json
    settings = settings_of(ctx)
    if watch and at:
        raise FloorleadError("--watch follows the clock; leave --at out.")
    if not watch and (every is not None or count is not None):
        raise FloorleadError("--every and --count go with --watch.")
    engine = FloorEngine(settings)
    with _FloorReads(db or _state(ctx).get("db"), settings) as reads:
        if not watch:
            when_at = _parse_at(at, settings.floor.timezone) if at else datetime.now(UTC)
            # Reading a day makes a few hundred thousand short-lived objects, none in a cycle:
            # the cycle collector would only rescan them (a tenth of the run, measured).
            gc.disable()
            try:
                with reads.read() as (conn, d):
                    board = engine.board(conn, d, when_at)
            finally:
                gc.enable()
            typer.echo(snapshot_json(board))
            return
        printed, forced_at = 0, time.monotonic()
        try:
            while count is None or printed < count:
                force = every is not None and time.monotonic() - forced_at >= every
                with reads.read() as (conn, d):
                    snap = engine.refresh(conn, d, datetime.now(UTC), force, complete=False)
                if snap is not None:
                    typer.echo(snapshot_line(snap))
                    printed += 1
                    forced_at = time.monotonic()
                time.sleep(min(every or _WATCH_POLL_S, _WATCH_POLL_S))
        except KeyboardInterrupt:
            pass


#: How often ``snapshot --watch`` asks the floor what moved.
_WATCH_POLL_S = 0.5


class _FloorReads:
    """Read transactions on the floor for ``snapshot``: a current SQLite file through
    ``sqlite3`` alone, opened read-only (no SQLAlchemy to import); anything else (a server,
    an older schema, a file that is not a floor) through ``store.db``, read-only too, which
    says what is wrong."""

    def __init__(self, db: str | None, settings: Any) -> None:
        self.value, self.settings = db, settings
        self.file: Any = None
        self.database: Any = None

    def __enter__(self) -> _FloorReads:
        from floorlead.store import reader
        from floorlead.store.sqlite import database_value, file_of

        path = file_of(database_value(self.value, self.settings.database_url))
        if path is not None:
            try:
                self.file = reader.open_file(path)
                self.file.execute("ROLLBACK")  # each read() is its own transaction
                return self
            except reader.NotReady:
                pass
        from floorlead.store.db import open_database, resolve_target

        target = resolve_target(self.value, self.settings.database_url)
        self.database = open_database(target, read_only=True)
        return self

    @contextmanager
    def read(self) -> Iterator[tuple[Any, Any]]:
        """The driver's connection inside one read transaction, and its reader dialect."""
        from floorlead.store import reader

        if self.file is not None:
            try:
                self.file.execute("BEGIN")
                try:
                    yield self.file, reader.SQLITE
                finally:
                    self.file.execute("ROLLBACK")
            except sqlite3.Error as exc:
                from floorlead.store.db import explain_operational_error, resolve_target

                target = resolve_target(self.value, self.settings.database_url)
                raise explain_operational_error(exc, target) from None
            return
        with self.database.connect() as conn:
            yield reader.driver_of(conn)

    def __exit__(self, *exc: object) -> None:
        if self.file is not None:
            self.file.close()
        if self.database is not None:
            self.database.dispose()


@app.command()
def staffing(
    volume: Annotated[float, typer.Option(help="Contacts expected in the interval.")],
    aht: Annotated[float, typer.Option(help="Average handle time in seconds.")],
    interval: Annotated[float, typer.Option(help="Interval length in minutes.")] = 30,
    target: Annotated[str, typer.Option(help="Service-level target, e.g. 80/20.")] = "80/20",
    max_occupancy: Annotated[
        float | None, typer.Option(help="Highest acceptable occupancy, a fraction.")
    ] = None,
    shrinkage: Annotated[
        float, typer.Option(help="Fraction of paid time off the phones (breaks, training...).")
    ] = 0.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Agents needed (Erlang C) for a volume, AHT and service-level target."""
    import json

    from floorlead.domain import erlang
    from floorlead.domain.events import EventError, SlTarget

    try:
        goal = SlTarget.parse(target)
        erlangs = erlang.traffic(volume, aht, interval * 60)
        needed = erlang.agents_needed(
            erlangs,
            aht,
            target_percent=goal.percent,
            target_s=goal.seconds,
            max_occupancy=max_occupancy,
        )
        scheduled = erlang.with_shrinkage(needed.agents, shrinkage)
    except (EventError, erlang.StaffingError) as exc:
        message = str(exc)
        raise FloorleadError(message[0].upper() + message[1:].rstrip(".") + ".") from None
    rows = [
        erlang.evaluate(n, erlangs, aht, goal.seconds)
        for n in (needed.agents - 1, needed.agents, needed.agents + 1)
        if n > 0
    ]

    def figures(s: erlang.Staffing) -> dict[str, Any]:
        finite = s.agents > s.traffic_erlangs
        return {
            "agents": s.agents,
            "service_level": round(s.service_level, 6),
            "asa_s": round(s.asa_s, 3) if finite else None,
            "p_wait": round(s.p_wait, 6),
            "occupancy": round(s.occupancy, 6),
        }

    if as_json:
        out = {
            "volume": volume,
            "aht_s": aht,
            "interval_min": interval,
            "target": str(goal),
            "max_occupancy": max_occupancy,
            "shrinkage": shrinkage,
            "traffic_erlangs": round(erlangs, 6),
            "agents_needed": needed.agents,
            "agents_scheduled": scheduled,
            "needed": figures(needed),
            "one_fewer": figures(rows[0]) if rows[0].agents < needed.agents else None,
            "one_more": figures(rows[-1]),
        }
        typer.echo(json.dumps(out, indent=2))
        return
    typer.echo(
        f"Traffic {erlangs:.2f} Erlangs ({volume:g} contacts in {interval:g} min, "
        f"AHT {aht:g} s); target {goal.percent}% within {goal.seconds} s"
        + (f", occupancy at most {max_occupancy:.0%}" if max_occupancy else "")
    )
    typer.echo(
        f"Agents needed: {needed.agents} on the phones"
        + (f"; schedule {scheduled} with {shrinkage:.0%} shrinkage" if shrinkage else "")
    )
    typer.echo(f"{'agents':>8} {'SL':>8} {'ASA':>9} {'P(wait)':>8} {'occupancy':>10}")
    for s in rows:
        asa = f"{s.asa_s:.1f} s" if s.agents > s.traffic_erlangs else "unbounded"
        mark = "  ← needed" if s.agents == needed.agents else ""
        typer.echo(
            f"{s.agents:>8} {s.service_level:>8.1%} {asa:>9} {s.p_wait:>8.1%} "
            f"{s.occupancy:>10.1%}{mark}"
        )


def floor_today(settings: Any) -> Any:
    """Today on the floor's clock (its zone and day start)."""
    from floorlead.domain import when

    f = settings.floor
    return when.floor_date(datetime.now(UTC), f.timezone, f.day_start)


def parse_day(text: str, option: str) -> Any:
    from datetime import date

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise FloorleadError(f"{option} {text!r} is not a date like 2026-11-23.") from None


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context, db: DbOption = None) -> None:
    """Create the database, or bring it to the current version."""
    from floorlead.store.db import head_revision, open_database

    database = open_database(target_of(ctx, db))
    database.dispose()
    typer.echo(f"{database.target.describe()} is at the current version ({head_revision()}).")


@db_app.command("check")
def db_check(ctx: typer.Context, db: DbOption = None) -> None:
    """Say whether the database exists, is floorlead's and is current; change nothing."""
    from floorlead.store.db import check_database

    result = check_database(target_of(ctx, db))
    typer.echo(result.message)
    if not result.ok:
        raise typer.Exit(1)


@db_app.command("path")
def db_path(ctx: typer.Context, db: DbOption = None) -> None:
    """Print where the floor database is, and the demos running now."""
    from floorlead.demo_floor import running_demos

    typer.echo(target_of(ctx, db).describe())
    for demo_db in running_demos():
        typer.echo(f"A demo is running on {demo_db} (floorlead --db {demo_db}).")


# The feed, report and record commands live in their own modules and register on ``app``
# when imported.
from floorlead import cli_coverage, cli_feeds, cli_records, cli_reports  # noqa: E402,F401


def main() -> None:
    """The full command line (``floorlead.launch`` opens the floor without it)."""
    guarded(app)  # standalone: click reports usage errors and sets the exit code itself
