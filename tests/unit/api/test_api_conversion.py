"""GET /api/conversion: receipts against buying units, per bucket and zone, compared with another range."""

from __future__ import annotations

import csv
import io

import pytest
from api_helpers import NOW, at, bearer, store_config

from storelens.pos import Receipt, ReceiptLine, store_receipts
from storelens.storage import open_database

ZONES = [
    {"name": "entrance", "kind": "entrance", "polygon": [[0, 0], [3, 0], [3, 10], [0, 10]]},
    {"name": "aisle_1", "kind": "aisle", "polygon": [[5, 1], [10, 1], [10, 9], [5, 9]], "categories": ["snacks"]},
    {"name": "till", "kind": "checkout_queue", "polygon": [[15, 1], [19, 1], [19, 4], [15, 4]]},
]


@pytest.fixture
def conversion_client(make_client, db_url):
    """Today (see api_helpers.fill): three came in; track 1 stayed in aisle_1, then in the till's line
    until 14:11:45, and paid 4.50 of snacks at 14:12:25. A receipt at 14:50 nobody was seen paying."""
    with open_database(db_url) as db:
        store_receipts(
            db,
            "corner-shop",
            [
                Receipt("R1", at(-2855), "till_1", 4.5, (ReceiptLine("snacks", 4.5),)),
                Receipt("R2", at(-600), "till_1", 10.0, (ReceiptLine("drinks", 10.0),)),
            ],
        )
    return make_client(config=store_config(zones=ZONES))


def test_conversion_of_today_per_hour_with_its_zones(conversion_client, tokens):
    response = conversion_client.get("/api/conversion", headers=bearer(tokens["vic"]))
    assert response.status_code == 200, response.text
    out = response.json()
    cur = out["current"]
    assert (cur["people"], cur["totals"]["units"], cur["totals"]["receipts"]) == (3, 3, 2)
    assert cur["totals"]["conversion"] == pytest.approx(2 / 3) and cur["totals"]["average_ticket"] == 7.25
    assert (cur["receipts_all"], cur["receipts_matched"], cur["median_match_gap_s"]) == (2, 1, 40.0)
    assert len(cur["buckets"]) == 24 and cur["buckets"][0]["start"] == "2026-03-04T00:00:00Z"  # London = UTC
    busy = {b["start"][11:13]: (b["units"], b["receipts"]) for b in cur["buckets"] if b["units"] or b["receipts"]}
    assert busy == {"10": (1, 0), "12": (1, 0), "14": (1, 2)}
    (aisle,) = cur["zones"]
    # aisle_1 today: tracks 1, 2 and 3 stayed; 1 paid for snacks.
    assert (aisle["zone"], aisle["units"], aisle["buyers"], aisle["category_sales"]) == ("aisle_1", 3, 1, 4.5)
    assert out["previous"] is None and out["comparison"] is None and "Wilson" in out["intervals"]


def test_conversion_compared_with_the_same_day_last_week(conversion_client, tokens):
    params = {"from": "2026-03-04", "to": "2026-03-05", "bucket": "day", "compare_from": "2026-02-25",
              "compare_to": "2026-02-26"}
    out = conversion_client.get("/api/conversion", params=params, headers=bearer(tokens["vic"])).json()
    assert [(b["units"], b["receipts"]) for b in out["current"]["buckets"]] == [(3, 2)]
    assert (out["previous"]["totals"]["units"], out["previous"]["totals"]["receipts"]) == (3, 0)
    c = out["comparison"]
    # Three units each: +67 points, and yet the interval still reaches below 0 (it may be chance).
    assert c["difference"] == pytest.approx(2 / 3) and c["difference_low"] < 0 < c["difference_high"]
    assert c["uplift"] is None and c["uplift_high"] is None  # nothing sold last week: no finite ratio


@pytest.mark.parametrize(
    ("params", "detail"),
    [
        ({"compare_from": "2026-02-25"}, "give both compare_from and compare_to, or neither"),
        ({"compare_from": "yesterday", "compare_to": "2026-02-26"}, "compare_from / compare_to: from: 'yesterday'"),
        ({"compare_from": "2026-02-26", "compare_to": "2026-02-25"}, "compare_from / compare_to: from ("),
        ({"from": "2025-01-01", "to": "2025-12-31", "bucket": "hour"}, "bucket=hour covers at most 93 days"),
    ],
)
def test_bad_parameters_are_one_line_422s(conversion_client, tokens, params, detail):
    response = conversion_client.get("/api/conversion", params=params, headers=bearer(tokens["vic"]))
    assert response.status_code == 422 and response.json()["detail"].startswith(detail), response.text


def test_conversion_tables_as_csv(conversion_client, tokens):
    response = conversion_client.get("/api/conversion.csv", params={"table": "zones"}, headers=bearer(tokens["vic"]))
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    (row,) = list(csv.DictReader(io.StringIO(response.text)))
    zone = row["current.zones.zone"], row["current.zones.units"], row["current.zones.buyers"]
    assert zone == ("aisle_1", "3", "1") and row["bucket"] == "hour"
    response = conversion_client.get("/api/conversion.csv", headers=bearer(tokens["vic"]))
    assert len(list(csv.DictReader(io.StringIO(response.text)))) == 24  # the buckets, the default table
    assert NOW.hour == 15
