"""The dashboard in a real browser: Chromium (Debian's, through Playwright) against a real uvicorn server.

Logs in through the form, checks the Live page's counts, its comparison with the same weekday last
week (and "no data" where last week has none) and that a crossing written by another process shows
within 2 s, draws every page at 1280x800 and 390x844 (screenshots in ``tests/browser/artifacts/``)
and checks that nothing on them is wider than its box, checks the Cameras page's last-seen times,
acknowledges an alert as a manager, and checks that a viewer cannot. Skips when Chromium or the
``playwright`` package is missing (never downloads a browser).
"""

from __future__ import annotations

import math
import os
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

CHROMIUM = Path(os.environ.get("STORELENS_CHROMIUM", "/usr/bin/chromium"))
"""Debian's Chromium; set STORELENS_CHROMIUM to use another Chromium binary."""
if not CHROMIUM.is_file():
    pytest.skip(
        f"{CHROMIUM} not found: install Debian's browser with 'apt-get install chromium' to run the browser tests",
        allow_module_level=True,
    )
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="the playwright package is not installed: pip install -e '.[test]'"
)
expect = sync_api.expect

from dashboard_data import (  # noqa: E402  (after the skips)
    NOW,
    PASSWORDS,
    add_live_people,
    add_users,
    make_database,
    serving,
    store_config,
)
from web_server import serving_app  # noqa: E402

from storelens.analytics.records import Alert, Direction, LineCrossing  # noqa: E402
from storelens.api.app import create_app  # noqa: E402
from storelens.api.context import ApiSettings  # noqa: E402
from storelens.sim.scenario import make_scenario  # noqa: E402
from storelens.storage import open_database  # noqa: E402

ARTIFACTS = Path(__file__).parent / "artifacts"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
PAGES = ("live", "heatmap", "traffic", "zones", "cameras")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """(base URL, database URL) of a server on a filled database, clock fixed at NOW."""
    db_url = make_database(tmp_path_factory.mktemp("dashboard") / "store.db")
    with serving(db_url) as base:
        yield base, db_url


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def open_page(browser, viewport=DESKTOP):
    """A fresh page (own cookies) that records script errors in ``page.errors``."""
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda err: page.errors.append(str(err)))
    return page


def log_in(page, base: str, user: str) -> None:
    page.goto(f"{base}/login.html")
    page.fill("#username", user)
    page.fill("#password", PASSWORDS[user])
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    expect(page.locator("#kpi-entries")).not_to_have_text("–")


def summary(page, base: str) -> dict:
    response = page.request.get(f"{base}/api/summary")
    assert response.ok
    return response.json()


def test_login_form(server, browser, artifacts):
    base, _ = server
    page = open_page(browser, PHONE)
    page.goto(f"{base}/")
    assert page.url == f"{base}/login.html"  # no session: sent to the login page
    page.screenshot(path=artifacts / "login-390x844.png", full_page=True)
    page.set_viewport_size(DESKTOP)
    page.screenshot(path=artifacts / "login-1280x800.png", full_page=True)
    page.fill("#username", "mia")
    page.fill("#password", "not-her-password")
    page.click("button[type=submit]")
    expect(page.locator("#login-message")).to_have_text("Wrong user name or password.")
    page.fill("#password", PASSWORDS["mia"])
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    expect(page.locator("#page-live h1")).to_have_text("Live")
    expect(page.locator("#user-name")).to_have_text("mia")
    assert page.errors == []
    page.context.close()


def test_live_page_shows_counts_and_updates_within_two_seconds(server, browser):
    base, db_url = server
    page = open_page(browser)
    log_in(page, base, "mia")
    s = summary(page, base)
    entries = s["visitors"]["entries"]
    assert s["occupancy"]["store"] == 4
    expect(page.locator("#kpi-entries")).to_have_text(str(entries))
    expect(page.locator("#kpi-exits")).to_have_text(str(s["visitors"]["exits"]))
    expect(page.locator("#kpi-inside")).to_have_text("4")
    expect(page.locator("#kpi-passers")).to_have_text(f"{s['passers_by']:,}")
    expect(page.locator("#zone-occupancy li[data-zone=aisle_1] .zone-count")).to_have_text("2")
    (queue,) = s["queues"]
    till = page.locator("#queues li[data-zone=till]")
    expect(till.locator(".queue-length")).to_have_text(f"{queue['length']} in queue")
    expect(till).to_contain_text("no one served" if queue["wait_s"] is None else "wait about")
    expect(page.locator(".floor-canvas")).to_have_attribute("data-people", "5")  # 4 inside, 1 on the pavement
    expect(page.locator("#live-status")).to_have_attribute("data-mode", "live")  # on the event stream

    with open_database(db_url) as pipeline:  # another writer, as `storelens run` would be
        pipeline.add_line_crossings([LineCrossing("door", "door", 9001, NOW - timedelta(seconds=0.5), Direction.IN)])
        add_live_people(pipeline, NOW - timedelta(seconds=0.2), moved_m=0.3, extra=[(9001, (1.5, 3.5))])
        written = time.monotonic()
    expect(page.locator("#kpi-entries")).to_have_text(str(entries + 1), timeout=2000)
    expect(page.locator("#kpi-inside")).to_have_text("5", timeout=2000)
    expect(page.locator(".floor-canvas")).to_have_attribute("data-people", "6", timeout=2000)
    assert time.monotonic() - written < 2.0
    expect(page.locator("#zone-occupancy li[data-zone=entrance] .zone-count")).to_have_text("1")
    assert page.errors == []
    page.context.close()


def kpi_sub(page, value_id: str):
    """The line under a Live tile's number."""
    return page.locator(".kpi", has=page.locator(f"#{value_id}")).locator(".kpi-sub")


def expected_comparison(now: int, before: int, day: str) -> str:
    """The Live tile's comparison, as a manager should read it: "+3 (+9%) vs 35 last Wednesday"."""
    diff = now - before
    sign = "+" if diff > 0 else "−" if diff < 0 else "±"
    pct = f" ({sign}{abs(math.floor(100 * diff / before + 0.5))}%)" if before > 0 else ""
    return f"{sign}{abs(diff)}{pct} vs {before:,} last {day}"


def test_live_page_compares_today_with_the_same_weekday_last_week(server, browser):
    base, _ = server
    page = open_page(browser)
    log_in(page, base, "mia")
    s = summary(page, base)
    visitors = s["visitors"]
    assert visitors["last_week_entries"] is not None and visitors["last_week_exits"] is not None
    assert s["last_week_passers_by"] is not None
    for tile, now, before in (
        ("kpi-entries", visitors["entries"], visitors["last_week_entries"]),
        ("kpi-exits", visitors["exits"], visitors["last_week_exits"]),
        ("kpi-passers", s["passers_by"], s["last_week_passers_by"]),
    ):
        sub = kpi_sub(page, tile)
        expect(sub.locator("span").first).to_have_text(expected_comparison(now, before, "Wednesday"))
        colour = "up" if now > before else "down" if now < before else ""
        if colour:
            expect(sub.locator("span").first).to_have_class(colour)
    expect(kpi_sub(page, "kpi-passers")).to_contain_text(f"capture rate {round(100 * s['capture_rate'])}%")
    # 4 seen on the floor but in − out at the door is not 4: the tile says why.
    counted = visitors["entries"] - visitors["exits"]
    assert counted != s["occupancy"]["store"]
    expect(page.locator("#kpi-inside-why")).to_contain_text(f"in − out at the door today: {counted}")
    assert page.errors == []
    page.context.close()


def test_live_page_says_no_data_when_last_week_has_none(server, browser, artifacts):
    """A week before NOW, the same weekday a week earlier has no records: no "+38 vs 0" in green."""
    _, db_url = server
    with serving(db_url, now=NOW - timedelta(days=7)) as base:
        page = open_page(browser, PHONE)
        log_in(page, base, "mia")
        s = summary(page, base)
        assert s["visitors"]["entries"] > 0
        assert (s["visitors"]["last_week_entries"], s["visitors"]["last_week_exits"]) == (None, None)
        assert s["last_week_passers_by"] is None
        for tile in ("kpi-entries", "kpi-exits", "kpi-passers"):
            sub = kpi_sub(page, tile).locator("span").first
            expect(sub).to_have_text("no data for last Wednesday")
            expect(sub).to_have_class("muted")
        page.screenshot(path=artifacts / "live-no-last-week-390x844.png", full_page=True)
        assert page.errors == []
        page.context.close()


def test_live_page_polls_when_the_event_stream_fails(server, browser):
    base, db_url = server
    page = open_page(browser)
    page.route("**/api/live", lambda route: route.abort())  # e.g. a proxy that drops event streams
    log_in(page, base, "vic")
    expect(page.locator("#live-status")).to_have_attribute("data-mode", "polling")
    entries = summary(page, base)["visitors"]["entries"]
    expect(page.locator("#kpi-entries")).to_have_text(str(entries))
    with open_database(db_url) as pipeline:
        pipeline.add_line_crossings([LineCrossing("door", "door", 9002, NOW - timedelta(seconds=0.4), Direction.IN)])
        written = time.monotonic()
    expect(page.locator("#kpi-entries")).to_have_text(str(entries + 1), timeout=2000)
    assert time.monotonic() - written < 2.0
    assert page.errors == []
    page.context.close()


def heatmap_is_drawn(page) -> bool:
    """Whether the heatmap image loaded and has many colours (not a blank or broken image)."""
    return page.evaluate(
        """() => {
            const img = document.getElementById('heatmap-img');
            if (!img.complete || img.naturalWidth === 0) return false;
            const c = document.createElement('canvas');
            c.width = img.naturalWidth; c.height = img.naturalHeight;
            const ctx = c.getContext('2d');
            ctx.drawImage(img, 0, 0);
            const data = ctx.getImageData(0, 0, c.width, c.height).data;
            const colours = new Set();
            for (let i = 0; i < data.length; i += 4 * 7) {
                colours.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
            }
            return colours.size > 20;
        }"""
    )


def overflowing(page, name: str) -> list[str]:
    """What on page ``name`` is wider than its box: the page itself, a card, a table's wrapper, a
    table wider than its parent, a chart or picture wider than its card (so cut off or scrolled)."""
    return page.evaluate(
        """(name) => {
            const bad = [];
            const what = (el) => `${el.tagName.toLowerCase()}#${el.id}.${[...el.classList].join('.')}`
                + ` "${(el.querySelector('h2, h3, th') || el).textContent.trim().slice(0, 30)}"`;
            for (const el of [document.documentElement, document.body]) {
                if (el.scrollWidth > el.clientWidth) bad.push(`${el.tagName}: ${el.scrollWidth} > ${el.clientWidth}`);
            }
            const root = document.getElementById(`page-${name}`);
            for (const el of root.querySelectorAll('.card, .table-wrap')) {
                if (!el.getClientRects().length) continue;  // not displayed
                if (el.scrollWidth > el.clientWidth + 1) bad.push(`${what(el)}: ${el.scrollWidth} > ${el.clientWidth}`);
            }
            for (const el of root.querySelectorAll('table, svg, img, canvas')) {
                if (!el.getClientRects().length) continue;
                const box = el.closest('.card') || root;
                const r = el.getBoundingClientRect(), b = box.getBoundingClientRect();
                if (r.left < b.left - 1 || r.right > b.right + 1) {
                    const span = (x) => `${Math.round(x.left)}..${Math.round(x.right)}`;
                    bad.push(`${what(el)}: ${span(r)} outside ${span(b)}`);
                }
            }
            return bad;
        }""",
        name,
    )


def check_page(page, name: str) -> None:
    """Wait until ``name`` has drawn its data, and check what it shows."""
    root = page.locator(f"#page-{name}")
    expect(root).to_be_visible()
    if name == "live":
        expect(page.locator("#alerts-list li[data-alert-id]").first).to_be_visible()
        # Every zone named on the plan, also on a phone (small zones get a tag, tall narrow ones a vertical name).
        labels = "entrance aisle_1 aisle_2 till stockroom"
        expect(page.locator(".floor-canvas")).to_have_attribute("data-labels", labels)
    elif name == "heatmap":
        expect(root).to_have_attribute("data-state", "ready")
        assert heatmap_is_drawn(page)
        rows = page.locator("#heat-zones tbody tr")
        expect(rows).to_have_count(5)
        expect(rows.first.locator(".badge-hot")).to_have_count(1)
    elif name == "traffic":
        expect(root).to_have_attribute("data-state", "ready")
        expect(page.locator("#page-traffic svg rect").nth(10)).to_be_attached()  # charts draw on the next frame
        expect(page.locator("#peak-grid td").first).to_be_visible()
        expect(page.locator("#demographics-table tbody tr")).to_have_count(5)
        # Staffing: two on duty from 09:00, a third over lunch; 12:00 has 3 on duty.
        staff_on_duty = "#staffing-table tbody tr:has(td:first-child:text-is('{}')) td:nth-child(2)"
        expect(page.locator(staff_on_duty.format("12"))).to_have_text("3.0")
        expect(page.locator(staff_on_duty.format("09"))).to_have_text("2.0")
        expect(page.locator("#traffic-units")).to_contain_text("buying units")
    elif name == "zones":
        expect(root).to_have_attribute("data-state", "ready")
        expect(page.locator("#zones-table tbody tr")).to_have_count(5)
        expect(page.locator("#zones-moves li").first).to_be_visible()
        expect(page.locator("#zones-flows svg path").first).to_be_attached()  # the Sankey's ribbons
        page.wait_for_function(  # an img without src is "complete" too: wait for the picture itself
            "() => { const i = document.getElementById('zones-routes-img'); return i && i.naturalWidth > 0; }"
        )
        expect(page.locator("#page-zones svg rect").first).to_be_attached()
    elif name == "cameras":
        expect(page.locator("#cameras-table tbody tr")).to_have_count(2)
        expect(page.locator("#cameras-table tr[data-camera=door] .badge")).to_have_text("online")
        storage = page.locator("#storage-card")
        expect(storage.locator(".badge")).to_have_text("catching up")
        expect(storage).to_contain_text("3 batches (0.7 MB)")
        expect(storage).to_contain_text("Wed 4 Mar, 14:40:00 for 1 min 15 s (database is locked)")
        expect(storage.locator(".notice-warn")).to_contain_text("40 positions were dropped")


@pytest.mark.parametrize("size", ["1280x800", "390x844"])
def test_every_page_draws_and_is_screenshot(server, browser, artifacts, size):
    base, _ = server
    phone = size == "390x844"
    page = open_page(browser, PHONE if phone else DESKTOP)
    log_in(page, base, "mia")
    for name in PAGES:
        if phone:  # the nav is folded behind the menu button
            expect(page.locator(f"#nav a[data-page={name}]")).to_be_hidden()
            page.click("#nav-toggle")
        page.click(f"#nav a[data-page={name}]")
        check_page(page, name)
        assert overflowing(page, name) == [], f"{name} at {size}: wider than its box"
        page.screenshot(path=artifacts / f"{name}-{size}.png", full_page=True)
    if phone:
        page.click("#nav-toggle")
        page.screenshot(path=artifacts / f"nav-open-{size}.png")
    page.click("#nav a[data-page=traffic]")
    page.click("#page-traffic .presets button[data-days='7']")
    expect(page.locator("#page-traffic .seg[data-bucket=day]")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#page-traffic h2").first).to_have_text("Visitors and passers-by per day")
    expect(page.locator("#page-traffic svg rect").nth(10)).to_be_attached()
    expect(page.locator("#peak-grid tbody tr:first-child td").first).to_be_visible()
    assert overflowing(page, "traffic") == [], f"traffic, 7 days, at {size}: wider than its box"
    page.screenshot(path=artifacts / f"traffic-7-days-{size}.png", full_page=True)
    assert page.errors == []
    page.context.close()


def route_pixels(page, selector: str) -> int:
    """Pixels of the route lines' colour (#111827, also the labels' text) in the picture."""
    return page.evaluate(
        """(selector) => {
            const img = document.querySelector(selector);
            const c = document.createElement('canvas');
            c.width = img.naturalWidth; c.height = img.naturalHeight;
            const ctx = c.getContext('2d');
            ctx.drawImage(img, 0, 0);
            const d = ctx.getImageData(0, 0, c.width, c.height).data;
            let n = 0;
            for (let i = 0; i < d.length; i += 4) {
                if (Math.abs(d[i] - 17) < 8 && Math.abs(d[i + 1] - 24) < 8 && Math.abs(d[i + 2] - 39) < 8) n++;
            }
            return n;
        }""",
        selector,
    )


def test_cameras_page_shows_when_each_camera_last_saw_someone(server, browser, artifacts):
    """The last-seen time is the newest stored track point, in the store's time zone."""
    base, _ = server
    tz = ZoneInfo(store_config().timezone)
    page = open_page(browser, PHONE)
    log_in(page, base, "mia")
    page.click("#nav-toggle")
    page.click("#nav a[data-page=cameras]")
    cameras = {c["camera_id"]: c for c in page.request.get(f"{base}/api/cameras").json()}
    assert set(cameras) == {"door", "back"}
    for camera_id, camera in cameras.items():
        seen = datetime.fromisoformat(camera["last_position_at"]).astimezone(tz)
        assert seen.date() == NOW.date()  # today's, not "not today"
        cell = page.locator(f"#cameras-table tr[data-camera={camera_id}] td[data-label='Last person seen']")
        expect(cell).to_have_text(f"{seen:%a} {seen.day} {seen:%b}, {seen:%H:%M:%S}")
    # The door camera saw the people in view a second before "now"; the back camera the last walk.
    assert NOW - timedelta(seconds=2) < datetime.fromisoformat(cameras["door"]["last_position_at"]) <= NOW
    expect(page.locator("#cameras-table tr[data-camera=door] td[data-label=Ago]")).not_to_have_text("–")
    assert page.errors == []
    page.context.close()


def test_heatmap_shows_its_colour_bar_units_and_route_lines(server, browser):
    base, _ = server
    page = open_page(browser)
    log_in(page, base, "mia")
    page.click("#nav a[data-page=heatmap]")
    expect(page.locator("#page-heatmap")).to_have_attribute("data-state", "ready")
    legend = page.locator("#heat-legend")
    expect(legend).to_be_visible()
    expect(legend).to_contain_text("visitor-minutes per m²")
    expect(legend.locator(".colour-bar-track")).to_be_visible()
    ticks = legend.locator(".colour-bar-tick")
    assert ticks.count() >= 3 and ticks.last.inner_text().endswith("+")
    api = page.request.get(f"{base}/api/heatmap", params={"from": "2026-03-04", "to": "2026-03-05"}).json()
    assert [t.inner_text() for t in ticks.all()] == [label for _, label in api["scale"]["ticks"]]  # the PNG's marks
    expect(page.locator("#heatmap-routes-note")).to_contain_text(f"the {len(api['routes'])} busiest moves")
    expect(page.locator("#heat-zones thead")).to_contain_text("Per m²")
    expect(page.locator("#heatmap-moves li").first).to_contain_text("→")
    expect(page.locator("#heatmap-flows svg path").first).to_be_attached()
    with_routes = route_pixels(page, "#heatmap-img")
    page.click("#page-heatmap .seg[data-routes=false]")
    expect(page.locator("#page-heatmap")).to_have_attribute("data-state", "ready")
    expect(page.locator("#heatmap-routes-note")).to_have_count(0)
    assert with_routes > route_pixels(page, "#heatmap-img") + 1000  # the lines were drawn, and are gone
    assert page.errors == []
    page.context.close()


def test_empty_range_says_so(server, browser):
    base, _ = server
    page = open_page(browser)
    log_in(page, base, "vic")
    page.click("#nav a[data-page=heatmap]")
    expect(page.locator("#page-heatmap")).to_have_attribute("data-state", "ready")
    page.fill("#page-heatmap input[name=from]", "2026-01-05")
    page.fill("#page-heatmap input[name=to]", "2026-01-06")
    expect(page.locator("#heatmap-message")).to_contain_text("No data for this range")
    page.click("#nav a[data-page=traffic]")  # the range is shared by the report pages
    expect(page.locator("#traffic-message")).to_contain_text("No data for this range")
    page.click("#nav a[data-page=zones]")
    expect(page.locator("#zones-message")).to_contain_text("No data for this range")
    assert page.errors == []
    page.context.close()


def test_viewer_sees_alerts_but_cannot_acknowledge_or_switch_the_siren(server, browser):
    base, _ = server
    page = open_page(browser)
    log_in(page, base, "vic")
    alerts = page.locator("#alerts-list li[data-alert-id]")
    expect(alerts.first).to_be_visible()
    expect(page.locator(".ack-btn")).to_have_count(0)
    expect(page.locator("#siren-toggle")).to_have_count(0)
    alert_id = alerts.first.get_attribute("data-alert-id")
    statuses = page.evaluate(
        """async (id) => {
            const csrf = document.cookie.match(/storelens_csrf=([^;]+)/)[1];
            const headers = {'X-CSRF-Token': csrf, 'Content-Type': 'application/json'};
            const ack = await fetch(`/api/alerts/${id}/ack`, {method: 'POST', headers});
            const siren = await fetch('/api/siren', {method: 'PUT', headers, body: JSON.stringify({on: true})});
            return [ack.status, siren.status];
        }""",
        alert_id,
    )
    assert statuses == [403, 403]
    page.context.close()


def test_manager_acknowledges_an_alert(server, browser, artifacts):
    base, db_url = server
    with open_database(db_url) as pipeline:
        (new_id,) = pipeline.add_alerts([Alert(NOW, "restricted", "stockroom", "back", 7, "test: stockroom door open")])
    page = open_page(browser)
    log_in(page, base, "mia")
    item = page.locator(f"#alerts-list li[data-alert-id='{new_id}']")
    expect(item).to_contain_text("test: stockroom door open")
    open_before = summary(page, base)["open_alerts"]
    expect(page.locator("#kpi-alerts")).to_have_text(str(open_before))
    item.locator(".ack-btn").click()
    expect(item).to_have_count(0, timeout=2000)
    expect(page.locator("#alerts-flash")).to_contain_text("Acknowledged")
    expect(page.locator("#kpi-alerts")).to_have_text(str(open_before - 1))
    with open_database(db_url) as db:
        assert db.alert(new_id).acknowledged
    page.reload()  # the server's state, not just the page's
    expect(page.locator("#alerts-list li[data-alert-id]").first).to_be_visible()
    expect(item).to_have_count(0)
    assert page.errors == []
    page.context.close()


def test_manager_switches_the_siren(server, browser, artifacts):
    base, _ = server
    page = open_page(browser)
    log_in(page, base, "mia")
    expect(page.locator("#siren-state")).to_have_text("OFF")
    page.click("#siren-toggle")
    expect(page.locator("#siren-state")).to_have_text("ON")
    assert page.request.get(f"{base}/api/siren").json()["on"] is True
    expect(page.locator("#siren-sound")).to_have_attribute("data-beeping", "true")  # an alert is still open
    expect(page.locator("#alarm")).to_contain_text("siren on")
    expect(page.locator("#siren-who")).to_contain_text("by mia")
    page.screenshot(path=artifacts / "live-siren-on-1280x800.png")
    page.click("#siren-toggle")
    expect(page.locator("#siren-state")).to_have_text("OFF")
    expect(page.locator("#siren-sound")).to_have_attribute("data-beeping", "false")
    assert page.request.get(f"{base}/api/siren").json()["on"] is False
    assert page.errors == []
    page.context.close()


def test_live_page_follows_the_simulated_feed(browser, tmp_path, artifacts):
    """The simulator's cameras, live at 5 frames/s through tracking, fusion, analytics and the
    database, show on the Live page as they happen: people appear as dots within seconds."""
    scenario = make_scenario(tmp_path / "sim", n_cameras=2, start=datetime.now(UTC), duration_s=60, live=True)
    url = f"sqlite:///{tmp_path / 'sim.db'}"
    with open_database(url) as db:
        add_users(db.engine)
        feed = threading.Thread(target=scenario.run, args=(db,), daemon=True)
        app = create_app(scenario.config, db, ApiSettings())
        with serving_app(app) as base:
            page = open_page(browser)
            page.goto(f"{base}/login.html")
            page.fill("#username", "mia")
            page.fill("#password", PASSWORDS["mia"])
            page.click("button[type=submit]")
            page.wait_for_url(f"{base}/")
            expect(page.locator(".floor-canvas")).to_have_attribute("data-people", "0")
            feed.start()
            # The staff at the till are in view from the first frame; the fused visitor is
            # confirmed and stored within a few seconds of stream time.
            expect(page.locator(".floor-canvas")).not_to_have_attribute("data-people", "0", timeout=20000)
            page.screenshot(path=artifacts / "live-simulated-feed-1280x800.png", full_page=True)
            assert page.errors == []
            page.context.close()
        scenario.stop()
        feed.join(30)
