"""Entries, exits and passers-by from line crossings: for a range, and per local hour of a day.

Lines count as ``storelens stats`` counts them: passer-by lines by their config kind, every other
line as an entrance, so the dashboard, the command line and the daily report agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from storelens.analytics.records import Direction, LineCrossing
from storelens.config import LineKind, StoreConfig
from storelens.storage.times import to_us

__all__ = ["crossing_totals", "day_bounds", "hourly_counts", "local_hours", "passerby_lines"]


def passerby_lines(config: StoreConfig) -> set[str]:
    """Names of the passer-by lines."""
    return {line.name for line in config.lines if line.kind is LineKind.PASSERBY}


def crossing_totals(config: StoreConfig, crossings: Sequence[LineCrossing]) -> tuple[int, int, int]:
    """Entries, exits and passers-by among ``crossings``."""
    entries, exits, passers = hourly_counts(config, crossings, []).sum(axis=0)
    return int(entries), int(exits), int(passers)


def day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The local calendar day ``day`` as a UTC range ``[start, end)`` (23 or 25 hours on a DST change)."""
    start = datetime.combine(day, time(), tzinfo=tz).astimezone(UTC)
    return start, datetime.combine(day + timedelta(days=1), time(), tzinfo=tz).astimezone(UTC)


def local_hours(day: date, tz: ZoneInfo) -> list[datetime]:
    """UTC starts of the local hours of ``day``, in order (a DST change gives 23 or 25 of them).

    >>> london = ZoneInfo("Europe/London")  # clocks go forward at 01:00 on 29 March 2026
    >>> [t.astimezone(london).hour for t in local_hours(date(2026, 3, 29), london)][:4]
    [0, 2, 3, 4]
    """
    start, end = day_bounds(day, tz)
    n = round((end - start) / timedelta(hours=1))
    return [start + timedelta(hours=k) for k in range(n)]


def hourly_counts(
    config: StoreConfig, crossings: Sequence[LineCrossing], hour_starts: Sequence[datetime]
) -> np.ndarray:
    """(n, 3) int64 entries, exits and passers-by per bucket starting at ``hour_starts`` (UTC, in
    order; the last bucket runs to the end of the crossings); no starts: one bucket of all."""
    counts = np.zeros((max(len(hour_starts), 1), 3), dtype=np.int64)
    if not crossings:
        return counts
    passerby = passerby_lines(config)
    column = np.array(
        [2 if c.line in passerby else 0 if Direction(c.direction) is Direction.IN else 1 for c in crossings]
    )
    if len(hour_starts):
        ts = np.array([to_us(c.ts) for c in crossings], dtype=np.int64)
        starts = np.array([to_us(t) for t in hour_starts], dtype=np.int64)
        row = np.clip(np.searchsorted(starts, ts, "right") - 1, 0, len(starts) - 1)
    else:
        row = np.zeros(len(crossings), dtype=np.int64)
    np.add.at(counts, (row, column), 1)
    return counts
