"""Per-minute entries, exits and occupancy computed from stay intervals (visits, zone visits).

Occupancy is derived from the intervals themselves rather than from sampled counts: the mean is
the exact time average (person-seconds in the minute / 60 s) and the maximum is exact too, so
two engines, or two recomputations, always agree. Intervals are half-open ``[enter, exit)``: a
person leaving at 10:00:00 and another arriving at 10:00:00 are never counted together.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from storelens.storage.times import MINUTE_US

__all__ = ["MinuteCounts", "minute_counts"]


@dataclass(frozen=True, slots=True)
class MinuteCounts:
    """Counts for consecutive minutes (columnar); see :class:`storelens.storage.OccupancySeries`."""

    minute_us: np.ndarray
    entries: np.ndarray
    exits: np.ndarray
    max_occupancy: np.ndarray
    mean_occupancy: np.ndarray


def minute_counts(enter_us: np.ndarray, exit_us: np.ndarray, first_minute_us: int, n_minutes: int) -> MinuteCounts:
    """Entries, exits, max and mean occupancy for ``n_minutes`` minutes from ``first_minute_us``.

    Args:
        enter_us / exit_us: (v,) int64 interval bounds, microseconds, UTC. Must include every
            interval that overlaps, starts or ends in the minutes asked for; others are harmless.
        first_minute_us: Start of the first minute (a multiple of one minute).
        n_minutes: Number of minutes.

    >>> m = minute_counts(np.array([0, 30_000_000]), np.array([90_000_000, 60_000_000]), 0, 2)
    >>> m.entries.tolist(), m.exits.tolist(), m.max_occupancy.tolist(), m.mean_occupancy.tolist()
    ([2, 0], [0, 2], [2, 1], [1.5, 0.5])
    """
    starts = first_minute_us + MINUTE_US * np.arange(n_minutes, dtype=np.int64)
    ends = starts + MINUTE_US
    enter_sorted, exit_sorted = np.sort(enter_us), np.sort(exit_us)
    entries = np.searchsorted(enter_sorted, ends, "left") - np.searchsorted(enter_sorted, starts, "left")
    exits = np.searchsorted(exit_sorted, ends, "left") - np.searchsorted(exit_sorted, starts, "left")

    # Stage 1: events in time order, exits before entries at equal times (half-open intervals).
    times = np.concatenate([exit_us, enter_us])
    steps = np.concatenate([-np.ones(len(exit_us), np.int64), np.ones(len(enter_us), np.int64)])
    order = np.lexsort((steps, times))
    times, steps = times[order], steps[order]
    count_after = np.cumsum(steps)

    # Stage 2: exact time integral of the count, F(t) = sum over events before t of step * (t - time).
    def person_us_until(t: np.ndarray) -> np.ndarray:
        k = np.searchsorted(times, t, "left")
        steps_before = np.concatenate([[0], count_after])[k]
        weighted = np.concatenate([[0], np.cumsum(steps * times)])[k]
        return steps_before * t - weighted

    mean = (person_us_until(ends) - person_us_until(starts)) / MINUTE_US

    # Stage 3: the count at each minute start, then its peak over the events inside the minute.
    first = np.searchsorted(times, starts, "right")
    last = np.searchsorted(times, ends, "left")
    at_start = np.concatenate([[0], count_after])[first]
    peak = at_start.copy()
    for i in np.flatnonzero(last > first):
        peak[i] = max(peak[i], int(count_after[first[i] : last[i]].max()))
    return MinuteCounts(starts, entries, exits, peak, mean)
