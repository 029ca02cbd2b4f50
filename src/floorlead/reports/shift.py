"""The end-of-shift handover as Markdown, one self-contained HTML file, or CSV.

HTML carries its CSS and SVG inline (no external reference of any kind) and prints on A4 or
Letter. CSV is long and tidy: one ``section,item,measure,value`` row a figure.
"""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Iterable
from pathlib import Path

from floorlead.domain import metrics as mx
from floorlead.domain.safe_text import csv_cell
from floorlead.domain.safe_text import markdown as md
from floorlead.domain.when import average_text, hhmm, iso_utc, local
from floorlead.store.handover import QueueReport, ShiftReport

FORMATS = ("md", "html", "csv")
CSV_HEADER = ("section", "item", "measure", "value")


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f} %"


def secs(value: float | None) -> str:
    return average_text(value)


def money(cents: int) -> str:
    return f"{cents / 100:,.2f}"


def window_text(r: ShiftReport) -> str:
    start = local(r.start, r.timezone)
    end = local(r.end, r.timezone)
    last = end.format("HH:mm") if end.date() == start.date() else end.format("ddd D MMM HH:mm")
    return f"{start.format('ddd D MMM YYYY HH:mm')} – {last} ({r.timezone})"


def _worst(q: QueueReport, tz: str) -> str:
    w = q.worst
    if w is None:
        return "—"
    return f"{hhmm(w.start, tz)} ({pct(w.metrics.service_level)})"


def _sl_word(q: QueueReport) -> str:
    met = q.met
    return "no traffic" if met is None else ("met" if met else "MISSED")


def queue_lines(r: ShiftReport) -> list[list[str]]:
    rows = []
    for q in r.queues:
        m = q.metrics
        rows.append(
            [
                q.name,
                str(m.offered),
                str(m.answered),
                str(m.abandoned),
                pct(m.abandon_rate),
                f"{pct(m.service_level)} ({_sl_word(q)}; target {q.sl_percent}/{q.sl_seconds})",
                secs(m.asa_s),
                secs(m.aht_s),
                _worst(q, r.timezone),
            ]
        )
    t = r.totals
    rows.append(
        ["All queues", str(t.offered), str(t.answered), str(t.abandoned),
         pct(t.abandon_rate), pct(t.service_level), secs(t.asa_s), secs(t.aht_s), ""]
    )  # fmt: skip
    return rows


QUEUE_HEAD = [
    "Queue",
    "Offered",
    "Answered",
    "Abandoned",
    "Abandon rate",
    "SL",
    "ASA",
    "AHT",
    "Worst interval",
]
AGENT_HEAD = ["Agent", "Team", "Adherence", "Occupancy", "Handled", "AHT", "Flags"]


def agent_lines(r: ShiftReport) -> list[list[str]]:
    return [
        [a.name, a.team or "—", pct(a.adherence), pct(a.occupancy), str(a.handled),
         secs(a.aht_s), ", ".join(a.flags) or "—"]
        for a in r.agents
    ]  # fmt: skip


def md_table(head: list[str], rows: Iterable[list[str]]) -> list[str]:
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    out += ["| " + " | ".join(md(c) for c in row) + " |" for row in rows]
    return out


def markdown(r: ShiftReport) -> str:
    e, t = r.escalations, r.timesheets
    lines = [
        f"# Shift handover — {md(r.floor)}",
        "",
        f"**Window:** {window_text(r)}  ",
        f"**Generated:** {hhmm(r.generated_at, r.timezone)} on the floor's clock"
        + (" — the window had not ended: figures so far" if r.partial else ""),
        "",
        "## For the next shift",
        "",
        (
            "  \n".join(md(line) for line in r.next_shift.strip().splitlines())
            or "_Nothing written._"
        )
        + (f"\n\n— {md(r.next_shift_by)}" if r.next_shift.strip() and r.next_shift_by else ""),
        "",
        "## Understaffed in the next shift",
        "",
        *([f"- {md(line)}" for line in r.understaffed_next] or ["_None: coverage holds._"]),
        "",
        "## Queues",
        "",
        *md_table(QUEUE_HEAD, queue_lines(r)),
        "",
        f"Service level = answered within the target ÷ (answered + abandoned); abandons "
        f"under {r.short_abandon_s} s are not counted. Worst interval: the "
        f"{r.interval_minutes}-minute interval with the lowest service level.",
        "",
        "## Agents",
        "",
        *(md_table(AGENT_HEAD, agent_lines(r)) if r.agents else ["_No agent on this shift._"]),
        "",
        "## Escalations",
        "",
        f"- Raised: {e.raised}; resolved: {e.resolved}; still open: {len(e.still_open)}",
    ]
    for o in e.still_open:
        sla = "SLA BREACHED" if o.breached else f"due {hhmm(o.due_at, r.timezone)}"
        lines.append(
            f"  - {md(o.id)} {o.priority} {o.kind}, {o.status}, owner {md(o.owner or 'nobody')}"
            f" — {sla}"
        )
    lines.append(f"- Approvals given: {len(e.approvals)}")
    for a in e.approvals:
        second = f" (first: {md(a.first_approver)})" if a.first_approver else ""
        lines.append(f"  - {md(a.id)}: {money(a.amount_cents)} by {md(a.approved_by)}{second}")
    lines.append(f"- Handed up: {len(e.handed_up)}")
    lines += [f"  - {md(esc)} to {md(who)}" for esc, who in e.handed_up]
    lines += [
        "",
        "## Timesheets",
        "",
        f"- Approved {t.approved}, pending {t.pending}, rejected {t.rejected}; "
        f"overtime {t.overtime_h:.2f} h",
        f"- Exceptions outstanding: {len(t.exceptions_outstanding)}",
        *(f"  - {md(name)}: {md(why)}" for name, why in t.exceptions_outstanding),
        "",
        "## Coaching",
        "",
        f"- Notes written: {r.notes_written}; commitments due tomorrow: "
        f"{r.commitments_due_tomorrow}",
        "",
    ]
    return "\n".join(lines)


# -------------------------------------------------------------------------------- HTML

CSS = """
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2em;color:#111}
h1{font-size:1.5em;margin:0 0 .2em}h2{font-size:1.15em;border-bottom:1px solid #999;
margin-top:1.6em}table{border-collapse:collapse;margin:.5em 0;width:100%}
th,td{border:1px solid #bbb;padding:.25em .5em;text-align:right;vertical-align:top}
th:first-child,td:first-child{text-align:left}th{background:#eee}
.missed{font-weight:bold}.note{white-space:pre-wrap;border-left:4px solid #888;
padding:.3em .8em;background:#f6f6f6}.charts{display:flex;flex-wrap:wrap;gap:1em}
figure{margin:0;break-inside:avoid}figcaption{font-size:.9em}
@media print{body{margin:1cm}h2{break-after:avoid}tr{break-inside:avoid}}
"""


def chart(q: QueueReport, tz: str, width: int = 320, height: int = 120) -> str:
    """Volume (bars) and service level (line, dashed target) by interval, in inline SVG."""
    n = max(len(q.intervals), 1)
    top = max((i.metrics.offered for i in q.intervals), default=0) or 1
    step = width / n
    bars, points = [], []
    for k, item in enumerate(q.intervals):
        h = item.metrics.offered / top * (height - 20)
        x = k * step
        bars.append(
            f'<rect x="{x + 1:.1f}" y="{height - h:.1f}" width="{max(step - 2, 1):.1f}" '
            f'height="{h:.1f}" fill="#9bb"><title>{hhmm(item.start, tz)}: '
            f"{item.metrics.offered} offered</title></rect>"
        )
        sl = item.metrics.service_level
        if sl is not None:
            points.append(f"{x + step / 2:.1f},{height - sl * (height - 20):.1f}")
    target_y = height - q.sl_percent / 100 * (height - 20)
    label = f"{q.name}: volume and service level by interval"
    return (
        f'<svg width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{html.escape(label)}">'
        f"<title>{html.escape(label)}</title>"
        f'<rect width="{width}" height="{height}" fill="#fff" stroke="#ccc"/>'
        + "".join(bars)
        + f'<line x1="0" x2="{width}" y1="{target_y:.1f}" y2="{target_y:.1f}" '
        f'stroke="#333" stroke-dasharray="4 3"/>'
        + (
            f'<polyline points="{" ".join(points)}" fill="none" stroke="#000" stroke-width="2"/>'
            if points
            else ""
        )
        + "</svg>"
    )


def html_table(head: list[str], rows: Iterable[list[str]]) -> str:
    out = ["<table><thead><tr>", *(f"<th>{html.escape(h)}</th>" for h in head), "</tr></thead>"]
    out.append("<tbody>")
    for row in rows:
        cells = "".join(
            f'<td class="missed">{html.escape(c)}</td>' if "MISSED" in c or "BREACHED" in c
            else f"<td>{html.escape(c)}</td>"
            for c in row
        )  # fmt: skip
        out.append(f"<tr>{cells}</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def html_page(r: ShiftReport) -> str:
    e, t, tz = r.escalations, r.timesheets, r.timezone
    esc = html.escape
    open_rows = [
        [o.id, o.priority, o.kind, o.status, o.owner or "nobody",
         "BREACHED" if o.breached else f"due {hhmm(o.due_at, tz)}"]
        for o in e.still_open
    ]  # fmt: skip
    approval_rows = [
        [a.id, money(a.amount_cents), a.approved_by, a.first_approver or "—"] for a in e.approvals
    ]
    figures = "".join(
        f"<figure>{chart(q, tz)}<figcaption>{esc(q.name)} — bars: offered; line: SL; "
        f"dashed: target {q.sl_percent} %</figcaption></figure>"
        for q in r.queues
    )
    note = r.next_shift.strip()
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Shift handover — {esc(r.floor)} — {r.day.isoformat()}</title>",
        f"<style>{CSS}</style></head><body>",
        f"<h1>Shift handover — {esc(r.floor)}</h1>",
        f"<p>{esc(window_text(r))}. Generated {hhmm(r.generated_at, tz)}"
        + (" — <strong>the window had not ended: figures so far</strong>" if r.partial else "")
        + ".</p>",
        "<h2>For the next shift</h2>",
        f'<div class="note">{esc(note)}</div>'
        + (f"<p>— {esc(r.next_shift_by)}</p>" if note and r.next_shift_by else "")
        if note
        else "<p><em>Nothing written.</em></p>",
        "<h2>Understaffed in the next shift</h2>",
        (
            "<ul>" + "".join(f"<li>{esc(line)}</li>" for line in r.understaffed_next) + "</ul>"
            if r.understaffed_next
            else "<p><em>None: coverage holds.</em></p>"
        ),
        "<h2>Queues</h2>",
        html_table(QUEUE_HEAD, queue_lines(r)),
        f"<p>Service level = answered within the target ÷ (answered + abandoned); abandons "
        f"under {r.short_abandon_s} s are not counted.</p>",
        f'<div class="charts">{figures}</div>',
        "<h2>Agents</h2>",
        html_table(AGENT_HEAD, agent_lines(r)) if r.agents else "<p>No agent on this shift.</p>",
        "<h2>Escalations</h2>",
        f"<p>Raised {e.raised}, resolved {e.resolved}, still open {len(e.still_open)}.</p>",
        html_table(["Escalation", "Priority", "Kind", "Status", "Owner", "SLA"], open_rows)
        if open_rows
        else "",
        f"<p>Approvals given: {len(e.approvals)}.</p>",
        html_table(["Escalation", "Amount", "Approved by", "First approver"], approval_rows)
        if approval_rows
        else "",
        f"<p>Handed up: {len(e.handed_up)}"
        + "".join(f"; {esc(a)} to {esc(b)}" for a, b in e.handed_up)
        + ".</p>",
        "<h2>Timesheets</h2>",
        f"<p>Approved {t.approved}, pending {t.pending}, rejected {t.rejected}; overtime "
        f"{t.overtime_h:.2f} h. Exceptions outstanding: {len(t.exceptions_outstanding)}.</p>",
        html_table(["Agent", "Exceptions"], [list(x) for x in t.exceptions_outstanding])
        if t.exceptions_outstanding
        else "",
        "<h2>Coaching</h2>",
        f"<p>Notes written: {r.notes_written}; commitments due tomorrow: "
        f"{r.commitments_due_tomorrow}.</p>",
        "</body></html>",
    ]
    return "\n".join(parts)


# --------------------------------------------------------------------------------- CSV


def metric_rows(section: str, item: str, m: mx.QueueMetrics) -> list[tuple[str, str, str, str]]:
    def num(v: float | None, digits: int = 4) -> str:
        return "" if v is None else f"{v:.{digits}f}"

    return [
        (section, item, "offered", str(m.offered)),
        (section, item, "answered", str(m.answered)),
        (section, item, "abandoned", str(m.abandoned)),
        (section, item, "short_abandoned", str(m.short_abandoned)),
        (section, item, "service_level", num(m.service_level)),
        (section, item, "asa_s", num(m.asa_s, 1)),
        (section, item, "aht_s", num(m.aht_s, 1)),
        (section, item, "abandon_rate", num(m.abandon_rate)),
    ]


def csv_rows(r: ShiftReport) -> list[tuple[str, str, str, str]]:
    rows: list[tuple[str, str, str, str]] = [
        ("window", "", "start", iso_utc(r.start) or ""),
        ("window", "", "end", iso_utc(r.end) or ""),
        ("window", "", "partial", "yes" if r.partial else "no"),
    ]
    for q in r.queues:
        rows += metric_rows("queue", q.id, q.metrics)
        rows.append(("queue", q.id, "sl_target", f"{q.sl_percent}/{q.sl_seconds}"))
        worst = q.worst
        if worst is not None:
            rows.append(("queue", q.id, "worst_interval_start", iso_utc(worst.start) or ""))
            rows.append(("queue", q.id, "worst_interval_sl", f"{worst.metrics.service_level:.4f}"))
        for i in q.intervals:
            item = f"{q.id}@{iso_utc(i.start)}"
            rows += [
                ("interval", item, "offered", str(i.metrics.offered)),
                ("interval", item, "service_level", "" if i.metrics.service_level is None
                 else f"{i.metrics.service_level:.4f}"),
            ]  # fmt: skip
    rows += metric_rows("floor", "all", r.totals)
    for a in r.agents:
        rows += [
            ("agent", a.id, "adherence", "" if a.adherence is None else f"{a.adherence:.4f}"),
            ("agent", a.id, "occupancy", "" if a.occupancy is None else f"{a.occupancy:.4f}"),
            ("agent", a.id, "handled", str(a.handled)),
            ("agent", a.id, "aht_s", "" if a.aht_s is None else f"{a.aht_s:.1f}"),
            ("agent", a.id, "flags", "; ".join(a.flags)),
        ]
    e, t = r.escalations, r.timesheets
    rows += [
        ("escalations", "", "raised", str(e.raised)),
        ("escalations", "", "resolved", str(e.resolved)),
        ("escalations", "", "still_open", str(len(e.still_open))),
        ("escalations", "", "breached", str(sum(o.breached for o in e.still_open))),
        ("escalations", "", "approvals", str(len(e.approvals))),
        ("escalations", "", "approved_amount", money(sum(a.amount_cents for a in e.approvals))),
        ("escalations", "", "handed_up", str(len(e.handed_up))),
        ("timesheets", "", "approved", str(t.approved)),
        ("timesheets", "", "pending", str(t.pending)),
        ("timesheets", "", "rejected", str(t.rejected)),
        ("timesheets", "", "overtime_h", f"{t.overtime_h:.2f}"),
        ("timesheets", "", "exceptions_outstanding", str(len(t.exceptions_outstanding))),
        ("coaching", "", "notes_written", str(r.notes_written)),
        ("coaching", "", "commitments_due_tomorrow", str(r.commitments_due_tomorrow)),
        *(("coverage", "", "understaffed_next_shift", line) for line in r.understaffed_next),
    ]
    return rows


def csv_text(r: ShiftReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    writer.writerows([csv_cell(c) for c in row] for row in csv_rows(r))
    return out.getvalue()


def render(r: ShiftReport, fmt: str) -> str:
    if fmt == "md":
        return markdown(r)
    if fmt == "html":
        return html_page(r)
    if fmt == "csv":
        return csv_text(r)
    raise ValueError(f"format {fmt!r} is not one of {', '.join(FORMATS)}")


def write_private(path: Path, text: str) -> Path:
    """Whole or not at all, readable by its owner only: a handover names people and their
    figures."""
    from floorlead.files import write_private as write

    return write(path, text)
