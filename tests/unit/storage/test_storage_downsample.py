"""Downsampling on ingest: <= 2 Hz per track, no thinner than needed, bounded state, two-phase."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from storage_helpers import at

from storelens.analytics.records import FloorPositions
from storelens.storage.downsample import KeptPoints, PositionDownsampler, heat_increments
from storelens.storage.times import HOUR_US, SECOND_US, to_us


def _frames(times_s, track_id=1):
    return [FloorPositions("cam", at(t), [track_id], [[t, 0.0]]) for t in times_s]


@settings(max_examples=60, deadline=None)
@given(
    fps=st.floats(1.0, 30.0),
    jitter=st.floats(0.0, 0.4),
    seed=st.integers(0, 2**16),
    chunk=st.integers(1, 50),
)
def test_kept_points_are_at_least_half_a_second_apart_and_no_sparser_than_needed(fps, jitter, seed, chunk):
    rng = np.random.default_rng(seed)
    times = np.sort(np.arange(int(10 * fps)) / fps + rng.uniform(0, jitter / fps, int(10 * fps)))
    batches = _frames(times)
    sampler, kept = PositionDownsampler(), []
    for k in range(0, len(batches), chunk):
        points, pending = sampler.plan(batches[k : k + chunk])
        sampler.commit(pending)
        kept += [p.ts_us for p in points]
    kept_us = np.concatenate(kept)
    assert np.all(np.diff(kept_us) >= SECOND_US // 2)
    # Every frame dropped was within 0.5 s of the last kept point.
    all_us = np.array([to_us(b.ts) for b in batches])
    last_kept = kept_us[np.searchsorted(kept_us, all_us, "right") - 1]
    dropped = ~np.isin(all_us, kept_us)
    assert np.all(all_us[dropped] - last_kept[dropped] < SECOND_US // 2)


def test_time_and_motion_since_the_previous_kept_point_and_fresh_start_after_a_gap():
    sampler = PositionDownsampler()
    (points,), _ = sampler.plan(_frames([0.0, 0.5, 1.2, 5.0]))
    assert points.dt_s.tolist() == [0.5, 0.5, 0.7, 0.5]  # first point and after the 3.8 s gap: one interval
    assert points.dx_m.tolist() == pytest.approx([0.0, 0.5, 0.7, 0.0])


def test_plan_without_commit_leaves_the_state_unchanged():
    sampler = PositionDownsampler()
    batches = _frames([0.0, 0.5, 1.0])
    first, _ = sampler.plan(batches)
    again, pending = sampler.plan(batches)
    assert len(first[0]) == len(again[0]) == 3
    sampler.commit(pending)
    assert sampler.plan(batches)[0] == []  # committed: the same points are not newer any more


def test_state_stays_bounded_over_many_short_tracks():
    sampler = PositionDownsampler()
    for second in range(2000):  # 2000 s, a new track every second, each seen for 3 s
        ids = np.arange(max(0, second - 2), second + 1)
        _, pending = sampler.plan([FloorPositions("cam", at(second), ids, np.zeros((len(ids), 2)))])
        sampler.commit(pending)
    assert sampler.tracked() <= 25


@pytest.mark.parametrize("kwargs", [{"max_rate_hz": 0}, {"max_gap_s": 0.1}, {"track_ttl_s": 1.0}])
def test_inconsistent_settings_are_refused(kwargs):
    with pytest.raises(ValueError):
        PositionDownsampler(**kwargs)


def test_heat_increments_split_by_hour_and_cell_including_negative_coordinates():
    ts = np.array([0, 1, HOUR_US, HOUR_US + 1]) + to_us(at(0)) // HOUR_US * HOUR_US
    points = KeptPoints(
        "cam",
        np.array([1, 1, 1, 2]),
        ts,
        np.array([-0.1, -0.2, -0.1, 0.3]),
        np.array([0.0, 0.1, 0.0, 0.0]),
        np.full(4, 0.5),
        np.array([0.0, -0.1, 0.1, 0.0]),
        np.zeros(4),
    )
    inc = heat_increments(points, 0.25)
    assert list(zip(inc.hour_us - inc.hour_us[0], inc.cell_ix, inc.cell_iy, inc.seconds)) == [
        (0, -1, 0, 1.0),
        (HOUR_US, -1, 0, 0.5),
        (HOUR_US, 1, 0, 0.5),
    ]
    assert inc.flow_dx.tolist() == pytest.approx([-0.1, 0.1, 0.0])
