"""The daily report as an A4 PDF, drawn with matplotlib (PdfPages): the HTML page's content on paper.

Page 1 holds what a manager needs at a glance (the figures against last week, the day in a few
sentences, visitors per hour); page 2 the heatmap and the zones ranked; page 3 time in each zone,
the checkout queue, sales and the alerts. A block that does not fit its page starts the next.
Charts are vector drawings; text keeps its characters (matplotlib's Type 3 fonts carry a Unicode
map), so it can be searched, copied and read by ``pdftotext``; the heatmap is embedded at its own
resolution.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field

import cv2
import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

from storelens import __version__
from storelens.config import StoreConfig
from storelens.reports.daily import MAX_ALERTS_LISTED, DailyReport
from storelens.reports.daily_charts import (
    INK,
    MUTED,
    TODAY,
    draw_dwell,
    draw_peak_hours,
    draw_queue,
    dwell_zones,
    figure,
)
from storelens.reports.daily_html import headline, kpi_tiles, queue_notes, sales_note, sales_rows, zone_rows

__all__ = ["daily_pdf"]

PAGE_IN = (8.27, 11.69)
"""A4 portrait, inches."""
MARGIN_IN = 0.6
BOTTOM_IN = 0.8
"""Kept free at the foot of a page (its footer)."""
CARD = "#f1f5f9"
LINE = "#e2e8f0"
HOT, COLD = "#b91c1c", "#1d4ed8"


@dataclass
class _Page:
    """One page laid out top to bottom: ``y_in`` is how far down the next block goes."""

    fig: Figure
    y_in: float = MARGIN_IN
    width_in: float = PAGE_IN[0] - 2 * MARGIN_IN
    footer: str = ""
    blocks: list[str] = field(default_factory=list)

    def _fy(self, y_in: float) -> float:
        return 1 - y_in / PAGE_IN[1]

    def _fx(self, x_in: float) -> float:
        return (MARGIN_IN + x_in) / PAGE_IN[0]

    def text(self, text: str, size: float = 10, colour: str = INK, weight: str = "normal", gap_in: float = 0.06,
             x_in: float = 0.0, chars: int | None = None) -> None:
        """Text from the left edge, wrapped to about ``chars`` characters a line (by default the
        width at ``size``)."""
        chars = chars or int(self.width_in * 72 / (size * 0.55))
        for line in textwrap.wrap(text, chars) or [""]:
            height = size * 1.35 / 72
            self.fig.text(self._fx(x_in), self._fy(self.y_in + height * 0.8), line, fontsize=size, color=colour,
                          fontweight=weight, va="baseline")
            self.y_in += height
        self.y_in += gap_in

    def heading(self, text: str) -> None:
        self.y_in += 0.12
        self.text(text, size=13, weight="bold", gap_in=0.08)

    def axes(self, height_in: float, left_in: float = 0.0, right_in: float = 0.0) -> Axes:
        """Axes of the full width (less ``left_in`` / ``right_in`` for labels), ``height_in`` tall."""
        ax = self.fig.add_axes((
            self._fx(left_in), self._fy(self.y_in + height_in), (self.width_in - left_in - right_in) / PAGE_IN[0],
            height_in / PAGE_IN[1],
        ))
        self.y_in += height_in
        return ax

    def image(self, bgr: np.ndarray, max_height_in: float) -> None:
        h, w = bgr.shape[:2]
        width_in = min(self.width_in, max_height_in * w / h)
        height_in = width_in * h / w
        left = (self.width_in - width_in) / 2
        ax = self.fig.add_axes((self._fx(left), self._fy(self.y_in + height_in), width_in / PAGE_IN[0],
                                height_in / PAGE_IN[1]))
        ax.imshow(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), interpolation="none")  # embedded as drawn, not resampled
        ax.set_axis_off()
        self.y_in += height_in + 0.08

    def tiles(self, tiles: Sequence[tuple[str, str, str, str]], columns: int = 3) -> None:
        """KPI tiles (label, value, comparison, tone) in rows of ``columns``."""
        gap, height = 0.12, 0.95
        width = (self.width_in - gap * (columns - 1)) / columns
        for i, (label, value, sub, tone) in enumerate(tiles):
            row, col = divmod(i, columns)
            x, top = col * (width + gap), self.y_in + row * (height + gap)
            box = FancyBboxPatch((self._fx(x), self._fy(top + height)), width / PAGE_IN[0], height / PAGE_IN[1],
                                 boxstyle="round,pad=0,rounding_size=0.008", transform=self.fig.transFigure,
                                 facecolor=CARD, edgecolor="none")
            self.fig.add_artist(box)
            self.fig.text(self._fx(x + 0.12), self._fy(top + 0.24), label.upper(), fontsize=7.5, color=MUTED,
                          fontweight="bold")
            self.fig.text(self._fx(x + 0.12), self._fy(top + 0.6), value, fontsize=20, color=INK, fontweight="bold")
            colour = {"up": "#15803d", "down": HOT}.get(tone, MUTED)
            self.fig.text(self._fx(x + 0.12), self._fy(top + 0.82), textwrap.shorten(sub, 40), fontsize=7.5,
                          color=colour)
        rows = -(-len(tiles) // columns)
        self.y_in += rows * (height + gap)

    def table(self, columns: Sequence[tuple[str, float, str]], rows: Sequence[Sequence[str]],
              tags: Sequence[tuple[str, str] | None] = (), size: float = 8.5) -> None:
        """Rows under a header; columns are (title, width share, "left" or "right")."""
        line_in = size * 1.75 / 72
        xs = np.cumsum([0.0, *(share for _, share, _ in columns)]) * self.width_in

        def row(cells: Sequence[str], colour: str, weight: str) -> None:
            for (_, _, align), x0, x1, cell in zip(columns, xs[:-1], xs[1:], cells):
                x = x1 - 0.05 if align == "right" else x0 + 0.05
                self.fig.text(self._fx(x), self._fy(self.y_in + line_in * 0.68), cell, fontsize=size, color=colour,
                              fontweight=weight, ha=align)
            self.fig.add_artist(matplotlib.lines.Line2D(
                [self._fx(0), self._fx(self.width_in)], [self._fy(self.y_in + line_in)] * 2,
                transform=self.fig.transFigure, color=LINE, linewidth=0.8))
            self.y_in += line_in

        row([title.upper() for title, _, _ in columns], MUTED, "bold")
        for i, cells in enumerate(rows):
            tag = tags[i] if i < len(tags) else None
            row(cells, INK, "normal")
            if tag is not None:
                text, colour = tag
                width = len(cells[0]) * size * 0.58 / 72 + 0.15
                self.fig.text(self._fx(width), self._fy(self.y_in - line_in * 0.32), f" {text.upper()} ",
                              fontsize=6.5, color="white", fontweight="bold",
                              bbox={"boxstyle": "round,pad=0.2", "facecolor": colour, "edgecolor": "none"})
        self.y_in += 0.08


def _pages(report: DailyReport, config: StoreConfig, heatmap: np.ndarray) -> list[Figure]:
    made = report.generated_at.astimezone(report.tz)
    footer = (
        f"{report.store_name} · daily report {report.day.isoformat()} · made {made:%Y-%m-%d %H:%M} "
        f"({report.timezone}) by storelens {__version__}"
    )
    pages: list[_Page] = []

    def new_page() -> _Page:
        page = _Page(figure(*PAGE_IN), footer=footer)
        pages.append(page)
        return page

    def room(height_in: float) -> _Page:
        """The page with ``height_in`` left for the next block: this one, or a new one."""
        nonlocal p
        if p.y_in + height_in > PAGE_IN[1] - BOTTOM_IN:
            p = new_page()
        return p

    # Page 1: the figures, the day in a few sentences, visitors per hour.
    p = new_page()
    p.text(f"{report.store_name.upper()} · DAILY REPORT", size=9, colour=TODAY, weight="bold", gap_in=0.02)
    p.text(f"{report.weekday} {report.day.day} {report.day:%B %Y}", size=22, weight="bold", gap_in=0.02)
    p.text(f"The whole day, 00:00 to 24:00 {report.timezone} time.", size=9, colour=MUTED, gap_in=0.2)
    if not report.today.recorded:
        p.text("Nothing was recorded on this day: no camera ran or nobody was counted.", size=10, colour=HOT)
    p.tiles(kpi_tiles(report))
    p.heading("The day at a glance")
    for line in headline(report) or ["No visitors were counted."]:
        p.text(f"•  {line}", size=10, gap_in=0.03)
    p.heading("Visitors per hour")
    p.y_in += 0.3  # the legend sits above the bars
    draw_peak_hours(p.axes(3.0, left_in=0.55), report)
    p.y_in += 0.45
    last = f"last {report.weekday} ({report.last_week.day:%-d %b})"
    p.text("People coming in through the entrances, per hour. "
           + (f"Grey steps: {last}." if report.last_week.recorded else f"No data for {last} to compare with."),
           size=8.5, colour=MUTED)

    # Page 2: the heatmap and the zones ranked.
    p = new_page()
    p.heading("Where people spent time")
    p.image(heatmap, max_height_in=5.6)
    note = "Colours: time spent per area; lines: the busiest moves between zones."
    if report.zones.left_out:
        note += f" Staff-only zones left out: {', '.join(n.replace('_', ' ') for n in report.zones.left_out)}."
    p.text(note, size=8.5, colour=MUTED, gap_in=0.12)
    rows, tags = zone_rows(report)
    if rows:
        p.table([("Zone", 0.34, "left"), ("Visitors", 0.15, "right"), ("Share", 0.13, "right"),
                 ("Time per area", 0.2, "right"), ("Median visit", 0.18, "right")], rows,
                [None if t is None else (t, HOT if t == "hot" else COLD) for t in tags])
        p.text("Hottest first, by time spent per area (visitor-minutes per m²); share: of the people who came in.",
               size=8, colour=MUTED)
    else:
        p.text("The store config has no shoppers' zones.", size=10, colour=MUTED)

    # Page 3 (and 4 if it runs over): time in each zone, queues, sales, alerts.
    p = new_page()
    p.heading("Time in each zone")
    n = max(len(dwell_zones(report.zones.zones)), 1)
    p.y_in += 0.3  # the legend sits above the bars
    draw_dwell(p.axes(0.22 * n, left_in=1.3, right_in=0.1), report.zones.zones)
    p.y_in += 0.5
    notes = queue_notes(report)
    room(0.9 if not report.queues else 2.9).heading("Checkout queue")
    if not report.queues:
        p.text(notes[0], size=10, colour=MUTED)
    for i, (q, note) in enumerate(zip(report.queues, notes)):
        (room(2.4) if i else p).text(note, size=9.5, gap_in=0.35)  # the legend sits above the bars
        draw_queue(p.axes(1.1, left_in=0.55), report, q)
        p.y_in += 0.42
    rows = sales_rows(report)
    room(1.0 + 0.21 * (len(rows) + 1)).heading("Sales")
    p.text(sales_note(report), size=9.5 if report.sales.recorded else 10,
           colour=INK if report.sales.recorded else MUTED)
    if rows:
        p.table([("Zone", 0.24, "left"), ("Categories", 0.34, "left"), ("Stayed", 0.13, "right"),
                 ("Bought", 0.13, "right"), ("Conversion", 0.16, "right")], rows)
    listed = report.alerts[:MAX_ALERTS_LISTED]
    room(0.75 + (0.2 * (len(listed) + 1) if listed else 0.2)).heading("Alerts")
    if report.alerts:
        counts = ", ".join(f"{k} {kind.replace('_', ' ')} in {zone.replace('_', ' ')}"
                           for (kind, zone), k in sorted(report.alert_counts.items(), key=lambda kv: -kv[1]))
        p.text(counts + ".", size=9.5)
        p.table([("Time", 0.1, "left"), ("Kind", 0.2, "left"), ("Zone", 0.18, "left"), ("What", 0.4, "left"),
                 ("State", 0.12, "left")],
                [[f"{a.ts:%H:%M}", a.kind.replace("_", " "), a.zone.replace("_", " "), textwrap.shorten(a.message, 52),
                  "acknowledged" if a.acknowledged else "open"] for a in listed], size=8)
        if len(report.alerts) > MAX_ALERTS_LISTED:
            p.text(f"and {len(report.alerts) - MAX_ALERTS_LISTED} more (counted above).", size=8.5, colour=MUTED)
    else:
        p.text("No alerts on this day.", size=10, colour=MUTED)

    for i, page in enumerate(pages, 1):
        page.fig.text(0.5, 0.025, f"{page.footer} · page {i} of {len(pages)}", ha="center", fontsize=7, color=MUTED)
    return [page.fig for page in pages]


def daily_pdf(report: DailyReport, config: StoreConfig, heatmap: np.ndarray) -> bytes:
    """The report as PDF bytes.

    Args:
        heatmap: The day's heatmap picture (BGR), as the HTML page shows it.
    """
    buffer = io.BytesIO()
    with PdfPages(buffer, metadata=_metadata(report)) as pdf:
        for fig in _pages(report, config, heatmap):
            pdf.savefig(fig)
    return buffer.getvalue()


def _metadata(report: DailyReport) -> dict[str, str]:
    return {"Title": report.title, "Creator": f"storelens {__version__}", "Subject": "Daily store report"}

