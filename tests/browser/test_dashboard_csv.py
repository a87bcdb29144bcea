"""The dashboard's "CSV" links in a real browser: a click downloads the table's series as a CSV file that
parses and holds what the page's JSON holds, and every link on every page answers CSV with the session
cookie alone. Skips as ``test_dashboard`` does (no Chromium, no playwright).
"""

from __future__ import annotations

import csv
import io
from urllib.parse import parse_qs, urlsplit

import test_dashboard as dashboard
from test_dashboard import PAGES, PHONE, expect, log_in, open_page, overflowing

from storelens.api.csv_route import CSV_SUFFIX

server = dashboard.server  # the same fixtures: a server on the filled database, and Chromium
browser = dashboard.browser


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_traffic_csv_link_downloads_the_series_the_page_shows(server, browser, tmp_path):
    base, _ = server
    page = open_page(browser, PHONE)
    log_in(page, base, "vic")
    page.click("#nav-toggle")
    page.click("#nav a[data-page=traffic]")
    expect(page.locator("#page-traffic")).to_have_attribute("data-state", "ready")
    link = page.locator("#page-traffic .card-head .csv-link").first
    href = link.get_attribute("href")
    assert urlsplit(href).path == "/api/traffic.csv"
    assert parse_qs(urlsplit(href).query) == {"from": ["2026-03-04"], "to": ["2026-03-05"], "bucket": ["hour"]}
    with page.expect_download() as started:
        link.click()
    download = started.value
    assert download.suggested_filename == "corner-shop-traffic-2026-03-04.csv"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    rows = _rows(saved.read_text(encoding="utf-8"))
    series = page.request.get(f"{base}{href.replace(CSV_SUFFIX, '', 1)}").json()
    assert len(rows) == len(series["buckets"]) == 24
    for row, bucket in zip(rows, series["buckets"], strict=True):
        assert row["buckets.start"] == bucket["start"]
        assert (int(row["buckets.entries"]), int(row["buckets.exits"])) == (bucket["entries"], bucket["exits"])
        assert int(row["buckets.passers_by"]) == bucket["passers_by"]
        rate = bucket["capture_rate"]
        assert row["buckets.capture_rate"] == ("" if rate is None else repr(rate))
    assert sum(int(r["buckets.entries"]) for r in rows) == series["totals"]["entries"] > 0
    # The page shows the same numbers: the visitors-in tile is the series' total.
    expect(page.locator("#traffic-totals .kpi-value").first).to_have_text(f"{series['totals']['entries']:,}")
    assert page.errors == []
    page.context.close()


def test_every_csv_link_answers_csv_and_fits_a_phone(server, browser):
    base, _ = server
    page = open_page(browser, PHONE)
    log_in(page, base, "mia")
    found = {}
    for name in PAGES:
        page.click("#nav-toggle")
        page.click(f"#nav a[data-page={name}]")
        root = page.locator(f"#page-{name}")
        expect(root).to_be_visible()
        if name in ("heatmap", "traffic", "zones"):
            expect(root).to_have_attribute("data-state", "ready")
        if name == "cameras":
            expect(page.locator("#cameras-table tbody tr").first).to_be_visible()
        links = root.locator(".csv-link")
        for i in range(links.count()):
            expect(links.nth(i)).to_be_visible()
            found[links.nth(i).get_attribute("href")] = name
        assert overflowing(page, name) == [], f"{name} at 390x844: wider than its box"
    tables = {urlsplit(href).path + "?" + "&".join(parse_qs(urlsplit(href).query).get("table", [])) for href in found}
    assert tables >= {  # pages added later bring their own links, checked below as these are
        "/api/traffic.csv?", "/api/traffic.csv?peak_grid", "/api/demographics.csv?totals",
        "/api/zones.csv?", "/api/zones.csv?transitions", "/api/heatmap.csv?", "/api/cameras.csv?",
    }
    for href in found:
        response = page.request.get(f"{base}{href}")  # the session cookie only
        assert response.status == 200 and response.headers["content-type"] == "text/csv; charset=utf-8", href
        assert _rows(response.text()), f"{href}: no rows"
    assert page.errors == []
    page.context.close()
