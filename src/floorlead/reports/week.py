"""The weekly team report: the handover's measures by day, the week's totals against the week
before, and each agent's scorecard average with its trend. Markdown, HTML or CSV."""

from __future__ import annotations

import csv
import html
import io
from collections import defaultdict

from floorlead.domain import metrics as mx
from floorlead.reports.shift import CSS, CSV_HEADER, html_table, md_table, metric_rows, pct, secs
from floorlead.store.handover import total
from floorlead.store.week import WeekReport

DAY_HEAD = ["Day", "Offered", "Answered", "Abandoned", "SL", "ASA", "AHT", "Handled by agents"]


def _figures(m: mx.QueueMetrics) -> list[str]:
    return [str(m.offered), str(m.answered), str(m.abandoned), pct(m.service_level),
            secs(m.asa_s), secs(m.aht_s)]  # fmt: skip


def _change(now: float | None, before: float | None, unit: str = "pts") -> str:
    if now is None or before is None:
        return "—"
    delta = now - before
    arrow = "▲" if delta > 0 else "▼" if delta < 0 else "="
    return f"{arrow} {delta:+.1f} {unit}"


def day_lines(w: WeekReport) -> list[list[str]]:
    rows = []
    for d in w.days:
        handled = sum(a.handled for a in d.agents)
        rows.append([d.day.strftime("%a %d %b"), *_figures(d.totals), str(handled)])
    rows.append(
        ["Week", *_figures(w.totals), str(sum(a.handled for d in w.days for a in d.agents))]
    )
    rows.append(
        ["Week before", *_figures(w.previous_totals),
         str(sum(a.handled for d in w.previous for a in d.agents))]
    )  # fmt: skip
    return rows


def change_lines(w: WeekReport) -> list[list[str]]:
    now, before = w.totals, w.previous_totals

    def pts(a: float | None, b: float | None) -> str:
        return _change(None if a is None else a * 100, None if b is None else b * 100)

    def count(a: int, b: int) -> str:
        return f"{a - b:+d}" + (f" ({(a - b) / b * 100:+.1f} %)" if b else "")

    return [
        ["Offered", count(now.offered, before.offered)],
        ["Answered", count(now.answered, before.answered)],
        ["Abandoned", count(now.abandoned, before.abandoned)],
        ["Service level", pts(now.service_level, before.service_level)],
        ["Abandon rate", pts(now.abandon_rate, before.abandon_rate)],
        ["ASA", _change(now.asa_s, before.asa_s, "s")],
        ["AHT", _change(now.aht_s, before.aht_s, "s")],
    ]


def queue_week_lines(w: WeekReport) -> list[list[str]]:
    per_queue: dict[str, list[mx.QueueMetrics]] = defaultdict(list)
    names: dict[str, str] = {}
    for d in w.days:
        for q in d.queues:
            per_queue[q.id].append(q.metrics)
            names[q.id] = q.name
    return [[names[q], *_figures(total(ms))] for q, ms in sorted(per_queue.items())]


def agent_lines(w: WeekReport) -> list[list[str]]:
    handled: dict[str, int] = defaultdict(int)
    times: dict[str, float] = defaultdict(float)
    adherence: dict[str, list[float]] = defaultdict(list)
    names: dict[str, str] = {}
    for d in w.days:
        for a in d.agents:
            names[a.id] = a.name
            handled[a.id] += a.handled
            times[a.id] += (a.aht_s or 0) * a.handled
            if a.adherence is not None:
                adherence[a.id].append(a.adherence)
    scores = {s.agent_id: s for s in w.scores}
    rows = []
    for agent in sorted(set(names) | set(scores), key=lambda i: (names.get(i) or i).lower()):
        s = scores.get(agent)
        adh = adherence.get(agent)
        rows.append(
            [
                names.get(agent) or (s.name if s else agent),
                pct(sum(adh) / len(adh) if adh else None),
                str(handled.get(agent, 0)),
                secs(times[agent] / handled[agent] if handled.get(agent) else None),
                "—" if s is None or s.average is None else f"{s.average:.1f} % ({s.count})",
                "—" if s is None else _change(s.average, s.previous),
            ]
        )
    return rows


AGENT_HEAD = ["Agent", "Adherence", "Handled", "AHT", "Scorecard", "Trend"]


def markdown(w: WeekReport) -> str:
    iso_year, iso_week, _ = w.monday.isocalendar()
    return "\n".join(
        [
            f"# Weekly team report — {w.floor} — {iso_year}-W{iso_week:02d}",
            "",
            f"Monday {w.monday.isoformat()} to Sunday; times on the floor's clock ({w.timezone}).",
            "",
            "## By day",
            "",
            *md_table(DAY_HEAD, day_lines(w)),
            "",
            "## Change against the week before",
            "",
            *md_table(["Measure", "Change"], change_lines(w)),
            "",
            "## Queues this week",
            "",
            *md_table(DAY_HEAD[:-1], queue_week_lines(w)),
            "",
            "## Agents",
            "",
            *md_table(AGENT_HEAD, agent_lines(w)),
            "",
            "Scorecard: the average of the week's graded observations (how many in brackets); "
            "trend: against the week before.",
            "",
        ]
    )


def html_page(w: WeekReport) -> str:
    iso_year, iso_week, _ = w.monday.isocalendar()
    title = f"Weekly team report — {w.floor} — {iso_year}-W{iso_week:02d}"
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            f"<title>{html.escape(title)}</title><style>{CSS}</style></head><body>",
            f"<h1>{html.escape(title)}</h1>",
            f"<p>Monday {w.monday.isoformat()} to Sunday ({html.escape(w.timezone)}).</p>",
            "<h2>By day</h2>",
            html_table(DAY_HEAD, day_lines(w)),
            "<h2>Change against the week before</h2>",
            html_table(["Measure", "Change"], change_lines(w)),
            "<h2>Queues this week</h2>",
            html_table(DAY_HEAD[:-1], queue_week_lines(w)),
            "<h2>Agents</h2>",
            html_table(AGENT_HEAD, agent_lines(w)),
            "</body></html>",
        ]
    )


def csv_text(w: WeekReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for d in w.days:
        writer.writerows(metric_rows("day", d.day.isoformat(), d.totals))
    writer.writerows(metric_rows("week", w.monday.isoformat(), w.totals))
    writer.writerows(metric_rows("previous_week", w.monday.isoformat(), w.previous_totals))
    for s in w.scores:
        average = "" if s.average is None else f"{s.average:.1f}"
        previous = "" if s.previous is None else f"{s.previous:.1f}"
        writer.writerow(("scorecard", s.agent_id, "average_pct", average))
        writer.writerow(("scorecard", s.agent_id, "previous_average_pct", previous))
    return out.getvalue()


def render(w: WeekReport, fmt: str) -> str:
    return {"md": markdown, "html": html_page, "csv": csv_text}[fmt](w)
