"""Receipts in storage: idempotent saves (new / unchanged / updated), store scoping, range reads, schema 6."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from storage_helpers import T0, at

from storelens.storage import open_database, schema
from storelens.storage.engine import create_storage_engine
from storelens.storage.migrations import upgrade
from storelens.storage.receipts import ReceiptRows, SavedReceipts, load_receipts, save_receipts
from storelens.storage.times import to_us


def rows(receipts: list[tuple[str, float, str, float, list[tuple[str, float]]]]) -> ReceiptRows:
    """(id, seconds after T0, till, total, [(category, amount)]) -> rows, hashed on their content."""
    line_receipt, categories, amounts = [], [], []
    for i, (*_, lines) in enumerate(receipts):
        for category, amount in lines:
            line_receipt.append(i)
            categories.append(category)
            amounts.append(amount)
    return ReceiptRows(
        receipt_id=[r[0] for r in receipts],
        ts_us=[to_us(at(r[1])) for r in receipts],
        till=[r[2] for r in receipts],
        total=[r[3] for r in receipts],
        content_hash=[repr(r[1:])[:32] for r in receipts],
        line_receipt=line_receipt,
        line_category=categories,
        line_amount=amounts,
    )


DAY = [
    ("r1", 10, "till_1", 3.5, [("snacks", 1.5), ("drinks", 2.0)]),
    ("r2", 20, "till_2", 4.0, []),
    ("r3", 30, "till_1", 9.99, [("electronics", 9.99)]),
]


def test_a_batch_is_saved_once_and_read_back_in_time_order_with_its_lines(db):
    assert save_receipts(db, "shop", rows(DAY)) == SavedReceipts(new=3, unchanged=0, updated=0)
    table = load_receipts(db, "shop", T0, at(60))
    assert table.receipt_id.tolist() == ["r1", "r2", "r3"]
    assert table.till.tolist() == ["till_1", "till_2", "till_1"] and table.total.tolist() == [3.5, 4.0, 9.99]
    assert table.ts_us.tolist() == [to_us(at(s)) for s in (10, 20, 30)]
    assert table.line_receipt.tolist() == [0, 0, 2]
    assert table.line_category.tolist() == ["snacks", "drinks", "electronics"]
    assert table.line_amount.tolist() == [1.5, 2.0, 9.99]
    assert save_receipts(db, "shop", rows(DAY)) == SavedReceipts(new=0, unchanged=3, updated=0)
    assert len(load_receipts(db, "shop", T0, at(60))) == 3


def test_a_corrected_receipt_replaces_the_stored_one_and_its_lines(db):
    save_receipts(db, "shop", rows(DAY))
    corrected = [("r1", 11, "till_1", 2.0, [("drinks", 2.0)]), DAY[1], ("r4", 40, "till_2", 1.0, [("snacks", 1.0)])]
    assert save_receipts(db, "shop", rows(corrected)) == SavedReceipts(new=1, unchanged=1, updated=1)
    table = load_receipts(db, "shop", T0, at(60))
    assert table.receipt_id.tolist() == ["r1", "r2", "r3", "r4"]
    assert table.total.tolist() == [2.0, 4.0, 9.99, 1.0]
    assert table.line_category.tolist() == ["drinks", "electronics", "snacks"]
    assert table.line_receipt.tolist() == [0, 2, 3]


def test_receipts_are_scoped_by_store(db):
    save_receipts(db, "shop", rows(DAY))
    other = [("r1", 15, "till_9", 100.0, [("toys", 100.0)])]
    assert save_receipts(db, "mall", rows(other)) == SavedReceipts(new=1, unchanged=0, updated=0)
    assert load_receipts(db, "shop", T0, at(60)).total.tolist() == [3.5, 4.0, 9.99]
    mall = load_receipts(db, "mall", T0, at(60))
    assert mall.receipt_id.tolist() == ["r1"] and mall.line_category.tolist() == ["toys"]
    assert len(load_receipts(db, "nowhere", T0, at(60))) == 0


def test_ranges_are_half_open(db):
    save_receipts(db, "shop", rows(DAY))
    table = load_receipts(db, "shop", at(10), at(30))
    assert table.receipt_id.tolist() == ["r1", "r2"] and table.line_receipt.tolist() == [0, 0]


def test_a_malformed_batch_is_refused_before_anything_is_written(db):
    with pytest.raises(ValueError, match="unique within a batch"):
        save_receipts(db, "shop", rows([DAY[0], DAY[0]]))
    stray = rows(DAY[:1])
    stray = ReceiptRows(*[getattr(stray, f) for f in ReceiptRows.__dataclass_fields__][:5], [0, 1], ["a", "b"], [1, 2])
    with pytest.raises(ValueError, match="outside the batch"):
        save_receipts(db, "shop", stray)
    assert len(load_receipts(db, "shop", T0, at(60))) == 0


def test_schema_6_gives_existing_api_tokens_full_access(fresh_db_url):
    engine = create_storage_engine(fresh_db_url)
    assert upgrade(engine, heat_cell_m=0.25, target=5) == 5
    with engine.begin() as conn:
        conn.execute(
            sa.text("INSERT INTO users (name, role, password_hash, created_us) VALUES ('ann', 'viewer', 'x', 0)")
        )
        conn.execute(
            sa.text("INSERT INTO api_tokens (user_id, name, token_hash, created_us) VALUES (1, 'old', 'h', 0)")
        )
    engine.dispose()
    with open_database(fresh_db_url) as db, db.engine.connect() as conn:
        assert conn.execute(sa.select(schema.api_tokens.c.name, schema.api_tokens.c.scope)).all() == [("old", "full")]
