"""The daily report of one day of a month of simulated history: its numbers, its HTML page and its PDF.

The month is written by ``tests/report_history.py`` (the report's day and the same weekday a week
before simulated in full, the other days moved copies of them), so each day's door and pavement
counts are known. The PDF's pages are rendered with ``pdftoppm`` (checked not blank, kept in
``tests/integration/artifacts/`` to look at) and its text read with ``pdftotext``.
"""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace

import cv2
import numpy as np
import pytest
from report_history import fill_month

from storelens.api.timerange import TimeRange
from storelens.api.traffic import traffic
from storelens.reports.crossings import day_bounds, local_hours
from storelens.reports.daily import daily_report
from storelens.reports.daily_html import sales_rows
from storelens.reports.daily_output import render_daily, write_report_files
from storelens.reports.flows import staff_zones, store_people
from storelens.reports.queue import queue_report
from storelens.runner import open_store_database

DAY = date(2026, 3, 7)  # a Saturday
ARTIFACTS = Path(__file__).parents[2] / "integration" / "artifacts"
POPPLER = shutil.which("pdftoppm") and shutil.which("pdftotext")


@pytest.fixture(scope="module")
def month(tmp_path_factory):
    folder = tmp_path_factory.mktemp("month")
    store, config, truth = fill_month(folder, DAY)
    with open_store_database(config) as db:
        report = daily_report(config, db, DAY)
        empty = daily_report(config, db, DAY + timedelta(days=3))  # after the month: nothing recorded
        dashboard = traffic(config, db.engine, TimeRange(*day_bounds(DAY, config.tz), config.tz), "day").totals
        zone_visits = store_people(db.zone_visits(*day_bounds(DAY, config.tz)))
        queues = queue_report(config, db, local_hours(DAY, config.tz), day_bounds(DAY, config.tz)[1])
    rendered = render_daily(report, config)
    html, pdf = write_report_files(rendered, folder / "out")
    return SimpleNamespace(
        config=config, truth=truth, report=report, empty=empty, dashboard=dashboard,
        zone_visits=zone_visits, queues=queues,
        rendered=rendered, html=html, pdf=pdf,
    )


def test_counts_are_the_days_and_last_weeks(month):
    r, truth = month.report, month.truth
    assert len(truth) == 28
    for counted, day in ((r.today, DAY), (r.last_week, DAY - timedelta(days=7))):
        expected = truth[day]
        assert counted.day == day and counted.recorded
        assert (counted.entries, counted.exits, counted.passers_by) == (
            expected.entries, expected.exits, expected.passers_by
        )
        by_hour = counted.entries_by_hour()
        assert {h: int(n) for h, n in enumerate(by_hour) if n} == expected.entries_by_hour
    assert r.today.entries != r.last_week.entries  # two different days, not one read twice
    assert 0 < r.today.units < r.today.entries  # groups came in: fewer buying units than people
    # The same day as the dashboard's Traffic page sees it.
    d = month.dashboard
    assert (d.entries, d.exits, d.passers_by, d.units) == (r.today.entries, r.today.exits, r.today.passers_by,
                                                          r.today.units)
    assert r.today.capture_rate == pytest.approx(d.capture_rate) and 0 < r.today.capture_rate < 1
    assert r.staff.on_duty == pytest.approx(d.staff_on_duty) and r.staff.hours == pytest.approx(d.staff_hours)
    assert r.staff.hours > 0  # the simulated cashier and shelf-filler
    assert r.staff.visitors_per_staff == pytest.approx(d.visitors_per_staff)
    assert r.visits.entered == r.today.entries  # every simulated visitor's visit, staff's left out


def test_sales_are_the_days_receipts_over_its_buying_units(month):
    r, truth = month.report, month.truth
    for sales, day, units in ((r.sales, DAY, r.today.units), (r.sales_last_week, DAY - timedelta(days=7), None)):
        assert sales.recorded and sales.receipts == truth[day].receipts
        assert sales.totals.sales == pytest.approx(truth[day].sales)
        assert sales.totals.average_ticket == pytest.approx(truth[day].sales / truth[day].receipts)
        if units is not None:
            assert sales.totals.units == units and sales.totals.conversion == pytest.approx(sales.receipts / units)
    assert r.sales.zones and all(z.buyers <= z.units for z in r.sales.zones)


def test_the_checkout_queue_per_hour(month):
    r = month.report
    assert r.queue_zones == 1
    (queue,) = r.queues
    (expected,) = month.queues
    assert queue.zone == "checkout_queue" and queue.served == expected.total.served > 0
    assert queue.day_wait_s == pytest.approx(expected.total.wait_s)
    assert queue.peak[1] == max(b.max_length for b in expected.buckets) > 0
    assert queue.peak[0] in (12, 13)  # the shop was open 12:00-14:00


def test_zones_ranked_hottest_first_without_staff_zones(month):
    zones = month.report.zones
    names = [z.name for z in zones.zones]
    assert not set(names) & staff_zones(month.config)
    assert zones.left_out == sorted(staff_zones(month.config))
    heat = [z.minutes_per_m2 for z in zones.zones]
    assert heat == sorted(heat, reverse=True) and heat[0] > 0
    assert zones.hot is zones.zones[0] and zones.cold is zones.zones[-1]
    visits = {}
    for v in month.zone_visits:
        visits.setdefault(v.zone, []).append(v.dwell_s)
    for z in zones.zones:
        assert z.visits == len(visits.get(z.name, []))
        if z.visits:
            assert z.median_dwell_s == pytest.approx(float(np.median(visits[z.name])))
            assert z.p90_dwell_s >= z.median_dwell_s
        assert z.share == pytest.approx(z.visitors / month.report.visits.entered)  # of the people who came in


def test_alerts_are_the_days_only(month):
    alerts = month.report.alerts
    assert [(a.kind, a.zone, a.acknowledged) for a in alerts] == [
        ("restricted_zone", "back_room", True),
        ("crowding", "checkout_queue", False),
    ]
    assert all(a.ts.date() == DAY for a in alerts)
    assert month.report.alert_counts == {("restricted_zone", "back_room"): 1, ("crowding", "checkout_queue"): 1}


def test_a_day_without_records_says_so(month):
    empty = month.empty
    assert not empty.today.recorded and empty.today.entries == 0 and empty.alerts == []
    assert empty.visits.peak_people is None
    page = render_daily(empty, month.config)
    assert "Nothing was recorded on this day" in page.html
    assert "no data for last" not in page.html.split("Visitors in", 1)[1][:200]  # last week had data
    assert "nothing recorded" in page.subject
    assert not empty.sales.recorded and sales_rows(empty) == [] and "No sales data" in page.html  # no "0 % bought"


def images_of(html: str) -> list[np.ndarray]:
    return [
        cv2.imdecode(np.frombuffer(base64.b64decode(b64), np.uint8), cv2.IMREAD_COLOR)
        for b64 in re.findall(r'(?:src|srcset)="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    ]


def test_html_is_self_contained_and_shows_the_figures(month):
    html, r = month.html.read_text(encoding="utf-8"), month.report
    assert month.html.name == "simulated-corner-shop-2026-03-07.html"
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)  # nothing fetched from elsewhere
    assert "<script" not in html and "<link" not in html
    pictures = images_of(html)
    shown = 3 + len(r.queues)  # per hour, heatmap, dwell, each queue
    assert len(pictures) == 2 * shown and html.count("<img ") == shown == html.count("<source ")  # and a phone's
    for picture in pictures:
        assert picture is not None and picture.shape[0] > 100 and picture.std() > 20  # drawn, not blank
    text = re.sub(r"<[^>]+>", " ", html)
    assert "Saturday 7 March 2026" in text and "Europe/London" in text
    assert f"{r.today.entries:,}" in text and f"{r.today.passers_by:,}" in text
    diff = r.today.entries - r.last_week.entries
    assert f"{'+' if diff > 0 else '−'}{abs(diff)}" in text and f"vs {r.last_week.entries} last Saturday" in text
    assert f"{100 * r.sales.totals.conversion:.1f}%" in text and f"{r.sales.totals.average_ticket:,.2f}" in text
    assert f"Checkout queue: {r.queues[0].served} people served" in text
    for z in r.zones.zones:
        assert z.name.replace("_", " ") in text
    assert "someone went into the back room" in text


@pytest.mark.skipif(not POPPLER, reason="pdftoppm/pdftotext not found: apt-get install poppler-utils")
def test_pdf_pages_render_with_the_reports_text(month, tmp_path):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    prefix = ARTIFACTS / "daily-report-page"
    for old in ARTIFACTS.glob("daily-report-page-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(month.pdf), str(prefix)], check=True, timeout=60)
    pages = sorted(ARTIFACTS.glob("daily-report-page-*.png"))
    assert len(pages) in (3, 4)  # the alerts run on to a fourth page when the rest fills the third
    for page in pages:
        image = cv2.imread(str(page), cv2.IMREAD_GRAYSCALE)
        assert image.shape[0] > image.shape[1] > 400  # A4 portrait at 60 dpi: 496 x 702
        inked = image < 200
        assert inked.mean() > 0.02, f"{page.name} is nearly blank"
        assert inked[: image.shape[0] // 2].any() and inked[image.shape[0] // 2 :].any()
    text = subprocess.run(
        ["pdftotext", "-layout", str(month.pdf), "-"], check=True, capture_output=True, text=True, timeout=60
    ).stdout
    r = month.report
    for expected in (
        "SIMULATED CORNER SHOP · DAILY REPORT",
        "Saturday 7 March 2026",
        f"{r.today.entries:,}",
        f"{r.today.passers_by:,}",
        f"vs {r.last_week.entries} last Saturday",
        "Visitors per hour",
        "Where people spent time",
        "Time in each zone",
        f"{r.sales.totals.receipts} receipts for {r.today.units} buying units",
        f"Staff on the floor: {r.staff.on_duty:.1f} on average",
        "Sales",
        "someone went into the back room",
        f"page {len(pages)} of {len(pages)}",
        "Checkout queue",
        f"{r.queues[0].served} people served",
    ):
        assert expected in text, expected
    busiest = r.today.busiest_hour()
    assert f"Busiest hour {busiest[0]:02d}:00–{busiest[0] + 1:02d}:00 with {busiest[1]} visitors" in text
