"""``floorlead report shift|week``: the handover and the weekly team report."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer

from floorlead.cli import DbOption, app, floor_today, settings_of, target_of
from floorlead.errors import FloorleadError

report_app = typer.Typer(
    help="End-of-shift handover and weekly team reports.", pretty_exceptions_enable=False
)
app.add_typer(report_app, name="report")

FormatOption = Annotated[
    str, typer.Option("--format", "-f", help="md (the default), html (one file) or csv.")
]
OutputOption = Annotated[
    Path | None, typer.Option("--output", "-o", help="Write here (default: standard output).")
]


def _emit(text: str, output: Path | None) -> None:
    from floorlead.reports.shift import write_private

    if output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    try:
        written = write_private(output, text)
    except OSError as exc:
        raise FloorleadError(f"Cannot write {output}: {exc.strerror}.") from None
    typer.echo(f"wrote {written}", err=True)


def _format(fmt: str) -> str:
    from floorlead.reports.shift import FORMATS

    if fmt not in FORMATS:
        raise FloorleadError(f"--format {fmt!r} is not one of {', '.join(FORMATS)}.")
    return fmt


@report_app.command("shift")
def report_shift(
    ctx: typer.Context,
    day: Annotated[
        str | None,
        typer.Option("--date", help="The floor day the shift starts on (default: today)."),
    ] = None,
    shift: Annotated[
        str | None,
        typer.Option(
            help="The shift on the floor's clock, such as 07:00-15:30 or 22:00-06:30 "
            "(default: the whole floor day)."
        ),
    ] = None,
    fmt: FormatOption = "md",
    output: OutputOption = None,
    db: DbOption = None,
) -> None:
    """The end-of-shift handover: queues, agents, escalations, timesheets, coaching counts."""
    from floorlead.cli import parse_day
    from floorlead.reports import shift as render
    from floorlead.store.db import open_database
    from floorlead.store.handover import shift_bounds, shift_report

    fmt = _format(fmt)
    settings = settings_of(ctx)
    floor_day = parse_day(day, "--date") if day else floor_today(settings)
    try:
        start, end = shift_bounds(
            floor_day, settings.floor.timezone, shift, settings.floor.day_start
        )
    except ValueError as exc:
        raise FloorleadError(f"{exc}.") from None
    database = open_database(target_of(ctx, db), read_only=True)
    try:
        with database.connect() as conn:
            report = shift_report(conn, settings, floor_day, start, end, datetime.now(UTC))
    finally:
        database.dispose()
    _emit(render.render(report, fmt), output)


def _parse_week(text: str) -> date:
    """``2026-W48`` (ISO 8601 week) to its Monday."""
    try:
        year, week = text.upper().split("-W")
        return date.fromisocalendar(int(year), int(week), 1)
    except ValueError:
        raise FloorleadError(f"--week {text!r} is not an ISO week such as 2026-W48.") from None


@report_app.command("week")
def report_week(
    ctx: typer.Context,
    week: Annotated[
        str | None, typer.Option(help="ISO week such as 2026-W48 (default: this week).")
    ] = None,
    fmt: FormatOption = "md",
    output: OutputOption = None,
    db: DbOption = None,
) -> None:
    """The weekly team report: by day, the week against the week before, scorecards."""
    from floorlead.reports import week as render
    from floorlead.store.db import open_database
    from floorlead.store.week import week_report

    fmt = _format(fmt)
    settings = settings_of(ctx)
    if week:
        monday = _parse_week(week)
    else:
        today = floor_today(settings)
        monday = today - timedelta(days=today.weekday())
    database = open_database(target_of(ctx, db), read_only=True)
    try:
        with database.connect() as conn:
            report = week_report(conn, settings, monday, datetime.now(UTC))
    finally:
        database.dispose()
    _emit(render.render(report, fmt), output)


alerts_app = typer.Typer(help="Alert rules.", pretty_exceptions_enable=False)
app.add_typer(alerts_app, name="alerts")


@alerts_app.command("test")
def alerts_test(
    ctx: typer.Context,
    day: Annotated[
        str | None, typer.Option("--date", help="The floor day to replay (default: today).")
    ] = None,
    every: Annotated[
        int, typer.Option(help="Look at the floor every this many seconds, as the app's tick.")
    ] = 30,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    db: DbOption = None,
) -> None:
    """Which alerts a recorded floor day would have fired, and when, by the rules of the
    settings ([alerts], [thresholds], [escalations])."""
    import json

    from floorlead.cli import parse_day
    from floorlead.domain import when
    from floorlead.domain.alerts import replay
    from floorlead.store import reader
    from floorlead.store.db import open_database
    from floorlead.store.engine import FloorEngine

    if not 1 <= every <= 3600:
        raise FloorleadError("--every must be whole seconds from 1 to 3600.")
    settings = settings_of(ctx)
    f = settings.floor
    floor_day = parse_day(day, "--date") if day else floor_today(settings)
    start, end = when.day_bounds(floor_day, f.timezone, f.day_start)
    stop = min(end, datetime.now(UTC))
    if stop <= start:
        raise FloorleadError(f"The floor day {floor_day} has not started yet.")
    engine = FloorEngine(settings)
    database = open_database(target_of(ctx, db), read_only=True)
    try:
        with database.connect() as conn:
            raw, d = reader.driver_of(conn)
            records, _open = reader.escalation_records(raw, d, start)
            escalations = reader.escalation_list(records, reader.agent_names(raw), stop)

            def boards() -> Iterator[tuple[datetime, Any]]:
                at = start
                while at <= stop:
                    yield at, engine.board(raw, d, at).queues
                    at += timedelta(seconds=every)

            fired = replay(boards(), escalations, settings)
    finally:
        database.dispose()
    unreplayed = (
        "The stale-feed rule is not replayed: the floor keeps only each feed's last report."
        if "stale_feed" in settings.alerts.events
        else ""
    )
    if as_json:
        doc = {
            "day": floor_day.isoformat(),
            "rules": list(settings.alerts.events),
            "every_s": every,
            "alerts": [
                {"at": when.iso_utc(a.at), "kind": a.kind, "about": a.key, "text": a.text}
                for a in fired
            ],
        }
        typer.echo(json.dumps(doc, indent=2, ensure_ascii=False))
        return
    rules = ", ".join(settings.alerts.events) or "none switched on"
    typer.echo(
        f"Alerts on {floor_day:%a %d %b %Y} by the rules in force ({rules}), "
        f"the floor looked at every {every} s:"
    )
    for a in fired:
        typer.echo(f"  {when.local(a.at, f.timezone):%H:%M:%S}  {a.kind:<12}  {a.text}")
    typer.echo(f"{len(fired)} alert{'' if len(fired) == 1 else 's'}. {unreplayed}".rstrip())
