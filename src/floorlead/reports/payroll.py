"""Payroll CSV: one row per agent per day, hours with two decimals."""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from floorlead.domain.safe_text import csv_cell
from floorlead.domain.when import local

if TYPE_CHECKING:
    from floorlead.store.sheets import TimesheetRow

#: what ``--status`` accepts
STATUSES = ("approved", "pending", "reopened", "rejected", "leave", "all")

HEADER = (
    "employee_id",
    "name",
    "date",
    "regular_hours",
    "overtime_hours",
    "double_time_hours",
    "exceptions",
    "status",
    "approver",
    "approved_at",
)


def payable(
    sheets: Iterable[TimesheetRow], statuses: Iterable[str]
) -> tuple[list[TimesheetRow], str]:
    """The timesheets with one of ``statuses`` (``all``: every one), and what was left out,
    in words: ``; 3 pending, 1 rejected not exported`` (empty when nothing was)."""
    wanted = set(statuses)
    rows: list[TimesheetRow] = []
    left: Counter[str] = Counter()
    for t in sheets:
        if "all" in wanted or t.status in wanted:
            rows.append(t)
        else:
            left["still on shift" if t.in_progress else t.status] += 1
    said = ", ".join(f"{n} {status}" for status, n in sorted(left.items()))
    return rows, f"; {said} not exported" if said else ""


def rows_for(sheets: Iterable[TimesheetRow], tz: str) -> list[list[str]]:
    """Hours with two decimals; blank where they are unknown (a punch is missing)."""
    out = []
    for t in sheets:
        approved = t.status == "approved"
        hours = (
            [f"{t.regular_h:.2f}", f"{t.overtime_h:.2f}", f"{t.double_h:.2f}"]
            if t.hours_known
            else ["", "", ""]
        )
        out.append(
            [
                t.employee_id or t.agent_id,
                t.name,
                t.shift_date.isoformat(),
                *hours,
                "; ".join(t.exceptions),
                t.status,
                t.decided_by if approved else "",
                local(t.decided_at, tz).isoformat() if approved and t.decided_at else "",
            ]
        )
    return out


def csv_text(sheets: Iterable[TimesheetRow], tz: str) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER)
    # names and exceptions come from feeds: no cell may start a spreadsheet formula
    writer.writerows([csv_cell(c) for c in row] for row in rows_for(sheets, tz))
    return buffer.getvalue()


def write_csv(path: str | Path, sheets: Iterable[TimesheetRow], tz: str) -> int:
    """Write the file whole or not at all, readable by its owner only."""
    from floorlead.files import write_private

    rows = list(sheets)
    write_private(Path(path), csv_text(rows, tz))  # 0600: hours and names are personal
    return len(rows)
