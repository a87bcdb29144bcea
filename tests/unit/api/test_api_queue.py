"""Checkout queues in the API: per hour over a range, and now in the live summary."""

from __future__ import annotations

import csv
import io

import pytest
from api_helpers import NOW, at, bearer

from storelens.analytics.records import ZoneVisit
from storelens.storage import open_database

# 14:00-15:00 (the hour before NOW): A waits 14:00:00-14:02:00, B 14:01:00-14:04:00, C 14:10:00-14:11:00.
QUEUE = [(-3600, -3480), (-3540, -3360), (-3000, -2940)]


@pytest.fixture
def queue_client(make_client, db_url, tokens):
    with open_database(db_url) as db:
        db.add_zone_visits([ZoneVisit("till", "door", 40 + i, at(a), at(b)) for i, (a, b) in enumerate(QUEUE)])
    client = make_client()
    client.headers.update(bearer(tokens["vic"]))
    return client


def test_queue_per_hour(queue_client):
    q = queue_client.get("/api/queue", params={"from": "2026-03-04T14:00", "to": "2026-03-04T15:00"}).json()
    assert q["open_till_at"] == {"till": 0} and q["bucket"] == "hour"
    (hour,) = q["buckets"]
    # 120 + 180 + 60 person-seconds in 3600 s; 3 served (the template's 5 s visit at 14:11:40 too: 4)
    assert hour["zone"] == "till" and hour["max_length"] == 2 and hour["served"] == 4
    assert hour["served_from"] == "zone exits"  # no POS data
    assert hour["mean_length"] == pytest.approx((121 + 181 + 61 + 6) / 3600, abs=1e-3)
    assert hour["wait_s"] == pytest.approx((121 + 181 + 61 + 6) / 4, abs=0.1)  # Little: mean length x 3600 s / 4
    assert q["totals"] == [hour]


def test_queue_as_csv(queue_client):
    text = queue_client.get("/api/queue.csv", params={"from": "2026-03-04T14:00", "to": "2026-03-04T15:00"}).text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["buckets.max_length"] for r in rows] == ["2"] and rows[0]["buckets.zone"] == "till"


def test_live_summary_has_the_queue_now(queue_client):
    (queue,) = queue_client.get("/api/summary").json()["queues"]
    assert queue["zone"] == "till" and queue["length"] == 0 and queue["open_till_at"] == 0
    # nobody left the queue in the 15 minutes before NOW (15:00): no wait to estimate
    assert queue["served"] == 0 and queue["wait_s"] is None
    assert NOW.hour == 15


def test_receipts_are_the_people_served_where_there_are_any(queue_client, db_url):
    from storelens.storage.receipts import ReceiptRows, save_receipts

    # Two receipts at the till in the hour (the queue's zone visits ended four times: a broken track would too).
    times = [at(-3400), at(-2900)]
    rows = ReceiptRows(
        receipt_id=["r1", "r2"], ts_us=[int(t.timestamp() * 1e6) for t in times], till=["till", "till"],
        total=[5.0, 7.0], content_hash=["a", "b"], line_receipt=[0, 1], line_category=["food", "food"],
        line_amount=[5.0, 7.0],
    )
    with open_database(db_url) as db:
        save_receipts(db, "corner-shop", rows)
    q = queue_client.get("/api/queue", params={"from": "2026-03-04T14:00", "to": "2026-03-04T15:00"}).json()
    (hour,) = q["buckets"]
    assert hour["served_from"] == "receipts" and hour["served"] == 2
    assert hour["wait_s"] == pytest.approx((121 + 181 + 61 + 6) / 2, abs=0.1)
