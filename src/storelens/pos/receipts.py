"""The receipt: what a till sold, when and where, and the checks every receipt passes before it is stored.

CSV rows and API items are parsed by their own readers (`storelens.pos.csv_import`,
`storelens.pos.items`) into :class:`Receipt` and then checked by the one :func:`receipt_problem`,
so both ways in refuse the same receipts with the same words.

Amounts are in the currency's units and may be negative: a return is a receipt with a negative
total, a discount a line with a negative amount. Conversion counts receipts with a positive total
(sales); returns lower the sales figures but are not purchases.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo

from storelens.config.pos import CATEGORY_PATTERN, ID_PATTERN, PosConfig
from storelens.storage.receipts import ReceiptRows
from storelens.storage.times import to_us

__all__ = [
    "MAX_ABS_AMOUNT",
    "MAX_LINES",
    "Receipt",
    "ReceiptLine",
    "content_hash",
    "parse_amount",
    "parse_time",
    "receipt_problem",
    "to_rows",
]

MAX_ABS_AMOUNT = 1e9
"""Larger amounts are typing or export errors (a barcode in the amount column), not sales."""
MAX_LINES = 1000
"""Lines per receipt; more is an export that lost its receipt ids."""

_ID = re.compile(ID_PATTERN)
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
_CATEGORY = re.compile(CATEGORY_PATTERN)


class ReceiptLine(NamedTuple):
    """One line of a receipt: the product category (zones list the categories they show) and its amount.

    A named tuple, not a dataclass: an export has hundreds of thousands of lines, and a tuple is made
    several times faster.
    """

    category: str
    amount: float


class Receipt(NamedTuple):
    """One receipt of the store's till system (a named tuple, as its lines are: cheap to make by the
    hundred thousand).

    Attributes:
        receipt_id: The POS's id, unique within the store.
        ts: When it was issued (aware; stored as UTC).
        till: The till that issued it.
        total: What was paid, currency units (negative for a return).
        lines: Its lines; may be empty when the export has totals only.
    """

    receipt_id: str
    ts: datetime
    till: str
    total: float
    lines: tuple[ReceiptLine, ...] = ()


def receipt_problem(receipt: Receipt, line_sum_tolerance: float) -> str | None:
    """What is wrong with a receipt, in a few words naming the field, or None if nothing is."""
    if not _ID.fullmatch(receipt.receipt_id):
        return f"receipt id {receipt.receipt_id!r} must be 1-64 letters, digits or _ . : / # -"
    if not _name_ok(receipt.till, _ID):
        return f"till {receipt.till!r} must be 1-64 letters, digits or _ . : / # -"
    if receipt.ts.tzinfo is None or receipt.ts.utcoffset() is None:
        return f"time {receipt.ts.isoformat()} has no time zone"
    problem = _amount_problem(receipt.total, "total")
    if problem:
        return problem
    if len(receipt.lines) > MAX_LINES:
        return f"{len(receipt.lines)} lines, more than {MAX_LINES}"
    for line in receipt.lines:
        if not _name_ok(line.category, _CATEGORY):
            return f"category {line.category!r} must be 1-64 printable characters"
        problem = _amount_problem(line.amount, f"amount of {line.category!r}")
        if problem:
            return problem
    if receipt.lines:
        lines_sum = math.fsum(line.amount for line in receipt.lines)
        if abs(lines_sum - receipt.total) > line_sum_tolerance + 1e-9:
            return (
                f"lines sum to {lines_sum:.2f} but the total is {receipt.total:.2f} "
                f"(allowed difference: pos.line_sum_tolerance = {line_sum_tolerance:g})"
            )
    return None


@lru_cache(maxsize=4096)
def _name_ok(name: str, pattern: re.Pattern) -> bool:
    """Whether a till or category name matches its pattern (few distinct names, checked once each)."""
    return pattern.fullmatch(name) is not None


def _amount_problem(value: float, what: str) -> str | None:
    if -MAX_ABS_AMOUNT <= value <= MAX_ABS_AMOUNT:  # the common case, NaN excluded
        return None
    if not math.isfinite(value):
        return f"{what} is {value}, not a number"
    if abs(value) > MAX_ABS_AMOUNT:
        return f"{what} {value:g} is beyond +-{MAX_ABS_AMOUNT:g}"
    return None


def parse_amount(text: str, pos: PosConfig) -> float:
    """A written amount in the export's number format (``1.234,50`` with ``,`` decimals) as a float.

    Raises:
        ValueError: Not a plain decimal number (no exponents, no currency signs, nothing but digits,
            one sign, the separators and surrounding spaces).

    >>> parse_amount("1.234,50", PosConfig(decimal_separator=",", thousands_separator="."))
    1234.5
    """
    value = text.strip()
    if pos.thousands_separator:
        value = value.replace(pos.thousands_separator, "")
    if pos.decimal_separator == ",":
        if "." in value:
            raise ValueError(f"{text!r} is not a number with ',' decimals")
        value = value.replace(",", ".")
    if not _NUMBER.fullmatch(value):
        raise ValueError(f"{text!r} is not a number")
    return float(value)


def parse_time(text: str, pos: PosConfig, default_tz: ZoneInfo) -> datetime:
    """A written time as an aware datetime: ISO 8601 or ``pos.time_format``; a time without an offset
    is in ``pos.timezone`` (or the store's, ``default_tz``).

    Raises:
        ValueError: The text does not match the format.
    """
    value = text.strip()
    if pos.time_format is None:
        ts = datetime.fromisoformat(value)
    else:
        ts = datetime.strptime(value, pos.time_format)
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=ZoneInfo(pos.timezone) if pos.timezone else default_tz)
    return ts


def content_hash(receipt: Receipt, ts_us: int | None = None) -> str:
    """Digest of everything stored of a receipt but its id: equal digests, equal receipts.

    Amounts enter as their shortest exact form (``repr``), so a receipt read again from the same
    export, or posted again, hashes the same.
    """
    head = f"{to_us(receipt.ts) if ts_us is None else ts_us}\x1e{receipt.till}\x1e{receipt.total!r}"
    body = "".join([f"\x1e{category}\x1f{amount!r}" for category, amount in receipt.lines])
    return hashlib.blake2b((head + body).encode(), digest_size=16).hexdigest()


def to_rows(receipts: Sequence[Receipt]) -> ReceiptRows:
    """Receipts as the columns storage saves."""
    line_receipt, categories, amounts = [], [], []
    for i, receipt in enumerate(receipts):
        for line in receipt.lines:
            line_receipt.append(i)
            categories.append(line.category)
            amounts.append(line.amount)
    ts_us = [to_us(r.ts) for r in receipts]
    return ReceiptRows(
        receipt_id=[r.receipt_id for r in receipts],
        ts_us=ts_us,
        till=[r.till for r in receipts],
        total=[r.total for r in receipts],
        content_hash=[content_hash(r, t) for r, t in zip(receipts, ts_us)],
        line_receipt=line_receipt,
        line_category=categories,
        line_amount=amounts,
    )
