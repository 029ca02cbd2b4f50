"""The record commands, for scripts and payroll: ``escalations list``, ``timesheets export``
and ``timesheets show``, ``coaching export``, ``policy show`` and ``policy set``."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from floorlead.cli import DbOption, app, parse_day, settings_of, target_of
from floorlead.errors import FloorleadError

esc_app = typer.Typer(help="Escalations, for scripts.", pretty_exceptions_enable=False)
app.add_typer(esc_app, name="escalations")
ts_app = typer.Typer(help="Timesheets, for payroll and scripts.", pretty_exceptions_enable=False)
app.add_typer(ts_app, name="timesheets")
coaching_app = typer.Typer(help="Coaching records.", pretty_exceptions_enable=False)
app.add_typer(coaching_app, name="coaching")


@esc_app.command("list")
def escalations_list(
    ctx: typer.Context,
    db: DbOption = None,
    status: Annotated[
        list[str] | None,
        typer.Option(
            help="Only these statuses (open, assigned, snoozed, handed_up, "
            "awaiting_second, resolved, approved, declined); repeat for several. "
            "Default: every open one."
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = True,
) -> None:
    """List escalations as JSON: open ones by default, most urgent first."""
    import json

    from floorlead.domain.escalations import CLOSED_STATUSES, OPEN_STATUSES
    from floorlead.store import reader
    from floorlead.store.db import open_database

    known = set(OPEN_STATUSES) | set(CLOSED_STATUSES)
    wanted = set(status or OPEN_STATUSES)
    if wanted - known:
        raise FloorleadError(
            f"Unknown status {sorted(wanted - known)[0]!r}; use one of {', '.join(sorted(known))}."
        )
    database = open_database(target_of(ctx, db), read_only=True)
    now = datetime.now(UTC)
    try:
        with database.connect() as conn:
            names = reader.agent_names(reader.driver_of(conn)[0])
            since = datetime(1970, 1, 1, tzinfo=UTC)
            rows = reader.open_escalations(*reader.driver_of(conn), names, now, since)
    finally:
        database.dispose()

    from floorlead.domain.when import iso_utc as iso

    del as_json
    typer.echo(
        json.dumps(
            [
                {
                    "id": e.id,
                    "priority": e.priority,
                    "status": e.status,
                    "kind": e.kind,
                    "customer": e.customer,
                    "queue": e.queue_id,
                    "agent": e.agent_id,
                    "amount": None if e.amount_cents is None else e.amount_cents / 100,
                    "reason": e.reason,
                    "assignee": e.assignee,
                    "raised_at": iso(e.raised_at),
                    "responded_at": iso(e.responded_at),
                    "snoozed_until": iso(e.snoozed_until),
                    "resolved_at": iso(e.resolved_at),
                    "resolution_code": e.resolution_code,
                    "first_approver": e.first_approver,
                    "handed_up_to": e.handed_up_to,
                    "version": e.version,
                }
                for e in rows
                if e.status in wanted
            ],
            indent=2,
            ensure_ascii=False,
        )
    )


def _sheets(ctx: typer.Context, db: str | None, first: Any, last: Any) -> list[Any]:
    from floorlead.store import reader
    from floorlead.store.db import open_database
    from floorlead.store.sheets import range_timesheets

    if last < first:
        raise FloorleadError("--to is before --from.")
    if (last - first).days > 366:
        raise FloorleadError("Export at most a year at a time.")
    settings = settings_of(ctx)
    database = open_database(target_of(ctx, db), read_only=True)
    now = datetime.now(UTC)
    out: list[Any] = []
    try:
        with database.connect() as conn:
            names = reader.agent_names(reader.driver_of(conn)[0])
            out = sorted(
                range_timesheets(conn, settings, first, last, now, names),
                key=lambda t: (t.shift_date, t.name),
            )
    finally:
        database.dispose()
    return out


@ts_app.command("export")
def timesheets_export(
    ctx: typer.Context,
    from_: Annotated[str, typer.Option("--from", help="First shift date, YYYY-MM-DD.")],
    to: Annotated[str, typer.Option("--to", help="Last shift date, YYYY-MM-DD.")],
    status: Annotated[
        list[str] | None,
        typer.Option(
            help="Export timesheets with this status (approved, pending, reopened, rejected, "
            "leave, or all); repeat for several. Default: approved only."
        ),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="CSV file (default: standard output).")
    ] = None,
    db: DbOption = None,
) -> None:
    """Payroll CSV: one row per agent per day with regular, overtime and double-time hours."""
    from floorlead.reports.payroll import STATUSES, csv_text, payable, write_csv

    statuses = status or ["approved"]
    unknown = [s for s in statuses if s not in STATUSES]
    if unknown:
        raise FloorleadError(
            f"--status {unknown[0]!r} is not a timesheet status ({', '.join(STATUSES)})."
        )
    everything = _sheets(ctx, db, parse_day(from_, "--from"), parse_day(to, "--to"))
    sheets, left_out = payable(everything, statuses)
    tz = settings_of(ctx).floor.timezone
    if output is None:
        typer.echo(csv_text(sheets, tz), nl=False)
        if left_out:
            typer.echo(f"{left_out.removeprefix('; ').capitalize()}.", err=True)
        return
    try:
        count = write_csv(output, sheets, tz)
    except OSError as exc:
        raise FloorleadError(f"Cannot write {output}: {exc.strerror}.") from None
    typer.echo(f"Wrote {count} rows to {output}{left_out}.", err=True)


@ts_app.command("show")
def timesheets_show(
    ctx: typer.Context,
    day: Annotated[str, typer.Option("--date", help="Shift date, YYYY-MM-DD.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = True,
    db: DbOption = None,
) -> None:
    """What the Timesheets screen shows for a date, as JSON."""
    import json

    when_day = parse_day(day, "--date")
    sheets = _sheets(ctx, db, when_day, when_day)

    from floorlead.domain.when import iso_utc as iso

    del as_json
    typer.echo(
        json.dumps(
            [
                {
                    "agent": t.agent_id,
                    "employee_id": t.employee_id,
                    "name": t.name,
                    "date": t.shift_date.isoformat(),
                    "scheduled_start": iso(t.scheduled_start),
                    "scheduled_end": iso(t.scheduled_end),
                    "first_in": iso(t.first_in),
                    "last_out": iso(t.last_out),
                    # null where a punch is missing: the hours are unknown, never guessed
                    "worked_h": None if t.worked_s is None else round(t.worked_s / 3600, 4),
                    "regular_h": round(t.regular_h, 4) if t.hours_known else None,
                    "overtime_h": round(t.overtime_h, 4) if t.hours_known else None,
                    "double_h": round(t.double_h, 4) if t.hours_known else None,
                    "break_h": round(t.break_s / 3600, 4),
                    "meal_h": round(t.meal_s / 3600, 4),
                    "exceptions": list(t.exceptions),
                    "status": t.status,
                    "decided_by": t.decided_by,
                    "decided_at": iso(t.decided_at),
                    "reason": t.reason,
                }
                for t in sheets
            ],
            indent=2,
            ensure_ascii=False,
        )
    )


@coaching_app.command("export")
def coaching_export(
    ctx: typer.Context,
    agent: Annotated[str, typer.Option("--agent", help="The agent's id.")],
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="Markdown file (default: standard output)."),
    ] = None,
    db: DbOption = None,
) -> None:
    """One agent's coaching notes and commitments as Markdown (personnel record)."""
    from sqlalchemy import select

    from floorlead.domain.when import floor_date
    from floorlead.reports.coaching import markdown
    from floorlead.store import reader
    from floorlead.store.db import open_database
    from floorlead.store.schema import AGENT

    settings = settings_of(ctx)
    database = open_database(target_of(ctx, db), read_only=True)
    try:
        with database.connect() as conn:
            row = conn.execute(select(AGENT).where(AGENT.c.id == agent)).first()
            if row is None:
                raise FloorleadError(f"There is no agent {agent!r} on this floor.")
            notes = reader.agent_notes(*reader.driver_of(conn), agent, row.name)
    finally:
        database.dispose()
    tz = settings.floor.timezone
    text = markdown(
        row.name, agent, notes, tz, floor_date(datetime.now(UTC), tz, settings.floor.day_start)
    )
    if output is None:
        typer.echo(text, nl=False)
        return
    try:
        from floorlead.files import write_private

        write_private(output, text)
    except OSError as exc:
        raise FloorleadError(f"Cannot write {output}: {exc.strerror}.") from None
    typer.echo(f"Wrote {len(notes)} notes to {output}.", err=True)


policy_app = typer.Typer(
    help="The floor's policy: the rules that protect money, kept in the floor's database.",
    pretty_exceptions_enable=False,
)
app.add_typer(policy_app, name="policy")


@policy_app.command("show")
def policy_show(ctx: typer.Context, db: DbOption = None) -> None:
    """Print the two-person limit and who set it (changes nothing)."""
    from floorlead.store.db import open_database
    from floorlead.store.policy import account, limit_cents

    database = open_database(target_of(ctx, db), read_only=True)
    try:
        with database.connect() as conn:
            cents, you = limit_cents(conn), account(conn)
    finally:
        database.dispose()
    typer.echo(
        f"Two-person limit: approvals above {cents / 100:,.2f} need two different accounts. "
        f"You act as the account {you!r}."
    )


@policy_app.command("set")
def policy_set(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="approval_second_above")],
    value: Annotated[str, typer.Argument(help="The amount, e.g. 10000 or 2500.50.")],
    reason: Annotated[str, typer.Option(help="Why it changes (kept in the audit log).")] = "",
    db: DbOption = None,
) -> None:
    """Change a rule of the floor's policy, with an audit row naming your account."""
    from floorlead.store.db import open_database
    from floorlead.store.policy import os_account, parse_amount, set_limit

    if name != "approval_second_above":
        raise FloorleadError(f"{name!r} is not a policy setting (approval_second_above).")
    cents = parse_amount(value)
    database = open_database(target_of(ctx, db), create=False)
    try:
        old = set_limit(
            database,
            cents,
            actor=settings_of(ctx).floor.supervisor or os_account(),
            at=datetime.now(UTC),
            reason=reason,
        )
    finally:
        database.dispose()
    typer.echo(f"Two-person limit: {old / 100:,.2f} → {cents / 100:,.2f}.")
