"""The Conversion page in a real browser: store figures, zone table, charts and a comparison, on a
desktop and a phone, nothing wider than its box. Skips as the dashboard tests do without Chromium."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from dashboard_data import NOW, make_database, store_config
from test_dashboard import ARTIFACTS, DESKTOP, PHONE, log_in, open_page, overflowing, sync_api
from web_server import serving_app

from storelens.api.app import create_app
from storelens.api.context import ApiSettings
from storelens.config import StoreConfig
from storelens.pos import Receipt, ReceiptLine, store_receipts
from storelens.storage import open_database

expect = sync_api.expect
CATEGORIES = {"aisle_1": "snacks", "aisle_2": "drinks"}


def with_categories() -> StoreConfig:
    data = store_config().model_dump()
    data["pos"]["checkout_zone_covers"] = "till"  # its "till" zone is where people pay
    for zone in data["zones"]:
        if zone["name"] in CATEGORIES:
            zone["categories"] = [CATEGORIES[zone["name"]]]
    return StoreConfig.model_validate(data)


def add_receipts(db) -> None:
    """A receipt for three in five stays at the till, printed two seconds before the payer left,
    with a line of each zone they stayed in (the dashboard data's two weeks)."""
    rng = random.Random(3)
    visits = db.zone_visits(NOW - timedelta(days=14), NOW)
    path: dict[int, set[str]] = {}
    for v in visits:
        path.setdefault(v.track_id, set()).add(v.zone)
    receipts = []
    for v in visits:
        if v.zone != "till" or rng.random() > 0.6:
            continue
        zones = [z for z in sorted(path[v.track_id]) if z in CATEGORIES]
        lines = tuple(ReceiptLine(CATEGORIES[z], round(rng.uniform(1, 9), 2)) for z in zones)
        total = round(sum(line.amount for line in lines), 2) or 1.0
        receipts.append(Receipt(f"R{v.track_id}", v.exit_ts - timedelta(seconds=2), "till_1", total, lines))
    store_receipts(db, "corner-shop", receipts)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    url = make_database(tmp_path_factory.mktemp("conversion") / "store.db")
    with open_database(url) as db:
        add_receipts(db)
        app = create_app(with_categories(), db, ApiSettings(), clock=lambda: NOW.timestamp())
        with serving_app(app) as base:
            yield base


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.mark.parametrize("size", ["1280x800", "390x844"])
def test_conversion_page_shows_store_and_zone_conversion_and_fits(server, browser, size):
    phone = size == "390x844"
    page = open_page(browser, PHONE if phone else DESKTOP)
    log_in(page, server, "mia")
    if phone:
        page.click("#nav-toggle")
    page.click("#nav a[data-page=conversion]")
    root = page.locator("#page-conversion")
    expect(root).to_have_attribute("data-state", "ready")
    api = page.request.get(f"{server}/api/conversion", params={"from": "2026-03-04", "to": "2026-03-05",
                                                               "bucket": "hour"}).json()
    totals = api["current"]["totals"]
    assert totals["receipts"] > 0 and totals["units"] > 0
    expect(page.locator("#kpi-conversion")).to_have_text(f"{100 * totals['conversion']:.1f}%")
    expect(page.locator("#kpi-receipts")).to_have_text(str(totals["receipts"]))
    rows = page.locator("#conversion-zones-table tbody tr")
    expect(rows).to_have_count(2)
    snacks = next(z for z in api["current"]["zones"] if z["zone"] == "aisle_1")
    expect(page.locator("#conversion-zones-table tr[data-zone=aisle_1] td[data-label=Bought]")).to_have_text(
        str(snacks["buyers"])
    )
    expect(page.locator("#page-conversion svg rect").nth(5)).to_be_attached()  # the charts draw on the next frame
    assert overflowing(page, "conversion") == [], f"conversion at {size}: wider than its box"
    page.screenshot(path=ARTIFACTS / f"conversion-{size}.png", full_page=True)

    page.click("#page-conversion .presets button[data-days='7']")
    page.select_option("#page-conversion select[name=compare]", "week")
    expect(page.locator("#comparison-table")).to_contain_text("Difference")
    expect(page.locator("#page-conversion .seg[data-bucket=day]")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#conversion-zones-table thead")).to_contain_text("Before")
    expect(page.locator("#conversion-comparison")).to_contain_text("Wilson")
    assert overflowing(page, "conversion") == [], f"conversion, 7 days against the week before, at {size}"
    page.screenshot(path=ARTIFACTS / f"conversion-compared-{size}.png", full_page=True)
    assert page.errors == []
    page.context.close()
