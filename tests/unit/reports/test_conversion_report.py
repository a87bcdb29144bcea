"""Conversion of a range from the database: units in, receipts, their payers, zones, and a comparison."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from storelens.analytics import Direction, LineCrossing, Visit, ZoneVisit
from storelens.config import StoreConfig
from storelens.pos import Receipt, ReceiptLine, store_receipts
from storelens.reports.conversion import conversion_report
from storelens.runner import open_store_database

DAY = datetime(2026, 3, 4, tzinfo=UTC)  # a Wednesday; London is on UTC in March


def at(hh: int, mm: int, ss: int = 0, day: datetime = DAY) -> datetime:
    return day + timedelta(hours=hh, minutes=mm, seconds=ss)


def square(x0, y0, x1, y1):
    return [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]


def shop(tmp_path) -> StoreConfig:
    return StoreConfig.model_validate(
        {
            "name": "Corner shop",
            "timezone": "Europe/London",
            "floor_plan": {"outline": square(0, 0, 20, 10)},
            "cameras": {"door": {"source": "door.mp4"}},
            "zones": [
                {"name": "snacks", "kind": "display", "polygon": square(5, 1, 8, 4), "categories": ["snacks"],
                 "min_dwell_s": 5},
                {"name": "drinks", "kind": "display", "polygon": square(9, 1, 12, 4), "categories": ["drinks"]},
                {"name": "till", "kind": "checkout_queue", "polygon": square(15, 1, 19, 4)},
            ],
            "lines": [{"name": "door", "kind": "entrance", "a": [0, 2], "b": [0, 5], "in_side": "right"}],
            "pos": {"tills": {"t1": "till"}, "checkout_zone_covers": "till"},  # people pay standing in it
            "storage": {"url": f"sqlite:///{tmp_path / 'store.db'}"},
        }
    )


def came_in(track: int, ts: datetime) -> LineCrossing:
    return LineCrossing("door", "door", track, ts, Direction.IN)


def stay(zone: str, track: int, enter: datetime, seconds: float) -> ZoneVisit:
    return ZoneVisit(zone, "door", track, enter, enter + timedelta(seconds=seconds))


def receipt(rid: str, ts: datetime, *lines: tuple[str, float]) -> Receipt:
    return Receipt(rid, ts, "t1", sum(a for _, a in lines), tuple(ReceiptLine(c, a) for c, a in lines))


@pytest.fixture
def filled(tmp_path):
    """10:00-11:00: four came in; 1 stayed at snacks and bought snacks, 2 stayed at snacks and bought
    nothing, 3 stayed at drinks and bought snacks, 4 browsed nothing (and a 3 s glance at snacks).
    11:00-12:00: one came in; a receipt nobody was seen paying, and a return. The day before: ten
    came in and two bought."""
    config = shop(tmp_path)
    with open_store_database(config) as db:
        db.add_line_crossings([came_in(t, at(10, 5 * t)) for t in (1, 2, 3, 4)] + [came_in(5, at(11, 10))])
        db.add_line_crossings([came_in(100 + t, at(10, t, day=DAY - timedelta(days=1))) for t in range(10)])
        db.add_zone_visits(
            [
                stay("snacks", 1, at(10, 10), 60),
                stay("till", 1, at(10, 18), 122),  # leaves the till 2 s after its receipt
                stay("snacks", 2, at(10, 12), 90),
                stay("drinks", 3, at(10, 30), 30),
                stay("till", 3, at(10, 38), 121),
                stay("snacks", 4, at(10, 25), 3),  # shorter than the zone's minimum dwell
                stay("till", 2, at(10, 40, 30), 60),  # queued behind 3, left without paying
            ]
        )
        store_receipts(
            db,
            "corner-shop",
            [
                receipt("R1", at(10, 20), ("snacks", 4.5)),
                receipt("R2", at(10, 40), ("snacks", 2.0), ("household", 1.0)),
                receipt("R3", at(11, 30), ("drinks", 6.0)),
                receipt("R4", at(11, 45), ("snacks", -3.0)),
                receipt("P1", at(10, 30, day=DAY - timedelta(days=1)), ("snacks", 5.0)),
                receipt("P2", at(10, 35, day=DAY - timedelta(days=1)), ("drinks", 5.0)),
            ],
        )
    return config


def test_store_and_zone_conversion_of_a_day(filled):
    with open_store_database(filled) as db:
        report = conversion_report(filled, db, at(10, 0), at(12, 0), "hour")
    cur = report.current
    t = cur.totals
    assert (t.units, t.receipts, t.returns, t.conversion) == (5, 3, 1, 0.6)
    assert t.sales == pytest.approx(10.5) and t.average_ticket == pytest.approx(13.5 / 3)
    assert t.conversion_low < 0.6 < t.conversion_high
    (h10, f10), (h11, f11) = cur.buckets
    assert (h10, h11) == (at(10, 0), at(11, 0))
    assert (f10.units, f10.receipts, f11.units, f11.receipts, f11.returns) == (4, 2, 1, 1, 1)
    assert (cur.receipts_all, cur.receipts_matched, cur.median_match_gap_s) == (4, 2, 1.5)
    snacks, drinks = cur.zones
    assert (snacks.zone, snacks.units, snacks.buyers, snacks.conversion) == ("snacks", 2, 1, 0.5)
    assert snacks.category_sales == pytest.approx(3.5)  # 4.5 + 2.0 - 3.0 (the return)
    assert (drinks.units, drinks.buyers, drinks.conversion, drinks.category_sales) == (1, 0, 0.0, 6.0)
    assert (snacks.category_receipts, drinks.category_receipts) == (2, 1)  # R1, R2; R3 (R4 is a return)
    assert cur.people == 5 and report.previous is None and report.comparison is None


def test_days_and_a_comparison_with_the_day_before(filled):
    before = (at(0, 0, day=DAY - timedelta(days=1)), at(0, 0))
    with open_store_database(filled) as db:
        report = conversion_report(filled, db, at(0, 0), at(0, 0, day=DAY + timedelta(days=1)), "day", before)
    assert [(s, f.units, f.receipts) for s, f in report.current.buckets] == [(at(0, 0), 5, 3)]
    assert (report.previous.totals.units, report.previous.totals.receipts) == (10, 2)
    c = report.comparison
    assert c.uplift == pytest.approx(2.0) and c.difference == pytest.approx(0.4)
    assert c.uplift_low < 2.0 < c.uplift_high and c.difference_low < 0.4 < c.difference_high
    data = json.loads(json.dumps(report.to_dict()))
    assert data["current"]["start"] == "2026-03-04T00:00:00+00:00" and data["previous"]["totals"]["units"] == 10
    text = "\n".join(report.text_lines())
    assert "conversion: 60.0% (3 receipts / 5 buying units of 5 visitors; 95%" in text
    assert "receipts matched to a payer at the till: 2 of 4" in text
    assert "zone conversion snacks: 50.0% (1 of 2 units who stayed bought snacks;" in text


def test_weeks_start_on_monday_in_the_stores_time_zone(filled):
    with open_store_database(filled) as db:
        start, end = at(0, 0, day=DAY - timedelta(days=2)), at(0, 0, day=DAY + timedelta(days=6))
        report = conversion_report(filled, db, start, end, "week")
    starts = [s for s, _ in report.current.buckets]
    assert starts == [datetime(2026, 3, 2, tzinfo=UTC), datetime(2026, 3, 9, tzinfo=UTC)]
    assert [(f.units, f.receipts) for _, f in report.current.buckets] == [(15, 5), (0, 0)]


def test_a_group_is_one_unit_and_buys_for_every_zone_its_members_stayed_in(tmp_path):
    """Two who came in together (one unit): one stays at drinks, the other at snacks and pays for both."""
    config = shop(tmp_path)
    with open_store_database(config) as db:
        db.add_line_crossings([came_in(1, at(10, 0)), came_in(2, at(10, 0, 1)), came_in(3, at(10, 30))])
        db.add_visits(
            [
                Visit("door", 1, at(10, 0), at(10, 20), True, unit_id=1),
                Visit("door", 2, at(10, 0, 1), at(10, 20), True, unit_id=1),
                Visit("door", 3, at(10, 30), at(10, 50), True, unit_id=3),
            ]
        )
        db.add_zone_visits(
            [
                stay("drinks", 1, at(10, 2), 60),
                stay("snacks", 2, at(10, 3), 60),
                stay("till", 2, at(10, 10), 62),
                stay("drinks", 3, at(10, 35), 60),
            ]
        )
        store_receipts(db, "corner-shop", [receipt("R1", at(10, 11), ("drinks", 3.0), ("snacks", 1.0))])
        report = conversion_report(config, db, at(10, 0), at(11, 0))
    cur = report.current
    assert (cur.people, cur.totals.units, cur.totals.receipts, cur.totals.conversion) == (3, 2, 1, 0.5)
    snacks, drinks = cur.zones
    assert (snacks.units, snacks.buyers) == (1, 1)
    assert (drinks.units, drinks.buyers, drinks.conversion) == (2, 1, 0.5)  # the group bought drinks, 3 did not


def test_stats_has_a_conversion_section_in_text_and_json(filled):
    from storelens.reports import store_stats

    with open_store_database(filled) as db:
        stats = store_stats(filled, db, at(10, 0), at(12, 0))
    text = stats.to_text().splitlines()
    assert "conversion: 60.0% (3 receipts / 5 buying units of 5 visitors; 95% 23.1%-88.2%, Wilson)" in text
    assert "average ticket 4.50, sales 10.50 (1 returns), sales per unit 2.10" in text
    assert any(line.startswith("zone conversion snacks: 50.0% (1 of 2 units who stayed bought snacks") for line in text)
    data = json.loads(json.dumps(stats.to_dict()))
    assert data["conversion"]["bucket"] == "hour" and data["conversion"]["current"]["totals"]["receipts"] == 3
