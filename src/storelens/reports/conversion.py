"""Conversion of a time range, from the database: receipts against buying units, per bucket and per zone.

What is read, for ``[start, end)``:

* **buying units**: the visitors who came in (staff left out), joined into units where they came
  in and stayed together, as every report counts them (`storelens.reports.people.buying_units`),
  each unit in the bucket of its first entry; the people are given too;
* **receipts** of the store issued in the range (`storelens.storage.receipts`);
* **zone stays** that began in the range, for zone conversion, and stays in checkout zones around
  it, to match receipts to the units that paid them (`storelens.pos.attribution`). A stay belongs
  to its visitor's unit (the ``unit_id`` their visit was stored with, within its run); a visitor
  whose visit carries none (still inside, or older records) is a unit of their own.

The figures and intervals are `storelens.pos.conversion`'s; docs/pos.md defines each.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import sqlalchemy as sa

from storelens.analytics.periods import Bucket, local_bucket_starts
from storelens.config import StoreConfig, ZoneKind
from storelens.config.identity import store_id_of
from storelens.pos.attribution import Attribution, CheckoutStays, attribute_receipts
from storelens.pos.conversion import Comparison, Figures, ZoneFigures, bucket_figures, compare, figures, zone_figures
from storelens.reports.people import buying_units
from storelens.storage import STORE_CAMERA_ID, StoreDatabase, schema
from storelens.storage.engine import storage_errors
from storelens.storage.labels import MAX_VISIT_US
from storelens.storage.receipts import ReceiptTable, load_receipts
from storelens.storage.times import to_us

__all__ = ["ConversionReport", "PeriodConversion", "Stay", "conversion_report", "period_conversion"]

CHECKOUT_LOOKBACK = timedelta(hours=1)
"""Checkout stays that began this long before the range can still end at one of its receipts."""


@dataclass(frozen=True, slots=True)
class Stay:
    """A stored zone stay with the unit of the visitor who made it."""

    zone: str
    unit: Hashable
    enter_us: int
    exit_us: int


@dataclass(slots=True)
class PeriodConversion:
    """One range's figures: totals, per bucket, per zone, and how many receipts found their payer."""

    start: datetime
    end: datetime
    totals: Figures
    people: int = 0
    """Visitors who came in (entries), of whom ``totals.units`` buying units."""
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
            f"conversion: {_pct(t.conversion)} ({t.receipts} receipts / {t.units} buying units of {cur.people} "
            f"visitors; 95% {_pct(t.conversion_low)}-{_pct(t.conversion_high)}, Wilson)",
            f"average ticket {_money(t.average_ticket)}, sales {_money(t.sales)} ({t.returns} returns), "
            f"sales per unit {_money(t.sales_per_unit)}",
            f"receipts matched to a payer at the till: {cur.receipts_matched} of {cur.receipts_all}",
        ]
        for z in cur.zones:
            lines.append(
                f"zone conversion {z.zone}: {_pct(z.conversion)} ({z.buyers} of {z.units} units who stayed bought "
                f"{', '.join(z.categories)}; 95% {_pct(z.conversion_low)}-{_pct(z.conversion_high)}), "
                f"{z.category_receipts} receipts with its categories, {_money(z.category_sales)}"
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
) -> ConversionReport:
    """Conversion of ``[start, end)`` per local ``bucket``, per zone, and against ``compare_with``."""
    current = period_conversion(config, db, start, end, bucket)
    report = ConversionReport(config.timezone, bucket, current)
    if compare_with is not None:
        report.previous = period_conversion(config, db, *compare_with, bucket)
        report.comparison = compare(report.previous.totals, current.totals)
    return report


def period_conversion(
    config: StoreConfig, db: StoreDatabase, start: datetime, end: datetime, bucket: Bucket = "hour"
) -> PeriodConversion:
    """One range's conversion (see the module docstring)."""
    units = buying_units(db, config, start, end)
    receipts = load_receipts(db, store_id_of(config), start, end)
    categories = {z.name: tuple(z.categories) for z in config.zones if z.categories}
    checkout = [z.name for z in config.zones if z.kind is ZoneKind.CHECKOUT_QUEUE]
    margin = timedelta(seconds=config.pos.match_window_s + abs(config.pos.clock_offset_s))
    stays = zone_stays(db, start - (CHECKOUT_LOOKBACK + margin if checkout else timedelta()), end + margin)
    keys: dict[Hashable, int] = {}

    def unit_index(key: Hashable) -> int:
        return keys.setdefault(key, len(keys))

    attribution = _attribute(config, receipts, [s for s in stays if s.zone in checkout], checkout, unit_index)
    start_us, end_us = to_us(start), to_us(end)
    in_range = [s for s in stays if s.zone in categories and start_us <= s.enter_us < end_us]
    zones = zone_figures(
        _zone_units(config, in_range, unit_index),
        categories,
        attribution.unit,
        receipts.line_receipt,
        receipts.line_category,
        receipts.line_amount,
    )
    starts = local_bucket_starts(start, end, config.tz, bucket)
    starts_us = np.array([max(to_us(s), start_us) for s in starts], dtype=np.int64)
    unit_ts = np.array([to_us(t) for t in units.unit_start], dtype=np.int64)
    gaps = attribution.gap_s[attribution.unit >= 0]
    return PeriodConversion(
        start=start,
        end=end,
        totals=figures(units.units, receipts.total),
        people=units.people,
        buckets=list(zip(starts, bucket_figures(unit_ts, receipts.ts_us, receipts.total, starts_us, end_us))),
        zones=zones,
        receipts_all=len(receipts),
        receipts_matched=attribution.matched,
        median_match_gap_s=float(np.median(gaps)) if len(gaps) else None,
    )


def zone_stays(db: StoreDatabase, start: datetime, end: datetime) -> list[Stay]:
    """Zone stays that began in ``[start, end)``, of the store's people (the fused ``store`` camera
    where it has any), each with its visitor's unit (see the module docstring)."""
    z, v = schema.zone_visits, schema.visits
    start_us, end_us = to_us(start), to_us(end)
    stays = sa.select(z.c.zone, z.c.camera_id, z.c.track_id, z.c.run_id, z.c.enter_us, z.c.exit_us).where(
        z.c.enter_us >= start_us, z.c.enter_us < end_us
    )
    units = sa.select(v.c.run_id, v.c.camera_id, v.c.track_id, v.c.unit_id).where(
        v.c.start_us >= start_us - MAX_VISIT_US, v.c.start_us < end_us, v.c.unit_id.is_not(None)
    )
    with storage_errors(db.engine.url, "read zone stays and their units"), db.engine.connect() as conn:
        rows = conn.execute(stays).all()
        unit_of = {(run, cam, track): unit for run, cam, track, unit in conn.execute(units)}
    if any(r.camera_id == STORE_CAMERA_ID for r in rows):
        rows = [r for r in rows if r.camera_id == STORE_CAMERA_ID]
    out = []
    for r in rows:
        unit = unit_of.get((r.run_id, r.camera_id, r.track_id))
        key = (r.run_id, r.camera_id, "unit", unit) if unit is not None else (r.run_id, r.camera_id, r.track_id)
        out.append(Stay(r.zone, key, int(r.enter_us), int(r.exit_us)))
    return out


def _zone_units(
    config: StoreConfig, stays: Sequence[Stay], unit_index: Callable[[Hashable], int]
) -> dict[str, set[int]]:
    """Zone -> units with a stay there at least its minimum dwell."""
    min_dwell_us = {z.name: round(z.min_dwell_s * 1e6) for z in config.zones}
    out: dict[str, set[int]] = {}
    for s in stays:
        if s.exit_us - s.enter_us >= min_dwell_us.get(s.zone, 0):
            out.setdefault(s.zone, set()).add(unit_index(s.unit))
    return out


def _attribute(
    config: StoreConfig,
    receipts: ReceiptTable,
    stays: Sequence[Stay],
    checkout: Sequence[str],
    unit_index: Callable[[Hashable], int],
) -> Attribution:
    """Match the range's receipts to the units whose checkout stays end nearest them."""
    table = CheckoutStays(
        unit=np.array([unit_index(s.unit) for s in stays], dtype=np.int64),
        zone=np.array([s.zone for s in stays], dtype=object),
        enter_us=np.array([s.enter_us for s in stays], dtype=np.int64),
        exit_us=np.array([s.exit_us for s in stays], dtype=np.int64),
    )
    pos = config.pos
    return attribute_receipts(
        receipts.ts_us,
        receipts.till.tolist(),
        table,
        checkout,
        pos.tills,
        pos.match_window_s,
        pos.clock_offset_s,
        pos.checkout_zone_covers,
    )
