"""Visitors and passers-by per local hour or day, capture rate, and the weekday x hour peak grid.

Crossings are read once (the capture rate counts people, so it needs each crossing's track), with
the role and unit of their visit: staff are left out of every count, entries are also counted
as buying units, and staff visits give the staff on duty and visitors per staff member
(`storelens.reports.people`). They are placed in local buckets here; the weekday x hour grid
takes each crossing's UTC quarter hour to the local clock: every time zone's offset is a whole
number of quarter hours, so each quarter falls in exactly one local hour, also in zones like
Asia/Kolkata (+05:30) and across DST changes.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
from sqlalchemy.engine import Engine

from storelens.analytics.capture import capture_rate
from storelens.analytics.periods import local_bucket_starts
from storelens.analytics.records import Direction, LineCrossing
from storelens.api.schemas import PeakGrid, TrafficBucket, TrafficOut
from storelens.api.timerange import TimeRange
from storelens.config import WEEKDAYS, LineKind, StoreConfig
from storelens.reports.people import StaffPresence, entries_of, split_staff, staff_presence, staff_visits, units_of
from storelens.storage.labels import labelled_crossings
from storelens.storage.times import MINUTE_US, from_us, to_us

__all__ = ["BUCKETS", "MAX_HOURLY_DAYS", "QUARTER_US", "bucket_starts", "traffic"]

QUARTER_US = 15 * MINUTE_US
BUCKETS = ("hour", "day")
MAX_HOURLY_DAYS = 93
"""Longest range reported per hour (a quarter's worth of hours); longer ranges go per day."""


def bucket_starts(r: TimeRange, bucket: str) -> list[datetime]:
    """Starts (UTC) of the local hours or days that ``r`` touches, in order.

    >>> from zoneinfo import ZoneInfo
    >>> from datetime import UTC
    >>> r = TimeRange(datetime(2026, 1, 1, 4, 45, tzinfo=UTC), datetime(2026, 1, 1, 6, 0, tzinfo=UTC),
    ...               ZoneInfo("Asia/Kolkata"))
    >>> [t.astimezone(r.tz).strftime("%H:%M") for t in bucket_starts(r, "hour")]
    ['10:00', '11:00']
    """
    return local_bucket_starts(r.start, r.end, r.tz, bucket)


def _bucket(
    start: datetime, tz, counts: np.ndarray, capture: float | None, units: int, staff: StaffPresence, i: int
) -> TrafficBucket:
    entries, exits, passers = (int(c) for c in counts)
    return TrafficBucket(
        start=start.astimezone(tz),
        entries=entries,
        exits=exits,
        passers_by=passers,
        capture_rate=capture,
        units=units,
        staff_hours=round(float(staff.hours[i]), 3),
        staff_on_duty=round(float(staff.on_duty[i]), 3),
        visitors_per_staff=round(entries / staff.on_duty[i], 2) if staff.on_duty[i] > 0 else None,
    )


def traffic(config: StoreConfig, engine: Engine, r: TimeRange, bucket: str) -> TrafficOut:
    """Counts per local ``bucket`` ("hour" or "day") over ``r``; lines classified as in :func:`crossing_totals`."""
    passerby = {line.name for line in config.lines if line.kind is LineKind.PASSERBY}
    starts = bucket_starts(r, bucket)
    starts_us = np.array([to_us(s) for s in starts], dtype=np.int64)
    counts = np.zeros((len(starts), 3), dtype=np.int64)  # entries, exits, passers-by
    grid = np.zeros((7, 24))
    counted_days = set()  # local dates with any crossing: the grid averages over these only
    visitors, _ = split_staff(labelled_crossings(engine, r.start, r.end))
    crossings = [c.crossing for c in visitors]
    units = units_of(entries_of(visitors, passerby), config.units.enter_gap_s)
    spans = staff_visits(engine, r.start, r.end)
    staff, staff_total = staff_presence(spans, starts, r.end), staff_presence(spans, [r.start], r.end)
    per_bucket: list[list[LineCrossing]] = [[] for _ in starts]
    local_quarter: dict[int, datetime] = {}  # a quarter hour lies in one local hour (see above)
    for c in crossings:
        ts_us = to_us(c.ts)
        column = 2 if c.line in passerby else (0 if Direction(c.direction) is Direction.IN else 1)
        i = max(int(np.searchsorted(starts_us, ts_us, "right")) - 1, 0)
        counts[i, column] += 1
        per_bucket[i].append(c)
        quarter = ts_us // QUARTER_US
        if quarter not in local_quarter:
            local_quarter[quarter] = from_us(quarter * QUARTER_US).astimezone(r.tz)
        local = local_quarter[quarter]
        counted_days.add(local.date())
        if column == 0:
            grid[local.weekday(), local.hour] += 1
    days = np.bincount([d.weekday() for d in counted_days], minlength=7).astype(np.int64)
    mean = np.divide(grid, days[:, None], out=np.zeros_like(grid), where=days[:, None] > 0)
    return TrafficOut(
        start=r.start.astimezone(r.tz),
        end=r.end.astimezone(r.tz),
        bucket=bucket,
        buckets=[
            _bucket(s, r.tz, c, capture_rate(b, passerby), int(u), staff, i)
            for i, (s, c, b, u) in enumerate(zip(starts, counts, per_bucket, units.per_bucket(starts)))
        ],
        totals=_bucket(
            r.start, r.tz, counts.sum(axis=0), capture_rate(crossings, passerby), units.units, staff_total, 0
        ),
        peak_grid=PeakGrid(
            weekdays=list(WEEKDAYS),
            hours=list(range(24)),
            mean_entries=np.round(mean, 3).tolist(),
            days=days.tolist(),
        ),
    )
