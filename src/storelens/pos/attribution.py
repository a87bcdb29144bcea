"""Which buying unit paid which receipt: receipts at a till matched to stays in its checkout zone.

A till prints the receipt when the customer has paid. Where the payer was then depends on what
the till's checkout zone (``pos.tills``, or any checkout_queue zone for a till not listed) covers
(``pos.checkout_zone_covers``):

* ``queue``, the line only: the payer left the zone when called to the till, a service time
  (``MIN_SERVICE_S`` or more) *before* the receipt; whoever was next in line leaves it as the
  till frees, just *after* the receipt, so the payer is the unit that left the line last before
  the receipt was being paid for;
* ``till``, the line and the paying spot: the payer was in the zone when the receipt printed and
  leaves it just *after*; the next in line stays until their own payment.

The rule, in order (times after the till clock's offset, ``pos.clock_offset_s``, is added):

1. A receipt and a stay are candidates when the stay is in one of the receipt's checkout zones
   and lasted at least the zone's least paying stay, and
   - ``queue``: it ended between ``window_s`` and ``MIN_SERVICE_S`` before the receipt;
   - ``till``: the unit was in the zone when the receipt printed (give or take
     ``PRESENT_SLACK_S``) and left at most ``window_s`` after it.
2. Candidate pairs are taken nearest first (smallest gap between the stay's end and the
   receipt): the pair is matched if neither the receipt nor the unit is matched yet. A unit pays
   at most one receipt and a receipt has at most one payer.
3. A receipt without a candidate left is *unmatched*: it is still a sale (store conversion counts
   it), but no zone conversion can be credited with it. The report gives their number.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

__all__ = ["MIN_SERVICE_S", "MIN_STAY_S", "PRESENT_SLACK_S", "Attribution", "CheckoutStays", "attribute_receipts"]

_SECOND_US = 1_000_000
PRESENT_SLACK_S = 5.0
"""``till`` zones: how far outside a stay a receipt may print and the unit still count as present
(position and clock jitter; a systematic till clock offset is ``pos.clock_offset_s``)."""
MIN_SERVICE_S = 5.0
"""``queue`` zones: paying takes at least this long, so the payer left the line at least this long
before the receipt (the next in line leaves it about as the receipt prints)."""
MIN_STAY_S = {"queue": 2.5, "till": 8.0}
"""Shortest stay that can be a payer's: walking the line up to the till (``queue``), or queueing
and paying (``till``); crossing the zone on the way somewhere else takes less."""


@dataclass(frozen=True, eq=False)
class CheckoutStays:
    """Stays of buying units in checkout zones, by column.

    Attributes:
        unit: (s,) int64 buying unit of each stay.
        zone: (s,) object, checkout zone name.
        enter_us / exit_us: (s,) int64, microseconds since the epoch, UTC.
    """

    unit: np.ndarray
    zone: np.ndarray
    enter_us: np.ndarray
    exit_us: np.ndarray

    def __len__(self) -> int:
        return len(self.unit)


@dataclass(frozen=True, eq=False)
class Attribution:
    """Per receipt (in the order given): the unit that paid it (-1: unmatched) and the gap, seconds,
    between the receipt and the end of that unit's checkout stay (NaN: unmatched)."""

    unit: np.ndarray
    gap_s: np.ndarray

    @property
    def matched(self) -> int:
        return int((self.unit >= 0).sum())


def attribute_receipts(
    receipt_ts_us: np.ndarray,
    receipt_till: Sequence[str],
    stays: CheckoutStays,
    checkout_zones: Sequence[str],
    till_zones: Mapping[str, str] | None = None,
    window_s: float = 120.0,
    clock_offset_s: float = 0.0,
    zone_covers: Literal["queue", "till"] = "queue",
) -> Attribution:
    """Match receipts to the units that paid them (see the module docstring).

    Args:
        receipt_ts_us: (r,) int64 receipt times as the till printed them.
        receipt_till: (r,) till of each receipt.
        stays: Stays in checkout zones.
        checkout_zones: Every checkout_queue zone (tills not in ``till_zones`` use all of them).
        till_zones: Till -> its checkout zone.
        window_s: Largest gap between a receipt and the end of its payer's stay.
        clock_offset_s: Added to receipt times (a till clock behind the cameras' is positive).
        zone_covers: What the checkout zones cover, ``queue`` or ``till`` (see the module docstring).
    """
    n = len(receipt_ts_us)
    unit_of = np.full(n, -1, dtype=np.int64)
    gap = np.full(n, np.nan)
    if n == 0 or len(stays) == 0:
        return Attribution(unit_of, gap)
    t = np.asarray(receipt_ts_us, dtype=np.int64) + round(clock_offset_s * _SECOND_US)
    window_us = round(window_s * _SECOND_US)
    # Stage 1: candidate pairs, from the stays ending within the window of each receipt, that ended
    # when the payer's would have and were long enough to be a payer's.
    order = np.argsort(stays.exit_us, kind="stable")
    exits = np.asarray(stays.exit_us, dtype=np.int64)[order]
    lo = np.searchsorted(exits, t - window_us, side="left")
    hi = np.searchsorted(exits, t + window_us, side="right")
    counts = hi - lo
    receipt = np.repeat(np.arange(n), counts)
    stay = order[np.repeat(lo, counts) + (np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts))]
    zone_ok = _zone_allowed(receipt_till, checkout_zones, till_zones or {})
    enter_us = np.asarray(stays.enter_us, dtype=np.int64)[stay]
    exit_us = np.asarray(stays.exit_us, dtype=np.int64)[stay]
    t_r = t[receipt]
    if zone_covers == "queue":
        when = exit_us <= t_r - round(MIN_SERVICE_S * _SECOND_US)
    else:
        slack_us = round(PRESENT_SLACK_S * _SECOND_US)
        when = (enter_us <= t_r + slack_us) & (exit_us >= t_r - slack_us)
    keep = (
        zone_ok[receipt, _zone_index(stays.zone, checkout_zones)[stay]]
        & when
        & (exit_us - enter_us >= round(MIN_STAY_S[zone_covers] * _SECOND_US))
    )
    receipt, stay = receipt[keep], stay[keep]
    cost = np.abs(exit_us[keep] - t_r[keep])
    # Stage 2: nearest pairs first, each receipt and each unit used once.
    paid: set[int] = set()
    for k in np.lexsort((stay, receipt, cost)).tolist():
        r, unit = int(receipt[k]), int(stays.unit[stay[k]])
        if unit_of[r] >= 0 or unit in paid:
            continue
        unit_of[r] = unit
        gap[r] = cost[k] / _SECOND_US
        paid.add(unit)
    return Attribution(unit_of, gap)


def _zone_index(zones: np.ndarray, checkout_zones: Sequence[str]) -> np.ndarray:
    """Column of each stay's zone in the receipt x zone table (the last column: not a checkout zone)."""
    column = {name: i for i, name in enumerate(checkout_zones)}
    return np.array([column.get(z, len(checkout_zones)) for z in zones.tolist()], dtype=np.int64)


def _zone_allowed(tills: Sequence[str], checkout_zones: Sequence[str], till_zones: Mapping[str, str]) -> np.ndarray:
    """(r, z + 1) bool: may receipt r's payer be in checkout zone z (last column: any other zone, never)."""
    allowed = np.zeros((len(tills), len(checkout_zones) + 1), dtype=bool)
    column = {name: i for i, name in enumerate(checkout_zones)}
    for r, till in enumerate(tills):
        zone = till_zones.get(till)
        if zone is None:
            allowed[r, : len(checkout_zones)] = True
        elif zone in column:
            allowed[r, column[zone]] = True
    return allowed
