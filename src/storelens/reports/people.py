"""Visitors as people and as buying units, staff apart: the counts every report shares.

Every report that counts visitors reads its crossings through `visitor_crossings` (staff left
out) and its units through `units_of` / `buying_units`, so traffic, ``stats``, the live summary
and conversion agree.

* **Staff** are the crossings whose visit ended as staff (`storelens.analytics.staff`). A live
  member of staff who steps out of the front door counts as a visitor until their visit ends.
* **Units**: the entries of visitors whose visit ended carry their unit; entries of visits still
  open (live), or of records that have none (older than schema 7), are provisional: those
  within ``units.enter_gap_s`` of each other make one unit, as a group walks in together.
* **Staffing**: staff-hours per bucket are the staff visits' time in it; staff on duty is their
  mean number over the minutes any was on the floor (so a day's figure is that of its open
  hours), and visitors per staff member the bucket's entries over that.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from storelens.analytics.records import Direction, LineCrossing
from storelens.analytics.staff import Role
from storelens.config import StoreConfig
from storelens.reports.crossings import passerby_lines
from storelens.storage import StoreDatabase, schema
from storelens.storage.engine import storage_errors
from storelens.storage.labels import MAX_VISIT_US, LabelledCrossing, labelled_crossings
from storelens.storage.times import MINUTE_US, to_us

__all__ = [
    "BuyingUnits",
    "StaffPresence",
    "buying_units",
    "entries_of",
    "per_bucket",
    "split_staff",
    "staff_presence",
    "staff_visits",
    "units_of",
    "visitor_crossings",
]


@dataclass(frozen=True, slots=True)
class BuyingUnits:
    """The visitors who came in during a range, as people and as buying units.

    Attributes:
        people: Entries (inward entrance crossings of visitors).
        units: Buying units among them.
        provisional: Units among ``units`` not settled yet (see the module docstring).
        unit_start: (units,) UTC time of each unit's first entry in the range, in order.
        unit_people: (units,) entries of each unit.
        unit_settled: (units,) bool, the unit is final.
    """

    people: int
    units: int
    provisional: int
    unit_start: list[datetime]
    unit_people: list[int]
    unit_settled: list[bool]

    def per_bucket(self, starts: Sequence[datetime]) -> np.ndarray:
        """(len(starts),) units whose first entry falls in each bucket (``starts`` in order; the
        last runs to the end of the range)."""
        return per_bucket(self.unit_start, starts)


def per_bucket(times: Sequence[datetime], starts: Sequence[datetime]) -> np.ndarray:
    """(len(starts),) int64: how many of ``times`` fall in each bucket (``starts`` in order; the
    first takes anything earlier, the last anything later)."""
    counts = np.zeros(len(starts), np.int64)
    if len(starts) and len(times):
        i = np.searchsorted(np.array([to_us(s) for s in starts]), np.array([to_us(t) for t in times]), "right") - 1
        np.add.at(counts, np.maximum(i, 0), 1)
    return counts


def split_staff(crossings: Sequence[LabelledCrossing]) -> tuple[list[LabelledCrossing], list[LabelledCrossing]]:
    """(visitors', staff's) crossings: staff are those whose visit ended as staff."""
    staff = [c for c in crossings if c.label is not None and c.label.role == Role.STAFF]
    return [c for c in crossings if c.label is None or c.label.role != Role.STAFF], staff


def entries_of(crossings: Sequence[LabelledCrossing], passerby: Collection[str]) -> list[LabelledCrossing]:
    """The inward crossings of entrance lines (every line that is not a passer-by line)."""
    return [c for c in crossings if c.crossing.line not in passerby and c.crossing.direction is Direction.IN]



def units_of(entries: Sequence[LabelledCrossing], enter_gap_s: float) -> BuyingUnits:
    """Buying units of visitors' entries (staff already left out, see `split_staff`): settled
    entries by their unit id (per run and camera), the others by the entry gap.

    >>> from datetime import UTC, timedelta
    >>> from storelens.storage.labels import VisitLabel
    >>> t0 = datetime(2026, 1, 2, 10, tzinfo=UTC)
    >>> def entry(s, track, unit):
    ...     crossing = LineCrossing("door", "store", track, t0 + timedelta(seconds=s), Direction.IN)
    ...     return LabelledCrossing(crossing, 1, None if unit is None else VisitLabel("visitor", unit))
    >>> u = units_of([entry(0, 1, 1), entry(1, 2, 1), entry(40, 3, 3), entry(90, 4, None), entry(91, 5, None)], 3.0)
    >>> u.people, u.units, u.provisional, u.unit_people
    (5, 3, 1, [2, 1, 2])
    """
    units: dict[tuple, list[datetime]] = {}
    open_units: list[list[datetime]] = []
    for e in sorted(entries, key=lambda e: e.crossing.ts):
        c = e.crossing
        if e.label is not None and e.label.unit_id is not None:
            units.setdefault((e.run_id, c.camera_id, e.label.unit_id), []).append(c.ts)
        elif open_units and (c.ts - open_units[-1][-1]).total_seconds() <= enter_gap_s:
            open_units[-1].append(c.ts)
        else:
            open_units.append([c.ts])
    rows = sorted([(min(ts), len(ts), True) for ts in units.values()] + [(ts[0], len(ts), False) for ts in open_units])
    return BuyingUnits(
        people=len(entries),
        units=len(rows),
        provisional=len(open_units),
        unit_start=[r[0] for r in rows],
        unit_people=[r[1] for r in rows],
        unit_settled=[r[2] for r in rows],
    )


def visitor_crossings(db: StoreDatabase, start: datetime, end: datetime) -> list[LineCrossing]:
    """The crossings of ``[start, end)`` with staff left out, in time order: what every count of
    visitors and passers-by (and the capture rate) reads."""
    visitors, _ = split_staff(labelled_crossings(db.engine, start, end))
    return [c.crossing for c in visitors]


def buying_units(db: StoreDatabase, config: StoreConfig, start: datetime, end: datetime) -> BuyingUnits:
    """The store's visitors who came in during ``[start, end)``, as people and buying units (staff
    left out): what conversion divides receipts by."""
    visitors, _ = split_staff(labelled_crossings(db.engine, start, end))
    return units_of(entries_of(visitors, passerby_lines(config)), config.units.enter_gap_s)


def staff_visits(engine: Engine, start: datetime, end: datetime) -> list[tuple[int, int]]:
    """(start_us, end_us) of the staff visits overlapping ``[start, end)``."""
    v = schema.visits
    start_us, end_us = to_us(start), to_us(end)
    query = sa.select(v.c.start_us, v.c.end_us).where(
        v.c.start_us >= start_us - MAX_VISIT_US, v.c.start_us < end_us, v.c.end_us >= start_us, v.c.role == Role.STAFF
    )
    with storage_errors(engine.url, "read staff visits"), engine.connect() as conn:
        return [(int(a), int(b)) for a, b in conn.execute(query)]


@dataclass(frozen=True, slots=True)
class StaffPresence:
    """Staff on the floor per bucket, from their visits.

    Attributes:
        hours: (b,) staff-hours in each bucket.
        on_duty: (b,) mean number of staff on the floor over the minutes any was (0 when none
            was): the staffing of the open hours, whatever the bucket's length.
    """

    hours: np.ndarray
    on_duty: np.ndarray

    def visitors_per_staff(self, visitors: Sequence[int]) -> list[float | None]:
        """Visitors over the staff on duty, per bucket (None without staff)."""
        return [float(n / s) if s > 0 else None for n, s in zip(visitors, self.on_duty.tolist())]


def staff_presence(spans_us: Sequence[tuple[int, int]], starts: Sequence[datetime], end: datetime) -> StaffPresence:
    """Staff-hours and staff on duty in each bucket (``starts`` in order, the last ending at
    ``end``), from staff visits' ``(start_us, end_us)``, counted per minute.

    >>> from datetime import UTC
    >>> t0 = datetime(2026, 1, 2, 10, tzinfo=UTC)
    >>> minute = 60_000_000
    >>> spans = [(to_us(t0), to_us(t0) + 90 * minute), (to_us(t0), to_us(t0) + 30 * minute)]  # 10:00-11:30, -10:30
    >>> p = staff_presence(spans, [t0, t0.replace(hour=11)], t0.replace(hour=12))
    >>> p.hours.tolist(), p.on_duty.tolist()
    ([1.5, 0.5], [1.5, 1.0])
    """
    first = to_us(starts[0]) // MINUTE_US * MINUTE_US if len(starts) else 0
    edges = (np.array([to_us(s) for s in starts] + [to_us(end)], dtype=np.int64) - first) / MINUTE_US
    n = max(int(np.ceil(edges[-1])), 0) if len(starts) else 0
    staff = np.zeros(n + 1)
    if spans_us and n:
        a = np.clip((np.array([s for s, _ in spans_us], dtype=np.int64) - first) / MINUTE_US, 0, n)
        b = np.clip((np.array([e for _, e in spans_us], dtype=np.int64) - first) / MINUTE_US, 0, n)
        ia, ib = np.floor(a).astype(np.int64), np.floor(b).astype(np.int64)
        whole = np.zeros(n + 2)
        np.add.at(whole, ia + 1, (ib > ia).astype(float))  # the minutes strictly between a and b
        np.add.at(whole, ib, -(ib > ia).astype(float))
        staff += np.cumsum(whole)[: n + 1]
        np.add.at(staff, ia, np.where(ib > ia, ia + 1 - a, b - a))  # the part minutes at either end
        np.add.at(staff, ib, np.where(ib > ia, b - ib, 0.0))
    staff = staff[:n]
    bucket = np.searchsorted(edges[1:-1], np.arange(n) + 0.5, "right") if len(starts) else np.zeros(0, np.int64)
    total = np.bincount(bucket, staff, minlength=len(starts))
    minutes = np.bincount(bucket, staff > 1e-9, minlength=len(starts))
    return StaffPresence(total / 60.0, np.divide(total, minutes, out=np.zeros(len(starts)), where=minutes > 0))
