"""The daily report's pictures: visitors per hour against last week, dwell per zone, the heatmap.

Charts are drawn with matplotlib on the Agg canvas, chosen explicitly per figure (no pyplot,
no global backend switch), onto axes the caller places: a PNG of its own for the HTML page, or
a region of a PDF page. The heatmap is the one renderer of every heatmap picture
(`storelens.reports.heatmap`), here without its zone-to-zone diagram.
"""

from __future__ import annotations

import io

import cv2
import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from storelens.config import StoreConfig
from storelens.render.heatmap import draw_colour_bar, stack_panels
from storelens.reports.daily import DailyReport, QueueDay, ZoneDay, duration_text
from storelens.reports.heatmap import HEAT_UNIT, render_report

__all__ = [
    "INK",
    "LAST_WEEK",
    "MUTED",
    "TODAY",
    "draw_dwell",
    "draw_peak_hours",
    "draw_queue",
    "dwell_zones",
    "dwell_png",
    "figure",
    "heatmap_picture",
    "peak_hours_png",
    "png_bytes",
    "queue_png",
    "bgr_png",
]

TODAY = "#1d4ed8"
"""The day's bars: the dashboard's accent blue."""
LAST_WEEK = "#94a3b8"
INK = "#0f172a"
MUTED = "#64748b"
GRID = "#e2e8f0"
PNG_DPI = 150
"""Sharp on a phone's screen and in a mail at the chart's CSS width."""


def figure(width_in: float, height_in: float) -> Figure:
    """A blank figure on its own Agg canvas (no pyplot state)."""
    fig = Figure(figsize=(width_in, height_in))
    FigureCanvasAgg(fig)
    return fig


def png_bytes(fig: Figure, dpi: int = PNG_DPI) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, facecolor="white")
    return buffer.getvalue()


def _style(ax: Axes) -> None:
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.spines["bottom"].set_color(LAST_WEEK)
    ax.tick_params(colors=MUTED, labelsize=8, length=0)
    ax.grid(axis="y", color=GRID, linewidth=0.8)
    ax.set_axisbelow(True)


def _hour_ticks(hours: np.ndarray, narrow: bool) -> tuple[np.ndarray, list[str]]:
    """Every hour labelled where 14 fit (7 on a phone), else every second or third."""
    step = -(-len(hours) // (7 if narrow else 14))
    return hours[::step], [f"{h:02d}:00" for h in hours[::step]]


def draw_peak_hours(ax: Axes, report: DailyReport, narrow: bool = False) -> None:
    """Visitors per local hour of the day (bars) against the same weekday last week (grey steps),
    the busiest hour's bar labelled. Each bar stands over its hour, labelled by its start."""
    hours = np.array(report.chart_hours())
    today = report.today.entries_by_hour()[hours]
    weekday = report.weekday[:3] if narrow else report.weekday
    label = f"{weekday} {report.day:%-d %b}"
    shown = [ax.bar(hours, today, width=0.78, color=TODAY, label=label, zorder=2)]
    before = report.last_week.entries_by_hour()[hours]
    if report.last_week.recorded:
        label = f"{weekday} {report.last_week.day:%-d %b}" if narrow else (
            f"last {weekday} ({report.last_week.day:%-d %b})"
        )
        shown.append(ax.stairs(before, np.append(hours, hours[-1] + 1) - 0.5, color=LAST_WEEK, linewidth=2.0,
                               baseline=None, label=label, zorder=3))
    busiest = report.today.busiest_hour()
    if busiest is not None:
        hour, n = busiest
        ax.annotate(f"{n:,}", (hour, n), xytext=(0, 2), textcoords="offset points", ha="center", va="bottom",
                    fontsize=8, color=INK, fontweight="bold", zorder=4)
    ax.set_xlim(hours[0] - 0.6, hours[-1] + 0.6)
    ax.set_xticks(*_hour_ticks(hours, narrow))
    top = max(int(today.max(initial=0)), int(before.max(initial=0)) if report.last_week.recorded else 0, 1)
    ax.set_ylim(0, top * 1.12)
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set_ylabel("visitors per hour", fontsize=8, color=MUTED)
    _style(ax)
    ax.legend(handles=shown, loc="lower left", bbox_to_anchor=(0, 1.0), fontsize=8, frameon=False, ncols=2,
              borderaxespad=0.1, handlelength=1.2, columnspacing=1.0)


def dwell_zones(zones: list[ZoneDay]) -> list[ZoneDay]:
    """Zones with visits, longest median visit first."""
    return sorted((z for z in zones if z.median_dwell_s is not None), key=lambda z: (-z.median_dwell_s, z.name))


def draw_dwell(ax: Axes, zones: list[ZoneDay], compact: bool = False) -> None:
    """Median time per visit in each zone (bars, labelled) and how long 9 in 10 visits stayed
    at most (grey line to a tick, labelled after the median unless ``compact``)."""
    shown = dwell_zones(zones)
    if not shown:
        ax.set_axis_off()
        ax.text(0.5, 0.5, "no zone visits", ha="center", va="center", color=MUTED, transform=ax.transAxes)
        return
    y = np.arange(len(shown))[::-1]
    median = np.array([z.median_dwell_s for z in shown]) / 60
    p90 = np.array([z.p90_dwell_s for z in shown]) / 60
    bars = ax.barh(y, median, height=0.62, color=TODAY, zorder=2, label="median visit")
    ax.hlines(y, median, p90, color=LAST_WEEK, linewidth=1.5, zorder=2)
    (ticks,) = ax.plot(p90, y, "|", color=LAST_WEEK, markersize=9, markeredgewidth=1.5, zorder=2,
                       label="9 in 10 visits were shorter")
    for yi, end, z in zip(y, p90, shown):
        label = duration_text(z.median_dwell_s) if compact else (
            f"{duration_text(z.median_dwell_s)}  ·  {duration_text(z.p90_dwell_s)}"
        )
        ax.text(end, yi, f"  {label}", va="center", fontsize=7.5, color=INK)
    ax.set_yticks(y, [z.name.replace("_", " ") for z in shown], fontsize=8, color=INK)
    ax.set_ylim(-0.6, len(shown) - 0.4)
    ax.set_xlim(0, float(p90.max()) * (1.3 if compact else 1.45) or 1)
    ax.set_xlabel("minutes per visit", fontsize=8, color=MUTED)
    _style(ax)
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", color=GRID, linewidth=0.8)
    ax.legend(handles=[bars, ticks], loc="lower left", bbox_to_anchor=(-0.3 if compact else 0, 1.0), fontsize=8,
              frameon=False, ncols=2, borderaxespad=0.1, handlelength=1.2, columnspacing=1.0)


WIDE_IN, NARROW_IN = 7.2, 3.4
"""Chart widths: the page's column on a screen or in a mail, and a phone's (the same 8-point text
then reads at about 11 px on a 390 px wide screen instead of 5)."""


QUEUE = "#f29e2e"
"""Queue bars: the heatmap's orange, apart from the visitors' blue."""


def draw_queue(ax: Axes, report: DailyReport, queue: QueueDay, narrow: bool = False) -> None:
    """The longest queue in each hour (bars), the "open a till" length (dashed), each hour's wait
    written over its bar (not when ``narrow``)."""
    hours = np.array(report.chart_hours())
    index = {h: i for i, h in enumerate(queue.hours)}  # the first of a repeated hour
    longest = np.array([queue.max_length[index[h]] if h in index else 0 for h in hours])
    shown = [ax.bar(hours, longest, width=0.78, color=QUEUE, zorder=2, label="longest queue in the hour")]
    top = max(int(longest.max(initial=0)), queue.open_till_at, 1)
    if queue.open_till_at > 0:
        shown.append(ax.axhline(queue.open_till_at, color=INK, linestyle="--", linewidth=1.0, zorder=3,
                                label=f"open a till at {queue.open_till_at}"))
    if not narrow:
        for h, n in zip(hours, longest):
            wait = queue.wait_s[index[h]] if h in index else None
            if n and wait is not None:
                ax.text(h, n, duration_text(wait, compact=True), ha="center", va="bottom", fontsize=7, color=MUTED,
                        zorder=4)
    ax.set_xlim(hours[0] - 0.6, hours[-1] + 0.6)
    ax.set_xticks(*_hour_ticks(hours, narrow))
    ax.set_ylim(0, top * 1.25)
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set_ylabel("people", fontsize=8, color=MUTED)
    _style(ax)
    ax.legend(handles=shown, loc="lower left", bbox_to_anchor=(0, 1.0), fontsize=8, frameon=False, ncols=2,
              borderaxespad=0.1, handlelength=1.2, columnspacing=1.0)


def queue_png(report: DailyReport, queue: QueueDay, narrow: bool = False) -> bytes:
    """One queue's day as PNG, ``narrow`` for phones."""
    width_in, height_in = (NARROW_IN, 2.1) if narrow else (WIDE_IN, 2.1)
    fig = figure(width_in, height_in)
    left = 0.55 / width_in
    draw_queue(fig.add_axes((left, 0.36 / height_in, 0.98 - left, 1 - 0.68 / height_in)), report, queue, narrow)
    return png_bytes(fig)


def peak_hours_png(report: DailyReport, narrow: bool = False) -> bytes:
    """Visitors per hour as PNG, ``narrow`` for phones."""
    width_in, height_in = (NARROW_IN, 2.6) if narrow else (WIDE_IN, 2.8)
    fig = figure(width_in, height_in)
    left = 0.55 / width_in  # room for the axis label and ticks; 0.36 in under the axes, 0.32 over (legend)
    draw_peak_hours(fig.add_axes((left, 0.36 / height_in, 0.98 - left, 1 - 0.68 / height_in)), report, narrow)
    return png_bytes(fig)


def dwell_png(zones: list[ZoneDay], narrow: bool = False) -> bytes:
    """Time in each zone as PNG, ``narrow`` for phones (medians only written on the bars)."""
    rows = max(len(dwell_zones(zones)), 1)
    width_in = NARROW_IN if narrow else WIDE_IN
    height_in = 0.95 + 0.26 * rows  # 0.55 in under the bars (axis), 0.4 in over them (legend)
    fig = figure(width_in, height_in)
    left = 1.05 / width_in  # zone names
    draw_dwell(fig.add_axes((left, 0.55 / height_in, 0.97 - left, 0.26 * rows / height_in)), zones, compact=narrow)
    return png_bytes(fig)


def heatmap_picture(report: DailyReport, config: StoreConfig, narrow: bool = False) -> np.ndarray:
    """(h, w, 3) uint8 BGR: the day's heatmap on the plan with its main routes, and its colour bar;
    ``narrow``: for phones, its text and lines twice as large for its width."""
    width, ui = (720, 2.0) if narrow else (1100, 1.0)
    heat = report.zones.heatmap
    plan = render_report(heat, config, width=width, ui=ui, legend=False)
    unit = HEAT_UNIT.replace("²", "2")  # the picture's font has no superscripts
    caption = f"Time spent, {unit}" if narrow else f"Time spent on the floor, {unit} (shelves and fixtures grey)"
    return stack_panels([plan, draw_colour_bar(heat.heat.scale, caption, width, ui)])


def bgr_png(image: np.ndarray) -> bytes:
    ok, png = cv2.imencode(".png", image)
    if not ok:
        raise ValueError("cannot encode the picture as PNG")
    return png.tobytes()
