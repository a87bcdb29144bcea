"""The Reports page in a real browser: the archive's days, a report opened and its PDF downloaded.

Two days of the dashboard's shop are reported into the server's archive (one mailed, one whose
mail failed), as `storelens serve` would have made them. The page and a report are drawn at
1280x800 and 390x844 (screenshots in ``tests/browser/artifacts/``); nothing may be wider than
its box. Skips as the other browser tests do when Chromium or playwright is missing.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from dashboard_data import NOW, make_database, serving, store_config
from test_dashboard import DESKTOP, PHONE, browser, expect, log_in, open_page, overflowing  # noqa: F401 (fixture)

from storelens.reports.archive import ReportArchive
from storelens.reports.daily_output import make_daily_report
from storelens.storage import open_database

TODAY = NOW.date()
DAYS = [TODAY - timedelta(days=1), TODAY - timedelta(days=2)]  # Tuesday 3 and Monday 2 March 2026


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    db_url = make_database(tmp_path_factory.mktemp("reports") / "store.db")
    config = store_config()
    with open_database(db_url) as db:
        archive = ReportArchive.of(config, db)
        for day in DAYS:
            entry = archive.save(make_daily_report(config, db, day, NOW), NOW)
            if day == DAYS[0]:
                archive.mail_failed(entry, "cannot reach the mail server mail.example.com:587: Connection refused")
            else:
                archive.mailed(entry, NOW - timedelta(days=1))
    with serving(db_url) as base:
        yield base


def day_label(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}"


@pytest.mark.parametrize("size", ["1280x800", "390x844"])
def test_reports_page_lists_the_archive_and_opens_a_report(server, browser, artifacts, size):  # noqa: F811
    phone = size == "390x844"
    page = open_page(browser, PHONE if phone else DESKTOP)
    log_in(page, server, "vic")  # a viewer may read reports
    if phone:
        page.click("#nav-toggle")
    page.click("#nav a[data-page=reports]")
    root = page.locator("#page-reports")
    expect(root).to_have_attribute("data-state", "ready")
    rows = page.locator("#reports-table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_have_attribute("data-day", DAYS[0].isoformat())  # newest first
    expect(rows.first.locator("td").first).to_contain_text(day_label(DAYS[0]))
    expect(rows.first.locator("td[data-label=Mail] .badge")).to_have_text("not sent")
    expect(rows.first.locator("td[data-label=Mail]")).to_contain_text("Connection refused")
    expect(rows.nth(1).locator("td[data-label=Mail] .badge")).to_have_text("sent")
    expect(rows.first.locator("td[data-label=Visitors]")).not_to_have_text("no data")
    assert overflowing(page, "reports") == [], f"reports at {size}: wider than its box"
    page.screenshot(path=artifacts / f"reports-{size}.png", full_page=True)

    with page.expect_download() as download:
        rows.first.locator("a.report-pdf").click()
    pdf = download.value
    assert pdf.suggested_filename == f"corner-shop-{DAYS[0].isoformat()}.pdf"
    assert open(pdf.path(), "rb").read(5) == b"%PDF-"

    with page.context.expect_page() as opened:
        rows.first.locator("a.report-open").click()
    report = opened.value
    report.wait_for_load_state()
    expect(report.locator("h1")).to_have_text("Tuesday 3 March 2026")
    drawn = report.evaluate("() => [...document.images].map((i) => i.complete && i.naturalWidth > 0)")
    assert len(drawn) == 4 and all(drawn)  # per hour, heatmap, dwell, the till's queue: inside it, allowed by the CSP
    wide = report.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert wide <= 0, f"the report page is {wide} px wider than the window at {size}"
    report.screenshot(path=artifacts / f"report-page-{size}.png", full_page=True)
    assert page.errors == [] and report.url.endswith(f"/api/reports/daily/{DAYS[0].isoformat()}.html")
    page.context.close()


@pytest.fixture(scope="module")
def artifacts():
    from test_dashboard import ARTIFACTS

    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
