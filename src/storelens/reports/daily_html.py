"""The daily report as one self-contained HTML page: styles inline, pictures as data: URIs, no scripts.

The same page is the archive's copy (opened from the dashboard) and the body of the mail, where
the pictures become parts of the message (``cid:`` links: many mail programs block data: URIs).
Laid out to be read on a phone: figures on top, one column, the numbers big.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape

from storelens import __version__
from storelens.reports.daily import MAX_ALERTS_LISTED, DailyReport, change_text, duration_text
from storelens.reports.heatmap import HEAT_UNIT

__all__ = [
    "ReportImages",
    "daily_html",
    "data_uri",
    "headline",
    "kpi_tiles",
    "queue_notes",
    "sales_note",
    "sales_rows",
    "summary_text",
    "zone_rows",
]


@dataclass(frozen=True, slots=True)
class ReportImages:
    """The report's pictures as PNG files, by name: for a screen's column (``wide``: ``peak_hours``,
    ``heatmap``, ``dwell``, ``queue_<zone>``), and the same narrower for phones where there is one."""

    wide: dict[str, bytes]
    narrow: dict[str, bytes] = field(default_factory=dict)

    def items(self) -> list[tuple[str, bytes]]:
        return [*self.wide.items(), *((f"{name}_narrow", png) for name, png in self.narrow.items())]


def data_uri(_: str, png: bytes) -> str:
    """A picture inside the page itself."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


STYLE = """
body { margin: 0; background: #f3f5f8; color: #0f172a; line-height: 1.4;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif; }
.report { max-width: 860px; margin: 0 auto; padding: 16px; }
header h1 { font-size: 1.5rem; margin: 0.1rem 0; }
.eyebrow { margin: 0; color: #1d4ed8; font-weight: 700; font-size: 0.85rem; text-transform: uppercase;
  letter-spacing: 0.04em; }
.muted { color: #64748b; }
.small { font-size: 0.82rem; }
section, .kpis { background: #fff; border-radius: 10px; padding: 14px 16px; margin: 12px 0;
  box-shadow: 0 1px 2px rgba(15, 23, 42, 0.06), 0 1px 3px rgba(15, 23, 42, 0.08); }
h2 { font-size: 1.05rem; margin: 0 0 8px; }
.kpis { padding: 8px; font-size: 0; }
.kpi { display: inline-block; vertical-align: top; width: 33.33%; box-sizing: border-box; padding: 8px 10px;
  font-size: 1rem; }
.kpi-label { font-size: 0.72rem; text-transform: uppercase; letter-spacing: 0.04em; color: #64748b;
  font-weight: 600; }
.kpi-value { font-size: 1.8rem; font-weight: 700; line-height: 1.2; font-variant-numeric: tabular-nums; }
.kpi-sub { font-size: 0.78rem; color: #64748b; }
.up { color: #15803d; } .down { color: #b91c1c; }
.headline { margin: 0; padding-left: 1.1rem; }
.headline li { margin: 0.2rem 0; }
img { display: block; width: 100%; height: auto; border-radius: 6px; }
table { width: 100%; border-collapse: collapse; font-size: 0.88rem; }
th, td { text-align: left; padding: 6px 6px; border-bottom: 1px solid #e2e8f0; vertical-align: top; }
th { font-size: 0.72rem; text-transform: uppercase; letter-spacing: 0.03em; color: #64748b; }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.badge { display: inline-block; font-size: 0.68rem; font-weight: 700; padding: 1px 7px; border-radius: 999px;
  text-transform: uppercase; letter-spacing: 0.03em; }
.hot { background: #fee2e2; color: #b91c1c; } .cold { background: #dbeafe; color: #1d4ed8; }
.empty { color: #334155; background: #f1f5f9; border: 1px dashed #cbd5e1; border-radius: 8px; padding: 8px 10px;
  margin: 0; }
footer { font-size: 0.78rem; color: #64748b; padding: 4px 2px 16px; }
@media (max-width: 600px) {
  .report { padding: 8px; }
  .kpi { width: 50%; }
  .kpi-value { font-size: 1.45rem; }
  .wide { display: none; }
}
"""


def _tile(label: str, value: str, sub: str = "", tone: str = "") -> str:
    sub_html = f'<div class="kpi-sub"><span class="{tone}">{escape(sub)}</span></div>' if sub else ""
    return (
        f'<div class="kpi"><div class="kpi-label">{escape(label)}</div>'
        f'<div class="kpi-value">{escape(value)}</div>{sub_html}</div>'
    )


def _tone(now: float | None, before: float | None) -> str:
    if now is None or before is None or now == before:
        return ""
    return "up" if now > before else "down"


def _percent(rate: float | None, digits: int = 0) -> str:
    return "–" if rate is None else f"{100 * rate:.{digits}f}%"


def _hour_span(hour: int) -> str:
    return f"{hour:02d}:00–{(hour + 1) % 24:02d}:00"


def headline(report: DailyReport) -> list[str]:
    """The day in a few sentences: the busiest hour against last week's, time in store, hot and
    cold zones, alerts."""
    lines = []
    busiest, before = report.today.busiest_hour(), report.last_week.busiest_hour()
    if busiest is not None:
        hour, n = busiest
        text = f"Busiest hour {_hour_span(hour)} with {n:,} visitors"
        if report.last_week.recorded and before is not None:
            text += f" (last {report.weekday}: {_hour_span(before[0])} with {before[1]:,})"
        lines.append(text + ".")
    s = report.sales
    if s.recorded and s.totals.conversion is not None:
        lines.append(
            f"{s.totals.receipts:,} receipts for {s.totals.units:,} buying units ({report.today.entries:,} visitors): "
            f"conversion {_percent(s.totals.conversion, 1)}, sales {s.totals.sales:,.2f}."
        )
    staff = report.staff
    if staff.on_duty > 0:
        per = f", {staff.visitors_per_staff:.0f} visitors per member of staff" if staff.visitors_per_staff else ""
        lines.append(f"Staff on the floor: {staff.on_duty:.1f} on average ({staff.hours:.0f} staff-hours){per}.")
    v = report.visits
    if v.median_s is not None:
        lines.append(f"Half the visits lasted {duration_text(v.median_s)} or less ({v.entered:,} visits).")
    if v.peak_people is not None and v.peak_at is not None:
        lines.append(f"Most people in the store at once: {v.peak_people} at {v.peak_at:%H:%M}.")
    for q in report.queues:
        hour, longest = q.peak
        lines.append(
            f"{q.zone.replace('_', ' ').capitalize()}: {duration_text(q.day_wait_s)} waiting on average, "
            f"the longest queue {longest} ({_hour_span(hour)})."
        )
    hot, cold = report.zones.hot, report.zones.cold
    if hot is not None and cold is not None:
        lines.append(
            f"Hot zone: {hot.name.replace('_', ' ')} ({_percent(hot.share)} of visitors); "
            f"cold zone: {cold.name.replace('_', ' ')} ({_percent(cold.share)})."
        )
    n_alerts = len(report.alerts)
    if n_alerts:
        lines.append(f"{n_alerts} alert{'s' if n_alerts != 1 else ''}: see the end of the report.")
    return lines


def summary_text(report: DailyReport) -> str:
    """The report's figures as plain text (the mail's text part)."""
    t, w = report.today, report.last_week
    before = w if w.recorded else None
    lines = [
        report.title,
        f"Times in {report.timezone}.",
        "",
        f"Visitors in: {t.entries:,} ({change_text(t.entries, before and before.entries, report.weekday)})",
        f"Visitors out: {t.exits:,}",
        f"Passers-by: {t.passers_by:,} ({change_text(t.passers_by, before and before.passers_by, report.weekday)})",
    ]
    if t.capture_rate is not None:
        lines.append(f"Capture rate: {_percent(t.capture_rate)} of the people passing the front came in")
    if not t.recorded:
        lines.append("Nothing was recorded on this day.")
    lines += ["", *headline(report), "", "The full report (charts, heatmap, zones, alerts) is attached as a PDF."]
    return "\n".join(lines)


def kpi_tiles(report: DailyReport) -> list[tuple[str, str, str, str]]:
    """The figures of the day as (label, value, comparison with last week, tone "up" / "down" / "")."""
    t, w, wd = report.today, report.last_week, report.weekday
    was = (lambda value: value) if w.recorded else (lambda value: None)  # noqa: E731
    capture = (
        change_text(t.capture_rate, was(w.capture_rate), wd, percent_points=True)
        if t.capture_rate is not None
        else "no passer-by line counted"
    )
    v = report.visits
    peak = f"most inside at once: {v.peak_people} at {v.peak_at:%H:%M}" if v.peak_at is not None else ""
    return [
        ("Visitors in", f"{t.entries:,}", change_text(t.entries, was(w.entries), wd), _tone(t.entries, was(w.entries))),
        ("Visitors out", f"{t.exits:,}", peak, ""),
        (
            "Passers-by",
            f"{t.passers_by:,}",
            change_text(t.passers_by, was(w.passers_by), wd),
            _tone(t.passers_by, was(w.passers_by)),
        ),
        ("Capture rate", _percent(t.capture_rate), capture, _tone(t.capture_rate, was(w.capture_rate))),
        *_sales_tiles(report),
    ]


def _sales_tiles(report: DailyReport) -> list[tuple[str, str, str, str]]:
    """Conversion and average ticket, against last week's where it had sales."""
    s, before, wd = report.sales.totals, report.sales_last_week, report.weekday
    if not report.sales.recorded:
        return [("Conversion", "–", "no sales data", ""), ("Average ticket", "–", "no sales data", "")]
    old = before.totals if before.recorded else None
    conversion = (
        change_text(s.conversion, old and old.conversion, wd, percent_points=True)
        if s.conversion is not None and old is not None and old.conversion is not None
        else f"{s.receipts:,} receipts / {s.units:,} buying units"
    )
    ticket = (
        change_text(s.average_ticket, old and old.average_ticket, wd, digits=2)
        if s.average_ticket is not None
        else "no sales"
    )
    return [
        ("Conversion", _percent(s.conversion, 1), conversion, _tone(s.conversion, old and old.conversion)),
        (
            "Average ticket",
            "–" if s.average_ticket is None else f"{s.average_ticket:,.2f}",
            ticket,
            _tone(s.average_ticket, old and old.average_ticket),
        ),
    ]


def _kpis(report: DailyReport) -> str:
    return f'<div class="kpis">{"".join(_tile(*tile) for tile in kpi_tiles(report))}</div>'


def zone_rows(report: DailyReport) -> tuple[list[list[str]], list[str | None]]:
    """The zones table, hottest first: (zone, visitors, share, time per area, median visit) cells,
    and each row's tag ("hot", "cold" or None)."""
    zones = report.zones
    rows, tags = [], []
    for z in zones.zones:
        rows.append([
            z.name.replace("_", " "), f"{z.visitors:,}", _percent(z.share), f"{z.minutes_per_m2:.3g}",
            duration_text(z.median_dwell_s),
        ])
        tags.append("hot" if z is zones.hot else "cold" if z is zones.cold else None)
    return rows, tags


def _zones_table(report: DailyReport) -> str:
    rows, tags = zone_rows(report)
    if not rows:
        return '<p class="empty">The store config has no shoppers\' zones.</p>'
    badge = {"hot": ' <span class="badge hot">hot</span>', "cold": ' <span class="badge cold">cold</span>', None: ""}
    body = "".join(
        f'<tr><td>{escape(name)}{badge[tag]}</td><td class="num">{visitors}</td><td class="num">{share}</td>'
        f'<td class="num wide">{heat}</td><td class="num">{dwell}</td></tr>'
        for (name, visitors, share, heat, dwell), tag in zip(rows, tags)
    )
    return (
        "<table><thead><tr><th>Zone</th><th class=\"num\">Visitors</th><th class=\"num\">Share</th>"
        f'<th class="num wide">Time per area</th><th class="num">Median visit</th></tr></thead>'
        f"<tbody>{body}</tbody></table>"
        f'<p class="muted small">Hottest first, by time spent per area ({escape(HEAT_UNIT)}); share: of the people '
        "who came in.</p>"
    )


def sales_rows(report: DailyReport) -> list[list[str]]:
    """Per-zone conversion: (zone, categories, units that stayed, of them bought, conversion) cells;
    none without receipts (0 % bought would read as a fact, not as missing data)."""
    if not report.sales.recorded:
        return []
    return [
        [z.zone.replace("_", " "), ", ".join(z.categories), f"{z.units:,}", f"{z.buyers:,}", _percent(z.conversion, 1)]
        for z in report.sales.zones
        if z.units
    ]


def sales_note(report: DailyReport) -> str:
    """The day's sales in a sentence, or why there are none."""
    s = report.sales
    if not s.recorded:
        return "No sales data: no till receipts were imported for this day (storelens pos import, or the POS API)."
    t = s.totals
    per_unit = f", {t.sales_per_unit:,.2f} per buying unit" if t.sales_per_unit is not None else ""
    returns = f", {t.returns} returns" if t.returns else ""
    return (
        f"Sales {t.sales:,.2f}{per_unit} from {t.receipts:,} receipts{returns}; {s.matched:,} of {s.receipts:,} "
        "receipts matched to the buying unit that paid at the till (zone conversion counts these)."
    )


def _sales(report: DailyReport) -> str:
    rows = sales_rows(report)
    note = f'<p class="{"" if report.sales.recorded else "empty"}">{escape(sales_note(report))}</p>'
    if not rows:
        return note
    body = "".join(
        f'<tr><td>{escape(zone)}</td><td class="wide">{escape(categories)}</td><td class="num">{units}</td>'
        f'<td class="num">{buyers}</td><td class="num">{conversion}</td></tr>'
        for zone, categories, units, buyers, conversion in rows
    )
    return (
        f'{note}<table><thead><tr><th>Zone</th><th class="wide">Categories</th><th class="num">Stayed</th>'
        f'<th class="num">Bought</th><th class="num">Conversion</th></tr></thead><tbody>{body}</tbody></table>'
        '<p class="muted small">Buying units that stayed in the zone, and of them those whose receipt has the '
        "zone's categories.</p>"
    )


def queue_notes(report: DailyReport) -> list[str]:
    """Each queue of the day in a sentence, or why there is none."""
    if not report.queue_zones:
        return ["No queue data: the store config has no checkout queue zone."]
    if not report.queues:
        return ["Nobody queued at the checkout on this day."]
    notes = []
    for q in report.queues:
        hour, longest = q.peak
        text = (
            f"{q.zone.replace('_', ' ').capitalize()}: {q.served:,} people served, "
            f"{duration_text(q.day_wait_s)} waiting on average; the longest queue was {longest} "
            f"({_hour_span(hour)})"
        )
        worst = q.longest_wait()
        if worst is not None:
            text += f", the longest wait {duration_text(worst[1])} ({_hour_span(worst[0])})"
        notes.append(text + ".")
    return notes


def _queues(report: DailyReport, picture: Callable[[str, str], str]) -> str:
    notes = queue_notes(report)
    if not report.queues:
        return f'<p class="empty">{escape(notes[0])}</p>'
    parts = []
    for q, note in zip(report.queues, notes):
        parts.append(f"<p>{escape(note)}</p>")
        parts.append(picture(f"queue_{q.zone}", f"Longest queue per hour at {q.zone.replace('_', ' ')}"))
    parts.append(
        '<p class="muted small">Bars: the longest queue in each hour; over them, that hour\'s wait (its mean '
        "queue over the people served, Little's law).</p>"
    )
    return "".join(parts)


def _alerts(report: DailyReport) -> str:
    if not report.alerts:
        return '<p class="empty">No alerts on this day.</p>'
    counts = ", ".join(
        f"{n} {escape(kind.replace('_', ' '))} in {escape(zone.replace('_', ' '))}"
        for (kind, zone), n in sorted(report.alert_counts.items(), key=lambda kv: -kv[1])
    )
    rows = "".join(
        f'<tr><td class="num">{a.ts:%H:%M}</td><td>{escape(a.kind.replace("_", " "))}</td>'
        f'<td>{escape(a.zone.replace("_", " "))}</td><td class="wide">{escape(a.message)}</td>'
        f'<td>{"acknowledged" if a.acknowledged else "open"}</td></tr>'
        for a in report.alerts[:MAX_ALERTS_LISTED]
    )
    more = len(report.alerts) - MAX_ALERTS_LISTED
    more_html = f'<p class="muted small">and {more} more (counted above).</p>' if more > 0 else ""
    return (
        f"<p>{counts}.</p><table><thead><tr><th class=\"num\">Time</th><th>Kind</th><th>Zone</th>"
        f'<th class="wide">What</th><th>State</th></tr></thead><tbody>{rows}</tbody></table>{more_html}'
    )


def daily_html(report: DailyReport, images: ReportImages, src: Callable[[str, bytes], str] = data_uri) -> str:
    """The report page.

    Args:
        images: Its pictures.
        src: The URL each picture is given (by name and PNG): inside the page by default.
    """
    made = report.generated_at.astimezone(report.tz)
    lines = "".join(f"<li>{escape(line)}</li>" for line in headline(report))
    nothing = (
        '<p class="empty">Nothing was recorded on this day: no camera ran or nobody was counted.</p>'
        if not report.today.recorded
        else ""
    )
    left_out = (
        f" Staff-only zones left out: {escape(', '.join(n.replace('_', ' ') for n in report.zones.left_out))}."
        if report.zones.left_out
        else ""
    )
    last = f"last {report.weekday} ({report.last_week.day:%-d %b})"
    comparison = (
        f"Grey steps: {last}." if report.last_week.recorded else f"No data for {last} to compare with."
    )
    urls = {name: src(name, png) for name, png in images.items()}

    def picture(name: str, alt: str) -> str:
        """The picture, its phone version chosen by the browser on narrow screens."""
        img = f'<img src="{urls[name]}" alt="{escape(alt)}">'
        narrow = urls.get(f"{name}_narrow")
        return f'<picture><source media="(max-width: 600px)" srcset="{narrow}">{img}</picture>' if narrow else img

    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(report.title)}</title>
<style>{STYLE}</style>
</head>
<body>
<main class="report">
<header>
<p class="eyebrow">{escape(report.store_name)} · daily report</p>
<h1>{report.weekday} {report.day.day} {report.day:%B %Y}</h1>
<p class="muted small">The whole day, 00:00 to 24:00 {escape(report.timezone)} time.</p>
</header>
{nothing}
{_kpis(report)}
<section>
<h2>The day at a glance</h2>
<ul class="headline">{lines or "<li>No visitors were counted.</li>"}</ul>
</section>
<section>
<h2>Visitors per hour</h2>
{picture("peak_hours", "Visitors per hour, against the same weekday last week")}
<p class="muted small">People coming in through the entrances, per hour. {comparison}</p>
</section>
<section>
<h2>Where people spent time</h2>
{picture("heatmap", "Heatmap of the day on the store plan")}
<p class="muted small">Colours: time spent per area; lines: the busiest moves between zones.{left_out}</p>
{_zones_table(report)}
</section>
<section>
<h2>Time in each zone</h2>
{picture("dwell", "Median time per visit in each zone")}
</section>
<section>
<h2>Sales</h2>
{_sales(report)}
</section>
<section>
<h2>Checkout queue</h2>
{_queues(report, picture)}
</section>
<section>
<h2>Alerts</h2>
{_alerts(report)}
</section>
<footer>Made by storelens {escape(__version__)} on {made:%Y-%m-%d %H:%M} ({escape(report.timezone)}).
Counts come from the store's cameras; no images of people are kept.</footer>
</main>
</body>
</html>
"""
