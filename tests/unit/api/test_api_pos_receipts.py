"""POST /api/pos/receipts: checked item by item like CSV rows, stored idempotently, bad items named."""

from __future__ import annotations

from datetime import UTC, datetime

from api_helpers import bearer

from storelens.storage import open_database
from storelens.storage.receipts import load_receipts


def item(receipt_id: str, **changes) -> dict:
    out = {"receipt_id": receipt_id, "time": "2026-03-04T14:00:00", "till": "t1", "total": 3.5,
           "lines": [{"category": "snacks", "amount": 1.5}, {"category": "drinks", "amount": 2.0}]}
    return {k: v for k, v in {**out, **changes}.items() if v is not None}


def test_good_items_are_stored_and_bad_ones_answered_with_their_index(client, tokens, db_url):
    batch = [
        item("R1"),
        item("R2", time=None),
        item("R3", total=4.0),
        item("R4", colour="red"),
        item("R1", total=9.0, lines=None),
        item("R5", lines=[{"category": "snacks"}]),
        item("R6", time="2026-03-04T14:00:00+02:00", total=-1.0, lines=[{"category": "snacks", "amount": -1.0}]),
        item("R 7"),
        item("R1"),  # the same receipt twice in a batch: stored once
        "not an object",
    ]
    response = client.post("/api/pos/receipts", json={"receipts": batch}, headers=bearer(tokens["mia"]))
    assert response.status_code == 200, response.text
    out = response.json()
    assert (out["received"], out["new"], out["unchanged"], out["updated"]) == (10, 2, 0, 0)
    assert [(e["index"], e["receipt_id"]) for e in out["errors"]] == [
        (1, "R2"), (2, "R3"), (3, "R4"), (4, "R1"), (5, "R5"), (7, "R 7"), (9, None)
    ]
    details = [e["detail"] for e in out["errors"]]
    assert details[0] == "time: missing"
    assert details[1].startswith("lines sum to 3.50 but the total is 4.00")
    assert details[2].startswith("unknown key 'colour'; keys: lines, receipt_id, till, time, total")
    assert details[3] == "receipt_id 'R1' is already item 0 of this batch, with other content"
    assert details[4] == "lines[0]: expected an object with exactly category and amount"
    assert details[5].startswith("receipt id 'R 7' must be")
    assert details[6] == "expected an object with lines, receipt_id, till, time, total, got str"
    with open_database(db_url) as db:
        stored = load_receipts(db, "corner-shop", datetime(2026, 3, 4, tzinfo=UTC), datetime(2026, 3, 5, tzinfo=UTC))
    assert stored.receipt_id.tolist() == ["R6", "R1"]  # R6 at 12:00 UTC, R1 at 14:00 London = UTC in March
    again = client.post("/api/pos/receipts", json={"receipts": [item("R1"), item("R6", total=2.0, lines=None)]},
                        headers=bearer(tokens["mia"])).json()
    assert (again["new"], again["unchanged"], again["updated"], again["errors"]) == (0, 1, 1, [])


def test_a_batch_may_be_larger_than_other_bodies_but_not_unbounded(client, tokens):
    many = [item(f"R{i}") for i in range(5000)]
    response = client.post("/api/pos/receipts", json={"receipts": many}, headers=bearer(tokens["mia"]))
    assert response.status_code == 200 and response.json()["new"] == 5000
    mia = bearer(tokens["mia"])
    response = client.post("/api/pos/receipts", json={"receipts": many + [item("R5000")]}, headers=mia)
    assert response.status_code == 422  # more than 5000 receipts in one request
    assert client.post("/api/siren", json={"on": True, "pad": "x" * 70_000}, headers=mia).status_code == 413
    huge = {"receipts": [item("R1", till="x" * 5_000_000)]}
    assert client.post("/api/pos/receipts", json=huge, headers=bearer(tokens["mia"])).status_code == 413
