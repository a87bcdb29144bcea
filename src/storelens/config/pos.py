"""Point of sale: how the till system's receipts are read, and how they meet the cameras' visitors.

A POS export is a CSV file with one row per receipt line (the receipt's id, time, till and total
repeated on each of its rows), as most till systems write them; the column names, the time
format, the zone of times written without one and the number format differ from one system to
the next, so each is a key here. See docs/pos.md for the format and the conversion it feeds.
"""

from __future__ import annotations

import codecs
import re
import zoneinfo
from typing import Literal, Self

from pydantic import Field, field_validator, model_validator

from storelens.config.base import StorelensModel

__all__ = ["CATEGORY_PATTERN", "ID_PATTERN", "PosColumnsConfig", "PosConfig"]

ID_PATTERN = r"^[A-Za-z0-9_.:/#-]{1,64}$"
"""Receipt and till ids: what tills print (letters, digits and a little punctuation), no spaces."""

CATEGORY_PATTERN = r"^[^\x00-\x1f]{1,64}$"
"""Product categories: any printable text up to 64 characters."""


class PosColumnsConfig(StorelensModel):
    """Which column of the export holds each field (header names, matched exactly)."""

    receipt_id: str = Field("receipt_id", min_length=1, title="Receipt id column", description="The receipt's id")
    time: str = Field("time", min_length=1, title="Time column", description="When the receipt was issued")
    till: str | None = Field(
        "till",
        title="Till column",
        description="The till that issued it; null: the export has none (every receipt is `default_till`'s)",
    )
    total: str | None = Field(
        "total",
        title="Total column",
        description="The receipt's total; null: the export has none (the total is the sum of its lines)",
    )
    category: str | None = Field(
        "category",
        title="Category column",
        description=(
            "Product category of the line (matched to zones' categories); null: the export has one row per "
            "receipt and no lines"
        ),
    )
    amount: str | None = Field(
        "amount", title="Amount column", description="The line's amount; null together with category"
    )

    @model_validator(mode="after")
    def _check_pairs(self) -> Self:
        if (self.category is None) != (self.amount is None):
            raise ValueError("category and amount name the line's two columns: give both, or set both to null")
        if self.total is None and self.category is None:
            raise ValueError("with no total column the total is the sum of the lines: give category and amount")
        names = [n for n in self.model_dump().values() if n is not None]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"column {', '.join(map(repr, repeated))} is named for two fields")
        return self


class PosConfig(StorelensModel):
    """Reading receipts (``storelens pos import``, ``POST /api/pos/receipts``) and matching them to visitors."""

    columns: PosColumnsConfig = Field(
        default_factory=PosColumnsConfig, title="Columns", description="Column names of the CSV export"
    )
    delimiter: str = Field(",", min_length=1, max_length=1, title="Delimiter", description="Field separator")
    encoding: str = Field(
        "utf-8",
        title="Encoding",
        description="Text encoding of the file (a UTF-8 byte-order mark is skipped), e.g. utf-8, cp1252, latin-1",
    )
    time_format: str | None = Field(
        None,
        title="Time format",
        description=(
            "strptime format of the time column (e.g. '%d.%m.%Y %H:%M:%S'); null: ISO 8601 "
            "(2026-03-04T10:15:00, with or without an offset)"
        ),
    )
    timezone: str | None = Field(
        None,
        title="Time zone of the export",
        description="IANA zone of times written without an offset; null: the store's time zone",
    )
    decimal_separator: Literal[".", ","] = Field(
        ".", title="Decimal separator", description="'.' (12.50) or ',' (12,50)"
    )
    thousands_separator: Literal["", ",", ".", " ", "'"] = Field(
        "", title="Thousands separator", description="Grouping character in amounts (1.234,50), or '' for none"
    )
    default_till: str = Field(
        "till",
        pattern=ID_PATTERN,
        title="Default till",
        description="Till of every receipt when the export has no till column",
    )
    category_map: dict[str, str] = Field(
        default_factory=dict,
        title="Category map",
        description=(
            "POS category -> the category name the zones use (e.g. 'SNK': snacks); categories not listed are "
            "kept as they are"
        ),
    )
    line_sum_tolerance: float = Field(
        0.01,
        ge=0,
        title="Line sum tolerance",
        description=(
            "Largest difference between a receipt's total and the sum of its lines (currency units) before the "
            "receipt is refused as malformed; rounding on the till makes a cent or so"
        ),
    )
    clock_offset_s: float = Field(
        0.0,
        title="Till clock offset",
        description=(
            "Seconds added to every receipt time when it is matched to visitors, for a till clock that runs "
            "behind (positive) or ahead (negative) of the cameras'"
        ),
    )
    tills: dict[str, str] = Field(
        default_factory=dict,
        title="Till zones",
        description=(
            "Till id -> the checkout_queue zone its customers pay in; tills not listed are matched in every "
            "checkout_queue zone"
        ),
    )
    checkout_zone_covers: Literal["queue", "till"] = Field(
        "queue",
        title="What the checkout zone covers",
        description=(
            "queue: the line only (the payer leaves it when called to the till, before the receipt prints); "
            "till: the line and the spot where the customer pays (the payer leaves it just after the receipt)"
        ),
    )
    match_window_s: float = Field(
        120.0,
        gt=0,
        title="Match window",
        description=(
            "Longest time between a receipt and its payer leaving the checkout zone (queue: the longest "
            "service; till: the walk away); longer matches more receipts, and more of them wrongly"
        ),
    )

    @field_validator("encoding")
    @classmethod
    def _check_encoding(cls, name: str) -> str:
        try:
            codecs.lookup(name)
        except LookupError:
            raise ValueError(f"unknown encoding {name!r}; use e.g. utf-8, cp1252 or latin-1") from None
        return name

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, name: str | None) -> str | None:
        if name is None:
            return None
        try:
            zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {name!r}; use an IANA name such as Europe/London or UTC") from None
        return name

    @field_validator("time_format")
    @classmethod
    def _check_time_format(cls, fmt: str | None) -> str | None:
        if fmt is not None and not re.search(r"%[YyGCcsx]", fmt):
            raise ValueError(f"time format {fmt!r} has no year (%Y, %y): receipts could not be placed in time")
        return fmt

    @field_validator("category_map")
    @classmethod
    def _check_categories(cls, mapping: dict[str, str]) -> dict[str, str]:
        bad = [v for v in mapping.values() if not re.fullmatch(CATEGORY_PATTERN, v)]
        if bad:
            raise ValueError(f"category {bad[0]!r} must be 1-64 printable characters")
        return mapping

    @model_validator(mode="after")
    def _check_separators(self) -> Self:
        if self.thousands_separator == self.decimal_separator:
            raise ValueError(f"thousands_separator and decimal_separator are both {self.decimal_separator!r}")
        return self
