"""Till receipts in over HTTP: ``POST /api/pos/receipts``, a batch read item by item.

Each item is checked as a CSV row is (`storelens.pos.items`); the good ones are stored in one
transaction, idempotently by receipt id, and every bad one is answered with its index and the
reason. A till system posts with an API token of scope ``pos`` (`storelens token create NAME
--user U --scope pos`), which can do nothing else.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body
from pydantic import BaseModel, Field

from storelens.api.auth import Manager
from storelens.api.params import Ctx
from storelens.pos import receipt_from_item, store_receipts
from storelens.pos.receipts import Receipt
from storelens.runner import store_id_of

__all__ = ["MAX_BATCH", "router"]

router = APIRouter(prefix="/api/pos", tags=["pos"])

MAX_BATCH = 5000
"""Receipts per request: a busy store's hour; larger backlogs go in several requests (or as a CSV import)."""

ITEM_DESCRIPTION = (
    "Receipts, each `{receipt_id, time, till, total, lines: [{category, amount}]}`: `time` ISO 8601 (without an "
    "offset it is read in `pos.timezone`, else the store's), `till` defaults to `pos.default_till`, `total` to the "
    "sum of the lines (which must match it within `pos.line_sum_tolerance`), amounts in currency units (negative "
    "for returns)."
)
EXAMPLE = {
    "receipts": [
        {
            "receipt_id": "0042-118734",
            "time": "2026-03-04T10:15:02+00:00",
            "till": "till_1",
            "total": 7.3,
            "lines": [{"category": "snacks", "amount": 2.5}, {"category": "drinks", "amount": 4.8}],
        }
    ]
}


class ReceiptBatchIn(BaseModel):
    receipts: list[Any] = Field(min_length=1, max_length=MAX_BATCH, description=ITEM_DESCRIPTION)


class ReceiptErrorOut(BaseModel):
    index: int = Field(description="Position of the item in `receipts`, from 0")
    receipt_id: str | None = Field(description="Its receipt_id, if it had a readable one")
    detail: str = Field(description="What is wrong, naming the key")


class ReceiptsSavedOut(BaseModel):
    received: int
    new: int = Field(description="Receipts stored for the first time")
    unchanged: int = Field(description="Receipts already stored exactly so (a repeated post)")
    updated: int = Field(description="Receipts stored before with other content, now replaced")
    errors: list[ReceiptErrorOut] = Field(description="Items left out, each with its reason")


@router.post(
    "/receipts",
    response_model=ReceiptsSavedOut,
    summary="Store a batch of till receipts (idempotent by receipt id; bad items are listed, the rest stored)",
    responses={403: {"description": "Needs a manager's or admin's credentials, or a token of scope pos"}},
)
def post_receipts(
    body: Annotated[ReceiptBatchIn, Body(openapi_examples={"one receipt": {"value": EXAMPLE}})], _: Manager, ctx: Ctx
) -> ReceiptsSavedOut:
    config = ctx.config
    good: dict[str, tuple[int, Receipt]] = {}
    errors = []
    for i, item in enumerate(body.receipts):
        receipt_id = item.get("receipt_id") if isinstance(item, dict) else None
        receipt_id = receipt_id if isinstance(receipt_id, str) else None
        try:
            receipt = receipt_from_item(item, config.pos, config.tz)
        except ValueError as err:
            errors.append(ReceiptErrorOut(index=i, receipt_id=receipt_id, detail=str(err)))
            continue
        earlier = good.get(receipt.receipt_id)
        if earlier is not None and earlier[1] != receipt:
            detail = f"receipt_id {receipt.receipt_id!r} is already item {earlier[0]} of this batch, with other content"
            errors.append(ReceiptErrorOut(index=i, receipt_id=receipt_id, detail=detail))
            continue
        good.setdefault(receipt.receipt_id, (i, receipt))
    saved = store_receipts(ctx.db, store_id_of(config), [r for _, r in good.values()], ctx.now())
    return ReceiptsSavedOut(
        received=len(body.receipts), new=saved.new, unchanged=saved.unchanged, updated=saved.updated, errors=errors
    )
