"""Conversion figures: receipts against buying units, overall, per time bucket and per zone (pure functions).

Definitions (docs/pos.md):

* **receipts**: receipts with a positive total (sales); a return (negative total) is not a
  purchase, and a zero receipt (a void) is neither.
* **conversion** = receipts / buying units, with a Wilson 95 % interval (`storelens.pos.intervals`).
  Counting errors can put receipts above units; the rate is then given as measured (over 1) and
  its interval computed as if every unit bought.
* **average ticket** = sales receipts' totals / receipts (returns left out);
  **sales** = every total, returns included (net); **sales per unit** = sales / units.
* **zone conversion** = of the units that stayed in a zone (a stored zone visit, which is at
  least the zone's ``min_dwell_s``), the share whose receipt has a line in one of the zone's
  ``categories`` (the receipt matched to the unit by `storelens.pos.attribution`).
* **comparison** of two periods: the difference of their conversions with Newcombe's interval
  and the relative uplift (ratio - 1) with the MOVER-R interval.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from storelens.pos.intervals import mover_ratio, newcombe_difference, wilson

__all__ = ["Comparison", "Figures", "ZoneFigures", "bucket_figures", "compare", "figures", "zone_figures"]


@dataclass(frozen=True, slots=True)
class Figures:
    """Conversion figures of one period (None where undefined: no units, no receipts)."""

    units: int
    receipts: int
    returns: int
    sales: float
    conversion: float | None
    conversion_low: float | None
    conversion_high: float | None
    average_ticket: float | None
    sales_per_unit: float | None


@dataclass(frozen=True, slots=True)
class Comparison:
    """Period ``after`` against period ``before``: conversion difference (in rate, e.g. 0.03 is 3
    points) with Newcombe's interval, relative uplift (after / before - 1) with the MOVER-R interval,
    and the relative change of average ticket and sales per unit."""

    difference: float | None
    difference_low: float | None
    difference_high: float | None
    uplift: float | None
    uplift_low: float | None
    uplift_high: float | None
    average_ticket_change: float | None
    sales_per_unit_change: float | None


@dataclass(frozen=True, slots=True)
class ZoneFigures:
    """One zone: units that stayed in it, those who bought from its categories, and its sales."""

    zone: str
    categories: tuple[str, ...]
    units: int
    buyers: int
    conversion: float | None
    conversion_low: float | None
    conversion_high: float | None
    category_sales: float
    """Line amounts in the zone's categories on every receipt of the period, matched or not."""
    category_receipts: int = 0
    """Receipts of the period with a line of the zone's categories (matched to a payer or not): what
    the zone sold, whoever bought it, without the visitor's identity from the zone to the till."""


def _value(x) -> float | None:
    x = float(x)
    return None if math.isnan(x) else x


def figures(units: int, totals: np.ndarray) -> Figures:
    """Figures of a period with ``units`` buying units and receipts of these ``totals``.

    >>> f = figures(20, np.array([10.0, 30.0, -5.0]))
    >>> f.receipts, f.returns, f.conversion, f.average_ticket, f.sales, f.sales_per_unit
    (2, 1, 0.1, 20.0, 35.0, 1.75)
    """
    totals = np.asarray(totals, dtype=np.float64)
    sold = totals[totals > 0]
    receipts = len(sold)
    lo, hi = wilson(min(receipts, units), units)
    sales = float(totals.sum())
    return Figures(
        units=int(units),
        receipts=receipts,
        returns=int((totals < 0).sum()),
        sales=sales,
        conversion=receipts / units if units else None,
        conversion_low=_value(lo),
        conversion_high=_value(hi),
        average_ticket=float(sold.sum()) / receipts if receipts else None,
        sales_per_unit=sales / units if units else None,
    )


def bucket_figures(
    unit_ts_us: np.ndarray, receipt_ts_us: np.ndarray, receipt_totals: np.ndarray, starts_us: np.ndarray, end_us: int
) -> list[Figures]:
    """Figures per bucket ``[starts_us[i], starts_us[i + 1])`` (the last one up to ``end_us``).

    Args:
        unit_ts_us: (u,) when each buying unit came in (its bucket).
        receipt_ts_us / receipt_totals: (r,) receipts.
        starts_us: (b,) ascending bucket starts.
        end_us: End of the last bucket.
    """
    edges = np.append(np.asarray(starts_us, dtype=np.int64), end_us)
    unit_ts = np.asarray(unit_ts_us, dtype=np.int64)
    receipt_ts = np.asarray(receipt_ts_us, dtype=np.int64)
    in_units = (unit_ts >= edges[0]) & (unit_ts < edges[-1])
    units = np.bincount(np.searchsorted(edges, unit_ts[in_units], side="right") - 1, minlength=len(starts_us))
    bucket = np.searchsorted(edges, receipt_ts, side="right") - 1
    totals = np.asarray(receipt_totals, dtype=np.float64)
    return [figures(int(units[i]), totals[bucket == i]) for i in range(len(starts_us))]


def compare(before: Figures, after: Figures) -> Comparison:
    """How ``after`` differs from ``before`` (see :class:`Comparison`).

    >>> c = compare(figures(100, np.ones(10)), figures(100, np.ones(20)))
    >>> round(c.difference, 2), round(c.uplift, 2), c.uplift_low > 0
    (0.1, 1.0, True)
    """
    k1, n1 = min(before.receipts, before.units), before.units
    k2, n2 = min(after.receipts, after.units), after.units
    if not (n1 and n2):
        return Comparison(None, None, None, None, None, None, None, None)
    d, d_lo, d_hi = newcombe_difference(k1, n1, k2, n2)
    r, r_lo, r_hi = mover_ratio(k1, n1, k2, n2)

    def change(a: float | None, b: float | None) -> float | None:
        return b / a - 1 if a and b is not None else None

    return Comparison(
        difference=(after.receipts / n2) - (before.receipts / n1),
        difference_low=_value(d_lo),
        difference_high=_value(d_hi),
        uplift=_value(r - 1) if math.isfinite(float(r)) else None,
        uplift_low=_value(r_lo - 1),
        uplift_high=_value(r_hi - 1) if math.isfinite(float(r_hi)) else None,
        average_ticket_change=change(before.average_ticket, after.average_ticket),
        sales_per_unit_change=change(before.sales_per_unit, after.sales_per_unit),
    )


def zone_figures(
    zone_units: Mapping[str, set[int]],
    zone_categories: Mapping[str, Sequence[str]],
    receipt_unit: np.ndarray,
    line_receipt: np.ndarray,
    line_category: np.ndarray,
    line_amount: np.ndarray,
) -> list[ZoneFigures]:
    """Conversion of each zone with categories (see the module docstring), in ``zone_categories`` order.

    Args:
        zone_units: Zone -> the units that stayed in it.
        zone_categories: Zone -> the product categories it shows (zones without any are left out).
        receipt_unit: (r,) the unit that paid each receipt, -1 when unmatched.
        line_receipt / line_category / line_amount: (m,) receipt lines.
    """
    line_receipt = np.asarray(line_receipt, dtype=np.int64)
    categories = np.asarray(line_category, dtype=object)
    amounts = np.asarray(line_amount, dtype=np.float64)
    payer = np.asarray(receipt_unit, dtype=np.int64)[line_receipt] if len(line_receipt) else np.zeros(0, np.int64)
    out = []
    for zone, cats in zone_categories.items():
        if not cats:
            continue
        in_zone = np.isin(categories, list(cats)) if len(categories) else np.zeros(0, dtype=bool)
        sold = in_zone & (amounts > 0)
        bought = {int(u) for u in payer[sold & (payer >= 0)].tolist()}
        units = zone_units.get(zone, set())
        buyers = len(units & bought)
        lo, hi = wilson(buyers, len(units))
        out.append(
            ZoneFigures(
                zone=zone,
                categories=tuple(cats),
                units=len(units),
                buyers=buyers,
                conversion=buyers / len(units) if units else None,
                conversion_low=_value(lo),
                conversion_high=_value(hi),
                category_sales=float(amounts[in_zone].sum()),
                category_receipts=len(np.unique(line_receipt[sold])),
            )
        )
    return out
