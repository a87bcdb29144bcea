"""The daily report of one day of a month of history: how long it takes, and where the time goes.

The month is the demo's shop as `storelens demo` fills its history (`storelens.sim.history`:
each day's simulated people through the analytics into SQLite, seed 0, full traffic), ``--days``
days from FIRST_DAY; days already in ``--dir`` are reused (a month takes hours to write on two
cores). The report is of the last day written whose same weekday a week before is in the month.

Printed: the end-to-end time of ``storelens report`` (a new process: imports, database, report,
files), then, in this process, each section read from the database, the pictures, the HTML and
the PDF, each the median of ``--repeat`` runs after a first (cold) one. The issue asks for the
whole under 10 s.

    scripts/bench bench/bench_report.py --days 28 --dir bench/out/report-month
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa

from storelens.config import load_config
from storelens.reports.crossings import day_bounds
from storelens.reports.daily import (
    alerts_of_day,
    daily_report,
    sales_of_day,
    traffic_of_day,
    visits_of_day,
    zones_of_day,
)
from storelens.reports.daily_charts import bgr_png, dwell_png, heatmap_picture, peak_hours_png
from storelens.reports.daily_html import ReportImages, daily_html
from storelens.reports.daily_pdf import daily_pdf
from storelens.runner import open_store_database
from storelens.sim import build_store, write_store_config
from storelens.sim.history import fill_history
from storelens.storage import schema

FIRST_DAY = date(2026, 2, 2)  # a Monday


def timed(fn, repeat: int) -> tuple[float, float, object]:
    """(first run s, median of ``repeat`` more, last result)."""
    t0 = time.perf_counter()
    out = fn()
    first = time.perf_counter() - t0
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        runs.append(time.perf_counter() - t0)
    return first, statistics.median(runs) if runs else first, out


def table_rows(db) -> dict[str, int]:
    with db.engine.connect() as conn:
        return {
            name: conn.execute(sa.select(sa.func.count()).select_from(getattr(schema, name))).scalar_one()
            for name in ("positions", "line_crossings", "visits", "zone_visits", "heat", "minute_aggregates")
        }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--days", type=int, default=28)
    parser.add_argument("--dir", type=Path, help="folder of the store and its database (kept; days written are reused)")
    parser.add_argument("--no-fill", action="store_true", help="report on the days already written, write none")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    directory = args.dir or Path(tempfile.mkdtemp(prefix="bench-report-"))
    store = build_store(4)
    config_path = write_store_config(store, directory)
    config = load_config(config_path)
    days = [FIRST_DAY + timedelta(days=k) for k in range(args.days)]
    with open_store_database(config) as db:
        if not args.no_fill:
            t0 = time.perf_counter()
            fill_history(config, store, db, days, seed=0)
            print(f"history: {args.days} days written or reused in {time.perf_counter() - t0:.0f} s")
        written = [d for d in days if db.recorded(*day_bounds(d, config.tz))]
        rows = table_rows(db)
    day = max(d for d in written if d - timedelta(days=7) in written)
    print(f"database: {len(written)} days ({written[0]} to {written[-1]}), {directory / 'storelens.db'}; rows: "
          + ", ".join(f"{name} {n:,}" for name, n in rows.items()))
    print(f"report of {day:%A %Y-%m-%d} (last week: {day - timedelta(days=7)})")

    out = Path(tempfile.mkdtemp(prefix="bench-report-out-"))
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "storelens.cli", "report", str(config_path), "--day", day.isoformat(), "-o", str(out)],
        check=True,
        capture_output=True,
    )
    end_to_end = time.perf_counter() - t0
    pdf = next(out.glob("*.pdf"))
    print(f"`storelens report` end to end (new process): {end_to_end:.2f} s; PDF {pdf.stat().st_size / 1e3:.0f} kB, "
          f"HTML {next(out.glob('*.html')).stat().st_size / 1e3:.0f} kB")

    rows = []
    with open_store_database(config) as db:
        for name, fn in (
            ("traffic, the day", lambda: traffic_of_day(config, db, day)),
            ("traffic, last week", lambda: traffic_of_day(config, db, day - timedelta(days=7))),
            ("visits", lambda: visits_of_day(config, db, day)),
            ("zones and heatmap", lambda: zones_of_day(config, db, day)),
            ("sales, the day and last week", lambda: (sales_of_day(config, db, day),
                                                      sales_of_day(config, db, day - timedelta(days=7)))),
            ("alerts", lambda: alerts_of_day(config, db, day)),
            ("whole report content", lambda: daily_report(config, db, day)),
        ):
            rows.append((name, *timed(fn, args.repeat)[:2]))
        report = daily_report(config, db, day)
    first, median, heatmap = timed(lambda: heatmap_picture(report, config), args.repeat)
    rows.append(("heatmap picture", first, median))
    first, median, images = timed(
        lambda: ReportImages(
            {"peak_hours": peak_hours_png(report), "heatmap": bgr_png(heatmap), "dwell": dwell_png(report.zones.zones)}
        ),
        args.repeat,
    )
    rows.append(("charts and PNGs", first, median))
    rows.append(("HTML page", *timed(lambda: daily_html(report, images), args.repeat)[:2]))
    rows.append(("PDF (3 pages)", *timed(lambda: daily_pdf(report, config, heatmap), args.repeat)[:2]))
    print("| part | first run, s | median of the next, s |\n|---|---|---|")
    for name, first, median in rows:
        print(f"| {name} | {first:.2f} | {median:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
