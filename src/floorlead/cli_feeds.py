"""The feed commands: ``ingest`` (files, pipes, followed files) and ``feed ami|taskrouter``."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

from floorlead.cli import DbOption, app, settings_of, target_of
from floorlead.errors import FloorleadError
from floorlead.stopping import stops_like_ctrl_c

FORMATS = (
    "jsonl",
    "ami",
    "connect-ctr",
    "connect-agent",
    "taskrouter",
    "csv-roster",
    "csv-schedule",
    "csv-punches",
)
FOLLOWABLE = ("jsonl", "ami", "taskrouter")

feed_app = typer.Typer(
    help="Live sources: an Asterisk manager interface or a TaskRouter webhook.",
    pretty_exceptions_enable=False,
)
app.add_typer(feed_app, name="feed")

DurationOption = Annotated[
    float | None,
    typer.Option(help="Stop after this many seconds (default: run until ctrl+c).", min=0.1),
]


def adapter(fmt: str, settings: Any) -> tuple[Callable[[Iterable[str | None]], Iterator[Any]], Any]:
    """The adapter for ``fmt`` — lines in, records out (``None`` passed through when idle) —
    and its count of event names read and left out (empty for formats that leave none out)."""
    from collections import Counter

    from floorlead.feeds import jsonl

    states = settings.feeds.states
    if fmt == "jsonl":
        return jsonl.records, Counter()
    if fmt in ("ami", "taskrouter"):
        from floorlead.feeds.ami import AmiTranslator
        from floorlead.feeds.taskrouter import TaskRouterTranslator

        live = AmiTranslator(states) if fmt == "ami" else TaskRouterTranslator(states)
        return live.records, live.left_out

    def text(lines: Iterable[str | None]) -> Iterator[str]:
        return (line for line in lines if line is not None)

    if fmt.startswith("connect-"):
        from floorlead.feeds.connect import ConnectTranslator

        kind = "ctr" if fmt == "connect-ctr" else "agent"
        connect = ConnectTranslator(states)
        return (lambda lines: connect.records(text(lines), kind)), Counter()
    from floorlead.feeds.csvfiles import CsvTranslator

    kind = fmt.removeprefix("csv-")
    csv = CsvTranslator(kind, settings.feeds.csv[kind], settings.floor.timezone)
    return (lambda lines: csv.records(text(lines))), Counter()


def _open_run(
    ctx: typer.Context, db: str | None, source: str, live: str | None = None
) -> tuple[Any, Any, Any]:
    """The feed's run; a ``live`` one (named by where it reads) reports itself to the floor."""
    from floorlead.domain.events import SlTarget
    from floorlead.feeds.pipeline import Beacon, FeedRun, tune_for_bulk
    from floorlead.store.db import open_database

    settings = settings_of(ctx)
    database = open_database(target_of(ctx, db))
    run = FeedRun(
        database,
        source,
        window_s=settings.feeds.reorder_window_s,
        default_sl=SlTarget.parse(settings.metrics.default_sl_target),
        beacon=Beacon(database, source, live) if live else None,
    )
    tune_for_bulk()
    return settings, database, run


def _report(run: Any, shown: int = 10) -> None:
    items = run.quarantine.items
    for number, reason in items[:shown]:
        typer.echo(f"line {number}: {reason}", err=True)
    if len(items) > shown:
        typer.echo(f"… and {len(items) - shown} more in the quarantine file", err=True)
    typer.echo(run.summary())


@app.command()
@stops_like_ctrl_c
def ingest(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(help="A file to read, or - for standard input.")],
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            "-f",
            help=f"What the file holds: {', '.join(FORMATS)}.",
        ),
    ] = "jsonl",
    follow: Annotated[
        bool,
        typer.Option(
            "--follow",
            help="Keep reading as the file grows (like tail -F) until ctrl+c; "
            "jsonl, ami and taskrouter.",
        ),
    ] = False,
    db: DbOption = None,
) -> None:
    """Read events into the database; unreadable lines go to a quarantine file, not in the way.

    Ends with one line: read, applied, duplicates skipped, quarantined (and where). Exits 1
    when anything was quarantined.
    """
    from floorlead.feeds.sources import follow_lines, text_lines

    if fmt not in FORMATS:
        raise FloorleadError(f"--format {fmt!r} is not one of {', '.join(FORMATS)}.")
    if follow and (source == "-" or fmt not in FOLLOWABLE):
        raise FloorleadError(
            f"--follow reads a named file of {', '.join(FOLLOWABLE)}; a pipe is followed anyway."
        )
    path = Path(source)
    if source != "-" and not path.is_file():
        raise FloorleadError(f"Cannot read {path}: there is no such file.")
    settings, database, run = _open_run(ctx, db, fmt, str(path) if follow else None)
    stop = threading.Event()
    handle = None
    try:
        lines: Iterable[str | None]
        if follow:
            lines = follow_lines(path, stop)
        elif source == "-":
            lines = text_lines(sys.stdin.buffer)
        else:
            try:
                handle = path.open("rb")
            except OSError as exc:
                raise FloorleadError(f"Cannot read {path}: {exc.strerror}.") from None
            lines = text_lines(handle)
        try:
            records, _left_out = adapter(fmt, settings)
            stamp = line_ids(path) if source != "-" else (lambda record: record)
            for record in map(stamp, records(lines)):
                if record is None:
                    run.idle()
                else:
                    run.add(record)
        except KeyboardInterrupt:
            stop.set()  # what was read is still applied below
        run.finish()
    finally:
        if handle is not None:
            handle.close()
        database.dispose()
        _report(run)  # also when the run failed mid-way: what was read and applied so far
    _exit_if_quarantined(run)


def line_ids(path: Path) -> Callable[[Any], Any]:
    """Give every event read from ``path`` that has no id one made of the file (device and
    inode), the line and what the event says: reading the file again — ``ingest --follow``
    restarted after a crash, or the same file ingested twice — applies nothing twice."""
    import hashlib
    from dataclasses import replace

    info = path.stat()
    prefix = f"file:{info.st_dev:x}:{info.st_ino:x}"

    def stamp(record: Any) -> Any:
        if record is None or not record.events or all(e.id for e in record.events):
            return record
        events = [
            e
            if e.id
            else replace(
                e,
                id=f"{prefix}:{record.number}:"
                + hashlib.blake2b(repr(e).encode(), digest_size=10).hexdigest(),
            )
            for e in record.events
        ]
        return replace(record, events=events)

    return stamp


def _exit_if_quarantined(run: Any) -> None:
    """Every feed command exits 1 when it quarantined anything (a script must notice)."""
    if run.counts.quarantined:
        raise typer.Exit(1)


def _read_secret(path: Path) -> str:
    try:
        secret = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise FloorleadError(f"Cannot read the secret file {path}: {exc.strerror}.") from None
    except UnicodeDecodeError:  # its message would quote a byte of the secret
        raise FloorleadError(f"The secret file {path} is not UTF-8 text.") from None
    if not secret:
        raise FloorleadError(f"The secret file {path} is empty.")
    return secret


@feed_app.command("check")
def feed_check(
    ctx: typer.Context,
    source: Annotated[Path, typer.Argument(help="The file to check.")],
    fmt: Annotated[
        str, typer.Option("--format", "-f", help=f"What the file holds: {', '.join(FORMATS)}.")
    ] = "jsonl",
    as_json: Annotated[bool, typer.Option("--json", help="One JSON document.")] = False,
) -> None:
    """Say what a file would give the floor, without changing anything.

    Agents, queues and memberships, states, contacts (answered, abandoned, still open), event
    names read and left out, records that would be quarantined, and warnings where the board
    would mislead. Exits 1 when there is a warning.
    """
    import json

    from floorlead.feeds.check import check_feed, render
    from floorlead.feeds.sources import text_lines

    if fmt not in FORMATS:
        raise FloorleadError(f"--format {fmt!r} is not one of {', '.join(FORMATS)}.")
    settings = settings_of(ctx)
    try:
        handle = source.open("rb")
    except OSError as exc:
        raise FloorleadError(f"Cannot read {source}: {exc.strerror}.") from None
    with handle:
        records, left_out = adapter(fmt, settings)
        doc = check_feed(fmt, records(text_lines(handle)), left_out).document(str(source))
    typer.echo(json.dumps(doc, indent=2) if as_json else render(doc))
    if doc["warnings"]:
        raise typer.Exit(1)


@feed_app.command("ami")
@stops_like_ctrl_c
def feed_ami(
    ctx: typer.Context,
    user: Annotated[str, typer.Option("--user", help="The manager user (manager.conf).")],
    secret_file: Annotated[
        Path, typer.Option("--secret-file", help="A file holding the user's secret.")
    ],
    host: Annotated[str, typer.Option(help="The Asterisk host.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="The manager port.", min=1, max=65535)] = 5038,
    duration: DurationOption = None,
    db: DbOption = None,
) -> None:
    """Follow an Asterisk manager interface live; reconnects with backoff when it drops."""
    from floorlead.feeds.ami import AmiConnection, AmiTranslator, follow_manager, stamp_now

    secret = _read_secret(secret_file)
    settings, database, run = _open_run(ctx, db, "ami", f"{host}:{port}")
    translator = AmiTranslator(settings.feeds.states, clock=stamp_now)
    stop = threading.Event()
    timer = threading.Timer(duration, stop.set) if duration else None
    if timer:
        timer.daemon = True
        timer.start()

    def deliver(item: Any) -> None:
        if item is None:
            run.idle()
        else:
            run.add(item)

    try:
        follow_manager(
            lambda: AmiConnection(host, port, user, secret),
            translator,
            deliver,
            stop,
            say=lambda text: typer.echo(text, err=True),
            on_status=run.status,
        )
    except KeyboardInterrupt:
        stop.set()
    finally:
        try:
            run.finish()
        finally:
            database.dispose()
            _report(run)
    _exit_if_quarantined(run)


@feed_app.command("taskrouter")
@stops_like_ctrl_c
def feed_taskrouter(
    ctx: typer.Context,
    port: Annotated[int, typer.Option(help="The port to listen on (0: any free one).")] = 8085,
    host: Annotated[
        str, typer.Option(help="The address to listen on; keep 127.0.0.1 behind a proxy.")
    ] = "127.0.0.1",
    auth_token_file: Annotated[
        Path | None,
        typer.Option(
            "--auth-token-file",
            help="A file holding the Twilio account's auth token: callbacks without its valid "
            "X-Twilio-Signature are refused (403). Needs --public-url.",
        ),
    ] = None,
    public_url: Annotated[
        str | None,
        typer.Option(
            "--public-url",
            help="The Workspace's EventCallbackUrl exactly as configured in Twilio (what the "
            "signature covers; behind a proxy it is not this endpoint's own address).",
        ),
    ] = None,
    duration: DurationOption = None,
    db: DbOption = None,
) -> None:
    """Receive TaskRouter event callbacks on a local HTTP endpoint until ctrl+c."""
    from floorlead.feeds.taskrouter import TaskRouterTranslator, WebhookAuth, make_server

    auth = None
    if (auth_token_file is None) != (public_url is None):
        raise FloorleadError(
            "--auth-token-file and --public-url go together: the signature covers the URL "
            "Twilio calls."
        )
    if auth_token_file is not None and public_url is not None:
        if not public_url.startswith(("https://", "http://")):
            raise FloorleadError(f"--public-url {public_url!r} is not an http(s) URL.")
        auth = WebhookAuth(_read_secret(auth_token_file), public_url)
    from floorlead.feeds.pipeline import feed_folder
    from floorlead.feeds.spool import Spool

    settings, database, run = _open_run(ctx, db, "taskrouter", f"{host}:{port}")
    lock = threading.Lock()
    translator = TaskRouterTranslator(settings.feeds.states)
    where = feed_folder(database) / "spool" / f"taskrouter-{host}-{port}.jsonl"
    try:
        spool = Spool(where)
    except OSError as exc:
        database.dispose()
        raise FloorleadError(f"Cannot keep callbacks in {where}: {exc.strerror}.") from None
    waiting = spool.waiting()
    if waiting:
        typer.echo(f"{len(waiting)} callbacks acknowledged by the last run read again", err=True)
    for number, body in enumerate(waiting, 1):  # ids make what was stored a duplicate
        for record in translator.records_of(-number, body):
            run.add(record)

    def deliver(record: Any) -> None:
        run.add(record)  # the server calls this holding ``lock``

    try:
        server = make_server(host, port, translator, deliver, auth, keep=spool.keep, lock=lock)
    except OSError as exc:
        database.dispose()
        raise FloorleadError(f"Cannot listen on {host}:{port}: {exc.strerror}.") from None
    thread = threading.Thread(target=server.serve_forever, name="taskrouter", daemon=True)
    thread.start()
    address = f"http://{host}:{server.server_port}/"
    checked = "signed by Twilio only" if auth else "unsigned accepted: keep it on 127.0.0.1"
    typer.echo(
        f"listening on {address} for TaskRouter event callbacks ({checked}); ctrl+c stops",
        err=True,
    )
    stop = threading.Event()
    if duration:
        timer = threading.Timer(duration, stop.set)
        timer.daemon = True
        timer.start()
    try:
        while not stop.wait(0.2):
            with lock:
                run.idle()
                if run.settled:
                    spool.empty()
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
        server.server_close()
        try:
            with lock:
                run.finish()
                spool.empty()
        finally:
            spool.close()
            database.dispose()
            _report(run)
    _exit_if_quarantined(run)
