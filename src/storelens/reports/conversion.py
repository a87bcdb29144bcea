"""Conversion of a time range, from the database: receipts against buying units, per bucket and per zone.

What is read, for ``[start, end)``:

* **buying units**: the people who came in, each by their first inward crossing of an entrance
  line in the range (the store's fused people, camera ``store``, on a several-camera store), each
  their own unit until groups are stored (:data:`BUYING_UNIT`, the one switch);
* **receipts** of the store issued in the range (`storelens.storage.receipts`);
* **zone stays** that began in the range, for zone conversion, and stays in checkout zones around
  it, to match receipts to the units that paid them (`storelens.pos.attribution`).

The figures and intervals are `storelens.pos.conversion`'s; docs/pos.md defines each.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from storelens.analytics.periods import Bucket, local_bucket_starts
from storelens.analytics.records import Direction, LineCrossing, ZoneVisit
from storelens.config import LineKind, StoreConfig, ZoneKind
from storelens.config.identity import store_id_of
from storelens.pos.attribution import Attribution, CheckoutStays, attribute_receipts
from storelens.pos.conversion import Comparison, Figures, ZoneFigures, bucket_figures, compare, figures, zone_figures
from storelens.reports.flows import store_people
from storelens.storage import STORE_CAMERA_ID, StoreDatabase
from storelens.storage.receipts import ReceiptTable, load_receipts
from storelens.storage.times import to_us

__all__ = ["BUYING_UNIT", "UNITS_BASIS", "ConversionReport", "PeriodConversion", "conversion_report", "visitor_is_unit"]

CHECKOUT_LOOKBACK = timedelta(hours=1)
"""Checkout stays that began this long before the range can still end at one of its receipts."""


def visitor_is_unit(camera_id: str, track_id: int) -> Hashable:
    """Until groups are stored as buying units (schema 7), every visitor who came in is one unit."""
    return camera_id, int(track_id)


BUYING_UNIT: Callable[[str, int], Hashable] = visitor_is_unit
"""The buying unit of a visitor (camera, track id): the one line to change when units are stored."""
UNITS_BASIS = "visitors"
"""What the units are counted as today, said in every report: groups are not joined yet."""


@dataclass(slots=True)
class PeriodConversion:
    """One range's figures: totals, per bucket, per zone, and how many receipts found their payer."""

    start: datetime
    end: datetime
    totals: Figures
    buckets: list[tuple[datetime, Figures]] = field(default_factory=list)
    zones: list[ZoneFigures] = field(default_factory=list)
    receipts_all: int = 0
    """Every receipt in the range: sales, returns and voids."""
    receipts_matched: int = 0
    """Receipts matched to the unit that paid them (only these count for zone conversion)."""
    median_match_gap_s: float | None = None


@dataclass(slots=True)
class ConversionReport:
    """Conversion of a range, and optionally of a second range to compare it with."""

    timezone: str
    bucket: Bucket
    current: PeriodConversion
    previous: PeriodConversion | None = None
    comparison: Comparison | None = None
    units_basis: str = UNITS_BASIS

    def to_dict(self) -> dict:
        tz = ZoneInfo(self.timezone)

        def period(p: PeriodConversion | None) -> dict | None:
            if p is None:
                return None
            out = asdict(p)
            out["start"], out["end"] = p.start.astimezone(tz).isoformat(), p.end.astimezone(tz).isoformat()
            out["buckets"] = [{"start": s.astimezone(tz).isoformat(), **asdict(f)} for s, f in p.buckets]
            return out

        return {
            "timezone": self.timezone,
            "bucket": self.bucket,
            "units_basis": self.units_basis,
            "current": period(self.current),
            "previous": period(self.previous),
            "comparison": None if self.comparison is None else asdict(self.comparison),
        }

    def text_lines(self) -> list[str]:
        """The figures as `storelens stats` prints them."""
        cur, t = self.current, self.current.totals
        if not (t.units or cur.receipts_all):
            return ["conversion: no visitors and no receipts in the range"]
        lines = [
            f"conversion: {_pct(t.conversion)} ({t.receipts} receipts / {t.units} buying units, counted as "
            f"{self.units_basis}; 95% {_pct(t.conversion_low)}-{_pct(t.conversion_high)}, Wilson)",
            f"average ticket {_money(t.average_ticket)}, sales {_money(t.sales)} ({t.returns} returns), "
            f"sales per unit {_money(t.sales_per_unit)}",
            f"receipts matched to a payer at the till: {cur.receipts_matched} of {cur.receipts_all}",
        ]
        for z in cur.zones:
            lines.append(
                f"zone conversion {z.zone}: {_pct(z.conversion)} ({z.buyers} of {z.units} units who stayed bought "
                f"{', '.join(z.categories)}; 95% {_pct(z.conversion_low)}-{_pct(z.conversion_high)}), "
                f"category sales {_money(z.category_sales)}"
            )
        return lines


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _money(value: float | None) -> str:
    return "-" if value is None else f"{value:,.2f}"


def conversion_report(
    config: StoreConfig,
    db: StoreDatabase,
    start: datetime,
    end: datetime,
    bucket: Bucket = "hour",
    compare_with: tuple[datetime, datetime] | None = None,
    unit_of: Callable[[str, int], Hashable] = BUYING_UNIT,
) -> ConversionReport:
    """Conversion of ``[start, end)`` per local ``bucket``, per zone, and against ``compare_with``."""
    current = period_conversion(config, db, start, end, bucket, unit_of)
    report = ConversionReport(config.timezone, bucket, current)
    if compare_with is not None:
        report.previous = period_conversion(config, db, *compare_with, bucket, unit_of)
        report.comparison = compare(report.previous.totals, current.totals)
    return report


def period_conversion(
    config: StoreConfig,
    db: StoreDatabase,
    start: datetime,
    end: datetime,
    bucket: Bucket = "hour",
    unit_of: Callable[[str, int], Hashable] = BUYING_UNIT,
) -> PeriodConversion:
    """One range's conversion (see the module docstring)."""
    keys: dict[Hashable, int] = {}

    def unit(camera_id: str, track_id: int) -> int:
        return keys.setdefault(unit_of(camera_id, track_id), len(keys))

    units_in = _units_in(config, db.line_crossings(start, end), unit)
    receipts = load_receipts(db, store_id_of(config), start, end)
    attribution = _attribute(config, db, receipts, start, end, unit)
    starts = local_bucket_starts(start, end, config.tz, bucket)
    starts_us = np.array([to_us(max(s, start)) for s in starts], dtype=np.int64)
    unit_ts = np.array(list(units_in.values()), dtype=np.int64)
    per_bucket = bucket_figures(unit_ts, receipts.ts_us, receipts.total, starts_us, to_us(end))
    stays = [v for v in store_people(db.zone_visits(start, end)) if v.zone in _categories(config)]
    zones = zone_figures(
        _zone_units(config, stays, unit),
        _categories(config),
        attribution.unit,
        receipts.line_receipt,
        receipts.line_category,
        receipts.line_amount,
    )
    gaps = attribution.gap_s[attribution.unit >= 0]
    return PeriodConversion(
        start=start,
        end=end,
        totals=figures(len(units_in), receipts.total),
        buckets=list(zip(starts, per_bucket)),
        zones=zones,
        receipts_all=len(receipts),
        receipts_matched=attribution.matched,
        median_match_gap_s=float(np.median(gaps)) if len(gaps) else None,
    )


def _categories(config: StoreConfig) -> dict[str, tuple[str, ...]]:
    """Zones that show product categories, in config order."""
    return {z.name: tuple(z.categories) for z in config.zones if z.categories}


def _units_in(
    config: StoreConfig, crossings: Sequence[LineCrossing], unit: Callable[[str, int], int]
) -> dict[int, int]:
    """Unit -> time (us) of its first inward crossing of an entrance line, of the store's people."""
    entrances = {line.name for line in config.lines if line.kind is LineKind.ENTRANCE}
    inward = [c for c in crossings if c.line in entrances and Direction(c.direction) is Direction.IN]
    if any(c.camera_id == STORE_CAMERA_ID for c in inward):
        inward = [c for c in inward if c.camera_id == STORE_CAMERA_ID]
    first: dict[int, int] = {}
    for c in sorted(inward, key=lambda c: c.ts):
        first.setdefault(unit(c.camera_id, c.track_id), to_us(c.ts))
    return first


def _zone_units(
    config: StoreConfig, stays: Sequence[ZoneVisit], unit: Callable[[str, int], int]
) -> dict[str, set[int]]:
    """Zone -> units with a stay there at least its minimum dwell."""
    min_dwell = {z.name: z.min_dwell_s for z in config.zones}
    out: dict[str, set[int]] = {}
    for v in stays:
        if v.dwell_s >= min_dwell.get(v.zone, 0.0):
            out.setdefault(v.zone, set()).add(unit(v.camera_id, v.track_id))
    return out


def _attribute(
    config: StoreConfig,
    db: StoreDatabase,
    receipts: ReceiptTable,
    start: datetime,
    end: datetime,
    unit: Callable[[str, int], int],
) -> Attribution:
    """Match the range's receipts to the units whose checkout stays end nearest them."""
    checkout = [z.name for z in config.zones if z.kind is ZoneKind.CHECKOUT_QUEUE]
    pos = config.pos
    margin = timedelta(seconds=pos.match_window_s + abs(pos.clock_offset_s))
    visits = store_people(db.zone_visits(start - CHECKOUT_LOOKBACK - margin, end + margin)) if checkout else []
    stays = [v for v in visits if v.zone in checkout]
    table = CheckoutStays(
        unit=np.array([unit(v.camera_id, v.track_id) for v in stays], dtype=np.int64),
        zone=np.array([v.zone for v in stays], dtype=object),
        enter_us=np.array([to_us(v.enter_ts) for v in stays], dtype=np.int64),
        exit_us=np.array([to_us(v.exit_ts) for v in stays], dtype=np.int64),
    )
    return attribute_receipts(
        receipts.ts_us,
        receipts.till.tolist(),
        table,
        checkout,
        pos.tills,
        pos.match_window_s,
        pos.clock_offset_s,
    )
