"""The daily report of one day of a month of history: how long it takes, and where the time goes.

The month is the demo's shop as `storelens demo` fills its history (`storelens.sim.history`:
each day's simulated people through the analytics into SQLite, seed 0, full traffic), ``--days``
days from FIRST_DAY; days already in ``--dir`` are reused (a month takes hours to write on two
cores). The report is of the last day written whose same weekday a week before is in the month.

Printed: the end-to-end time of ``storelens report`` (a new process each time: imports, database,
report, files; wall and CPU time, and the machine's load, since other work on it slows the wall
clock), then, in this process, each section read from the database, the pictures, the HTML and the
PDF, each the median of ``--repeat`` runs after a first (cold) one. The issue asks for the whole
under 10 s.

    scripts/bench bench/bench_report.py --days 28 --dir bench/out/report-month
"""

from __future__ import annotations

import argparse
import os
import resource
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
    queues_of_day,
    sales_of_day,
    traffic_of_day,
    visits_of_day,
    zones_of_day,
)
from storelens.reports.daily_html import daily_html
from storelens.reports.daily_output import report_images
from storelens.reports.daily_pdf import daily_pdf
from storelens.runner import open_store_database
from storelens.sim import build_store, write_store_config
from storelens.sim.history import fill_history
from storelens.storage import schema

FIRST_DAY = date(2026, 2, 2)  # a Monday


def timed(fn, repeat: int) -> tuple[float, float, float, object]:
    """(first run s, median of ``repeat`` more s, median CPU s of those, last result)."""
    t0 = time.perf_counter()
    out = fn()
    first = time.perf_counter() - t0
    walls, cpus = [], []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    return first, statistics.median(walls or [first]), statistics.median(cpus or [0.0]), out


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
    complete = written if not args.no_fill else written[:-1]  # the newest may still be being written
    day = max(d for d in complete if d - timedelta(days=7) in written)
    print(f"database: {len(written)} days ({written[0]} to {written[-1]}), {directory / 'storelens.db'}; rows: "
          + ", ".join(f"{name} {n:,}" for name, n in rows.items()))
    print(f"report of {day:%A %Y-%m-%d} (last week: {day - timedelta(days=7)})")

    out = Path(tempfile.mkdtemp(prefix="bench-report-out-"))
    command = [sys.executable, "-m", "storelens.cli", "report", str(config_path), "--day", str(day), "-o", str(out)]
    runs = []
    for _ in range(max(args.repeat, 1)):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        wall = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        runs.append((wall, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime))
    wall, cpu = statistics.median(w for w, _ in runs), statistics.median(c for _, c in runs)
    pdf, html = next(out.glob("*.pdf")), next(out.glob("*.html"))
    print(f"`storelens report` end to end (a new process each, median of {len(runs)}): {wall:.2f} s "
          f"({cpu:.2f} s of CPU); load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; "
          f"PDF {pdf.stat().st_size / 1e3:.0f} kB, HTML {html.stat().st_size / 1e3:.0f} kB")

    rows = []
    with open_store_database(config) as db:
        for name, fn in (
            ("traffic, the day", lambda: traffic_of_day(config, db, day)),
            ("traffic, last week", lambda: traffic_of_day(config, db, day - timedelta(days=7))),
            ("visits", lambda: visits_of_day(config, db, day)),
            ("zones and heatmap", lambda: zones_of_day(config, db, day)),
            ("sales, the day and last week", lambda: (sales_of_day(config, db, day),
                                                      sales_of_day(config, db, day - timedelta(days=7)))),
            ("checkout queues", lambda: queues_of_day(config, db, day)),
            ("alerts", lambda: alerts_of_day(config, db, day)),
            ("whole report content", lambda: daily_report(config, db, day)),
        ):
            rows.append((name, *timed(fn, args.repeat)[:3]))
        report = daily_report(config, db, day)
    first, median, cpu, (images, heatmap) = timed(lambda: report_images(report, config), args.repeat)
    rows.append(("charts and heatmap, wide and for phones (PNG)", first, median, cpu))
    rows.append(("HTML page", *timed(lambda: daily_html(report, images), args.repeat)[:3]))
    rows.append(("PDF", *timed(lambda: daily_pdf(report, config, heatmap), args.repeat)[:3]))
    print("| part | first run, s | median of the next, s | CPU, s |\n|---|---|---|---|")
    for name, first, median, cpu in rows:
        print(f"| {name} | {first:.2f} | {median:.2f} | {cpu:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
