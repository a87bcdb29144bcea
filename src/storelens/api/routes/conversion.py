"""``GET /api/conversion``: receipts against buying units per bucket, per zone, and against another range."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, ClassVar, Literal

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, Field

from storelens.api.auth import Viewer
from storelens.api.csv_route import CsvRoute
from storelens.api.params import Ctx, Range
from storelens.api.tables import Rows
from storelens.api.timerange import RangeError, parse_range
from storelens.api.traffic import MAX_HOURLY_DAYS
from storelens.reports.conversion import conversion_report

__all__ = ["ConversionOut", "router"]

router = APIRouter(prefix="/api", tags=["reports"], route_class=CsvRoute)

INTERVALS = (
    "95% intervals: Wilson score for a conversion rate, Newcombe's hybrid score for the difference of two, "
    "MOVER-R (Donner & Zou) for their ratio (uplift = ratio - 1)"
)


class FiguresOut(BaseModel):
    units: int = Field(description="Buying units that came in (a group who came in together counts once)")
    receipts: int = Field(description="Receipts with a positive total (sales)")
    returns: int = Field(description="Receipts with a negative total")
    sales: float = Field(description="Sum of every total, returns included (currency units)")
    conversion: float | None = Field(description="receipts / units; may pass 1 when counts are off")
    conversion_low: float | None
    conversion_high: float | None
    average_ticket: float | None = Field(description="Sales receipts' totals / receipts")
    sales_per_unit: float | None = Field(description="sales / units")


class BucketOut(FiguresOut):
    start: datetime


class ZoneConversionOut(BaseModel):
    zone: str
    categories: list[str]
    units: int = Field(description="Units that stayed in the zone (a stay of at least its min_dwell_s)")
    buyers: int = Field(description="Of them, units whose receipt has a line in one of the zone's categories")
    conversion: float | None
    conversion_low: float | None
    conversion_high: float | None
    category_sales: float = Field(description="Line amounts in the zone's categories, on every receipt")
    category_receipts: int = Field(description="Receipts with a line of the zone's categories, matched or not")


class PeriodOut(BaseModel):
    start: datetime
    end: datetime
    people: int = Field(description="Visitors who came in (entries), staff left out")
    totals: FiguresOut
    buckets: list[BucketOut]
    zones: list[ZoneConversionOut]
    receipts_all: int = Field(description="Every receipt of the range (sales, returns, voids)")
    receipts_matched: int = Field(description="Receipts matched to the unit that paid them at the till")
    median_match_gap_s: float | None = Field(description="Median seconds between a receipt and its payer leaving")


class ComparisonOut(BaseModel):
    difference: float | None = Field(description="Conversion of this range minus the other's")
    difference_low: float | None
    difference_high: float | None
    uplift: float | None = Field(description="Conversion of this range / the other's - 1")
    uplift_low: float | None
    uplift_high: float | None
    average_ticket_change: float | None = Field(description="Relative change of the average ticket")
    sales_per_unit_change: float | None = Field(description="Relative change of sales per unit")


class ConversionOut(BaseModel):
    csv_tables: ClassVar = {"buckets": Rows("current.buckets"), "zones": Rows("current.zones")}

    timezone: str
    bucket: Literal["hour", "day", "week"]
    intervals: str = Field(description="How the intervals are computed")
    current: PeriodOut
    previous: PeriodOut | None = Field(description="The range compared with, if one was asked for")
    comparison: ComparisonOut | None


CompareParam = Annotated[
    str | None,
    Query(max_length=40, description="Range to compare with: its start, read as `from` is (needs compare_to)"),
]


@router.get(
    "/conversion",
    response_model=ConversionOut,
    summary="Conversion (receipts / buying units) per hour, day or week, per zone, and against another range",
)
def get_conversion(
    _: Viewer,
    ctx: Ctx,
    r: Range,
    bucket: Annotated[Literal["hour", "day", "week"], Query()] = "hour",
    compare_from: CompareParam = None,
    compare_to: CompareParam = None,
) -> ConversionOut:
    if bucket == "hour" and r.days > MAX_HOURLY_DAYS:
        raise HTTPException(422, f"bucket=hour covers at most {MAX_HOURLY_DAYS} days; use bucket=day or week")
    other: tuple[datetime, datetime] | None = None
    if (compare_from is None) != (compare_to is None):
        raise HTTPException(422, "give both compare_from and compare_to, or neither")
    if compare_from is not None and compare_to is not None:
        try:
            compared = parse_range(compare_from, compare_to, ctx.config.tz, ctx.now())
        except RangeError as err:
            raise HTTPException(422, f"compare_from / compare_to: {err}") from None
        other = (compared.start, compared.end)
    report = conversion_report(ctx.config, ctx.db, r.start, r.end, bucket, other).to_dict()
    return ConversionOut.model_validate({**report, "intervals": INTERVALS})
