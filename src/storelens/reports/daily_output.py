"""The daily report made once into everything it is delivered as: HTML page, PDF, mail subject and text.

`storelens report` writes the files into a folder; `storelens serve` keeps them in its archive
and mails them (`storelens.reports.archive`, `storelens.reports.schedule`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import numpy as np

from storelens.config import StoreConfig
from storelens.errors import StorageError
from storelens.folders import output_folder
from storelens.reports.daily import DailyReport, daily_report
from storelens.reports.daily_charts import bgr_png, dwell_png, heatmap_picture, peak_hours_png, queue_png
from storelens.reports.daily_html import ReportImages, daily_html, summary_text
from storelens.reports.daily_pdf import daily_pdf
from storelens.storage import StoreDatabase

__all__ = [
    "RenderedReport",
    "make_daily_report",
    "render_daily",
    "report_images",
    "write_atomic",
    "write_report_files",
]


@dataclass(frozen=True, eq=False)
class RenderedReport:
    """A day's report in every form it is delivered in.

    Attributes:
        report: Its content.
        html: The self-contained page (pictures as data: URIs).
        pdf: The A4 PDF.
        subject: The mail's subject line.
        text: The figures as plain text (the mail's text part).
    """

    report: DailyReport
    html: str
    pdf: bytes
    subject: str
    text: str

    @property
    def figures(self) -> dict[str, int | float | None]:
        """The headline figures, for the archive's list."""
        r = self.report
        return {
            "visitors": r.today.entries if r.today.recorded else None,
            "passers_by": r.today.passers_by if r.today.recorded else None,
            "capture_rate": r.today.capture_rate,
            "conversion": r.sales.totals.conversion if r.sales.recorded else None,
            "alerts": len(r.alerts),
        }

    @property
    def stem(self) -> str:
        return self.report.stem


def report_images(report: DailyReport, config: StoreConfig) -> tuple[ReportImages, np.ndarray]:
    """The report's charts and heatmap as PNGs (wide and for phones), and the heatmap as drawn
    (BGR, for the PDF)."""
    heatmap = heatmap_picture(report, config)
    zones = report.zones.zones
    images = ReportImages(
        wide={
            "peak_hours": peak_hours_png(report),
            "heatmap": bgr_png(heatmap),
            "dwell": dwell_png(zones),
            **{f"queue_{q.zone}": queue_png(report, q) for q in report.queues},
        },
        narrow={
            "peak_hours": peak_hours_png(report, narrow=True),
            "heatmap": bgr_png(heatmap_picture(report, config, narrow=True)),
            "dwell": dwell_png(zones, narrow=True),
            **{f"queue_{q.zone}": queue_png(report, q, narrow=True) for q in report.queues},
        },
    )
    return images, heatmap


def render_daily(report: DailyReport, config: StoreConfig) -> RenderedReport:
    """Draw the report's pictures once and lay it out as HTML and PDF."""
    images, heatmap = report_images(report, config)
    visitors = f"{report.today.entries:,} visitors" if report.today.recorded else "nothing recorded"
    return RenderedReport(
        report=report,
        html=daily_html(report, images),
        pdf=daily_pdf(report, config, heatmap),
        subject=f"{report.store_name}: {report.weekday} {report.day.day} {report.day:%b %Y}, {visitors}",
        text=summary_text(report),
    )


def make_daily_report(
    config: StoreConfig, db: StoreDatabase, day: date, now: datetime | None = None
) -> RenderedReport:
    """Read the local ``day`` from ``db`` and render its report.

    Raises:
        StorageError: The database cannot be read.
    """
    return render_daily(daily_report(config, db, day, now), config)


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``path`` whole or not at all: a reader (the dashboard) never sees half a file.

    Raises:
        StorageError: It cannot be written.
    """
    part = path.with_name(f".{path.name}.part")
    try:
        part.write_bytes(data)
        os.replace(part, path)
    except OSError as err:
        part.unlink(missing_ok=True)
        raise StorageError(f"{path}: cannot write the report: {err.strerror or err}") from None


def write_report_files(rendered: RenderedReport, folder: Path) -> tuple[Path, Path]:
    """``<store id>-<day>.html`` and ``.pdf`` in ``folder`` (made if missing); returns their paths.

    Raises:
        StorageError: ``folder`` is a file or cannot be made, or a file cannot be written.
    """
    output_folder(folder)
    html, pdf = folder / f"{rendered.stem}.html", folder / f"{rendered.stem}.pdf"
    write_atomic(html, rendered.html.encode("utf-8"))
    write_atomic(pdf, rendered.pdf)
    return html, pdf
