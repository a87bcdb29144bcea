"""Receipts sent as JSON (``POST /api/pos/receipts``): each item read on its own, so one bad item
is answered with its index and reason while the others are stored.

An item is ``{"receipt_id", "time", "till", "total", "lines": [{"category", "amount"}]}``; ``till``
defaults to ``pos.default_till``, ``total`` to the sum of the lines, and a time without an
offset is read in ``pos.timezone`` (or the store's), exactly as in a CSV export.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from storelens.config.pos import PosConfig
from storelens.pos.receipts import Receipt, ReceiptLine, parse_time, receipt_problem

__all__ = ["ITEM_KEYS", "LINE_KEYS", "receipt_from_item"]

ITEM_KEYS = frozenset({"receipt_id", "time", "till", "total", "lines"})
LINE_KEYS = frozenset({"category", "amount"})


def receipt_from_item(item: Any, pos: PosConfig, store_tz: ZoneInfo) -> Receipt:
    """The receipt an API item describes, checked as CSV receipts are.

    Raises:
        ValueError: One line naming the key and the problem.
    """
    if not isinstance(item, dict):
        raise ValueError(f"expected an object with {', '.join(sorted(ITEM_KEYS))}, got {type(item).__name__}")
    unknown = sorted(set(item) - ITEM_KEYS)
    if unknown:
        raise ValueError(f"unknown key {', '.join(map(repr, unknown))}; keys: {', '.join(sorted(ITEM_KEYS))}")
    receipt_id = _text(item, "receipt_id")
    time_text = _text(item, "time")
    try:
        ts = parse_time(time_text, pos, store_tz)
    except ValueError as err:
        raise ValueError(f"time: {time_text!r} is not an ISO 8601 time ({err})") from None
    till = _text(item, "till") if "till" in item else pos.default_till
    lines_in = item.get("lines", [])
    if not isinstance(lines_in, list):
        raise ValueError(f"lines: expected a list, got {type(lines_in).__name__}")
    lines = tuple(_line(line, k, pos) for k, line in enumerate(lines_in))
    if "total" in item:
        total = _number(item["total"], "total")
    elif lines:
        total = sum(line.amount for line in lines)
    else:
        raise ValueError("total: missing (it may be left out only when lines are given)")
    receipt = Receipt(receipt_id, ts, till, total, lines)
    problem = receipt_problem(receipt, pos.line_sum_tolerance)
    if problem:
        raise ValueError(problem)
    return receipt


def _text(item: dict, key: str) -> str:
    if key not in item:
        raise ValueError(f"{key}: missing")
    value = item[key]
    if not isinstance(value, str):
        raise ValueError(f"{key}: expected a string, got {type(value).__name__}")
    return value


def _number(value: Any, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{key}: expected a number, got {type(value).__name__}")
    try:
        return float(value)
    except OverflowError:
        raise ValueError(f"{key}: {value} is beyond any amount") from None


def _line(line: Any, k: int, pos: PosConfig) -> ReceiptLine:
    if not isinstance(line, dict) or set(line) != LINE_KEYS:
        raise ValueError(f"lines[{k}]: expected an object with exactly category and amount")
    category = line["category"]
    if not isinstance(category, str):
        raise ValueError(f"lines[{k}].category: expected a string, got {type(category).__name__}")
    return ReceiptLine(pos.category_map.get(category, category), _number(line["amount"], f"lines[{k}].amount"))
