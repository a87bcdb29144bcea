"""Minute aggregates from stay intervals match a brute-force count."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from storelens.storage.aggregates import minute_counts
from storelens.storage.times import MINUTE_US, SECOND_US


def _brute_force(enter, exit_, first, n):
    rows = []
    for k in range(n):
        start, end = first + k * MINUTE_US, first + (k + 1) * MINUTE_US
        # Whole seconds only in this test, so sampling every second finds the peak.
        present = [int(np.sum((enter <= t) & (t < exit_))) for t in range(start, end, SECOND_US)]
        overlap = np.clip(np.minimum(exit_, end) - np.maximum(enter, start), 0, None).sum()
        rows.append(
            (
                int(np.sum((enter >= start) & (enter < end))),
                int(np.sum((exit_ >= start) & (exit_ < end))),
                max(present),
                overlap / MINUTE_US,
            )
        )
    return rows


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 299), st.integers(0, 200)), min_size=1, max_size=30))
def test_minute_counts_match_brute_force(stays):
    enter = np.array([s for s, _ in stays], dtype=np.int64) * SECOND_US
    exit_ = enter + np.array([d for _, d in stays], dtype=np.int64) * SECOND_US
    got = minute_counts(enter, exit_, 0, 5)
    expected = _brute_force(enter, exit_, 0, 5)
    assert got.minute_us.tolist() == [k * MINUTE_US for k in range(5)]
    assert list(zip(got.entries.tolist(), got.exits.tolist(), got.max_occupancy.tolist())) == [e[:3] for e in expected]
    np.testing.assert_allclose(got.mean_occupancy, [e[3] for e in expected])
