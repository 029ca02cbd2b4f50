"""``floorlead coverage`` (what the Coverage screen shows) and ``floorlead forecast import``."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from floorlead.cli import DbOption, app, floor_today, settings_of, target_of
from floorlead.errors import FloorleadError

forecast_app = typer.Typer(help="Forecasts for intraday coverage.", pretty_exceptions_enable=False)
app.add_typer(forecast_app, name="forecast")


def coverage_document(cov: Any, queue: str | None) -> dict[str, Any]:
    """The coverage as ``coverage --json`` prints it."""
    from floorlead.domain.when import iso_utc

    def number(x: float | None, places: int = 2) -> float | None:
        return None if x is None else round(x, places)

    rows = [r for r in cov.rows if queue is None or r.queue == queue]
    return {
        "day": cov.day.isoformat(),
        "forecast": cov.forecast_how,
        "reforecast": cov.reforecast_how,
        "shared_agents": cov.share_rule,
        "rows": [
            {
                "start": iso_utc(r.interval.start),
                "interval": r.interval.label,
                "queue": r.queue or "all",
                "current": r.current,
                "forecast": number(r.forecast),
                "forecast_aht_s": number(r.forecast_aht_s, 1),
                "expected": number(r.expected),
                "actual": r.actual,
                "actual_aht_s": number(r.actual_aht_s, 1),
                "variance": number(r.variance, 3),
                "required": r.required,
                "scheduled": number(r.scheduled),
                "staffed": number(r.staffed),
                "gap": number(r.gap),
                "standing": r.standing,
                "projected_sl": number(r.projected_sl, 3),
                "projected_asa_s": number(r.projected_asa_s, 1),
            }
            for r in rows
        ],
    }


def coverage_lines(cov: Any, queue: str | None, tz: str) -> list[str]:
    """The coverage as a table of text, the current interval marked ▶."""
    from floorlead.domain.when import duration_text

    def num(x: float | None) -> str:
        return "—" if x is None else f"{x:.1f}".removesuffix(".0")

    out = [cov.forecast_how, cov.reforecast_how, cov.share_rule, ""]
    head = f"{'':2}{'Interval':<9}{'Queue':<12}{'Fcst':>6}{'AHT':>6}{'Actual':>7}{'Var':>6}"
    head += f"{'Req':>5}{'Sched':>7}{'Staff':>7}{'Gap':>6}  {'Proj SL':>7}  Standing"
    out.append(head)
    for r in cov.rows:
        if queue is not None and r.queue != queue:
            continue
        var = "—" if r.variance is None else f"{r.variance:+.0%}"
        sl = "—" if r.projected_sl is None else f"{r.projected_sl:.0%}"
        aht = duration_text(r.forecast_aht_s) if r.forecast_aht_s else "—"
        out.append(
            f"{'▶ ' if r.current else '  '}{r.interval.label:<9}{(r.queue or 'all')[:11]:<12}"
            f"{num(r.expected):>6}{aht:>6}{'—' if r.actual is None else r.actual:>7}{var:>6}"
            f"{'—' if r.required is None else r.required:>5}{num(r.scheduled):>7}"
            f"{num(r.staffed):>7}{num(r.gap):>6}  {sl:>7}  {r.standing}"
        )
    return out


@app.command()
def coverage(
    ctx: typer.Context,
    day: Annotated[
        str | None, typer.Option("--date", help="The floor day (default: today).")
    ] = None,
    queue: Annotated[
        str | None, typer.Option(help="One queue's id (default: every queue and all together).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    db: DbOption = None,
) -> None:
    """Intraday coverage: forecast against actual, agents required against scheduled and
    staffed, for every interval of the day."""
    from floorlead.cli import parse_day
    from floorlead.store.coverage import read_coverage
    from floorlead.store.db import open_database

    settings = settings_of(ctx)
    f = settings.floor
    now = datetime.now(UTC)
    floor_day = parse_day(day, "--date") if day else floor_today(settings)
    database = open_database(target_of(ctx, db), read_only=True)
    try:
        with database.connect() as conn:
            cov, _forecast = read_coverage(conn, settings, floor_day, now)
    finally:
        database.dispose()
    if queue is not None and queue not in {r.queue for r in cov.rows}:
        raise FloorleadError(f"The floor has no queue {queue!r}.")
    if as_json:
        typer.echo(json.dumps(coverage_document(cov, queue), indent=2, ensure_ascii=False))
        return
    typer.echo("\n".join(coverage_lines(cov, queue, f.timezone)))


@forecast_app.command("import")
def forecast_import(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="CSV: queue,start,contacts,aht (a header row).")],
    db: DbOption = None,
) -> None:
    """Import a forecast: each row replaces the floor's own forecast for that queue and
    interval. A bad row is one sentence, and nothing is imported."""
    import getpass

    from floorlead.domain.actor import Actor
    from floorlead.feeds.forecast import read_forecast
    from floorlead.store.coverage import import_forecast
    from floorlead.store.db import open_database

    settings = settings_of(ctx)
    f = settings.floor
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise FloorleadError(f"Cannot read {path}: {getattr(exc, 'strerror', exc)}.") from None
    columns = settings.feeds.csv["forecast"]
    rows = read_forecast(text.splitlines(), columns, f.timezone, f.interval_minutes)
    actor = Actor(f.supervisor or getpass.getuser(), datetime.now(UTC), f.timezone)
    database = open_database(target_of(ctx, db))
    try:
        count = import_forecast(database, rows, actor, path.name)
    finally:
        database.dispose()
    typer.echo(f"Imported {count} forecast interval{'' if count == 1 else 's'} from {path}.")
