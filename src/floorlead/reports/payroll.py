"""Payroll CSV: one row per agent per day, hours with two decimals."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from floorlead.domain.when import local

if TYPE_CHECKING:
    from floorlead.store.sheets import TimesheetRow

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


def rows_for(sheets: Iterable[TimesheetRow], tz: str) -> list[list[str]]:
    out = []
    for t in sheets:
        approved = t.status == "approved"
        out.append(
            [
                t.employee_id or t.agent_id,
                t.name,
                t.shift_date.isoformat(),
                f"{t.regular_h:.2f}",
                f"{t.overtime_h:.2f}",
                f"{t.double_h:.2f}",
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
    writer.writerows(rows_for(sheets, tz))
    return buffer.getvalue()


def write_csv(path: str | Path, sheets: Iterable[TimesheetRow], tz: str) -> int:
    """Write the file whole or not at all (a temporary file renamed into place)."""
    rows = list(sheets)
    target = Path(path).expanduser()
    temporary = target.with_name(f".{target.name}.part")
    temporary.write_text(csv_text(rows, tz), encoding="utf-8")
    temporary.replace(target)
    return len(rows)
