"""Gap filling, short-track suppression, identity links and bounded delay."""

from __future__ import annotations

import math

import numpy as np
import pytest
from factories import make_detections, person_box

from storelens.track.finalize import FinalizerConfig, TrackFinalizer

FPS = 10.0


def _frames(tracks: dict[int, dict[int, list[float]]], n: int):
    """tracks: {track id: {frame index: box}} -> tracked Detections per frame."""
    for i in range(n):
        rows = [(tid, boxes[i]) for tid, boxes in tracks.items() if i in boxes]
        yield make_detections(
            [b for _, b in rows], track_id=[t for t, _ in rows], frame_index=i, fps=FPS
        )


def _run(fin: TrackFinalizer, frames, links=None):
    out = []
    for d in frames:
        out += fin.push(d, (links or {}).get(d.frame_index))
    return out + fin.flush()


def test_gap_is_filled_linearly():
    boxes = {i: person_box(100 + 10 * i, 300) for i in range(20) if not 5 <= i < 9}
    out = _run(TrackFinalizer(), _frames({1: boxes}, 20))
    assert [len(d) for d in out] == [1] * 20
    np.testing.assert_allclose(out[7].xyxy_px[0], person_box(170, 300), atol=1e-3)


def test_gap_longer_than_max_gap_is_not_filled():
    boxes = {i: person_box(100, 300) for i in range(60) if not 10 <= i < 50}
    out = _run(TrackFinalizer(FinalizerConfig(max_gap_s=3.0)), _frames({1: boxes}, 60))
    assert sum(len(d) for d in out) == 20


@pytest.mark.parametrize(
    ("n_boxes", "kept"),
    [(2, False), (4, False), (30, True)],  # 4 boxes = 0.3 s < min_track_s 0.5 s
)
def test_short_tracks_are_dropped_whole(n_boxes, kept):
    boxes = {i: person_box(200, 300) for i in range(n_boxes)}
    out = _run(TrackFinalizer(), _frames({7: boxes}, 40))
    assert (sum(len(d) for d in out) == n_boxes) == kept
    assert sum(len(d) for d in out) in (0, n_boxes)


def test_link_relabels_buffered_boxes_and_fills_the_gap():
    # Track 2 starts at frame 14; at frame 17 the tracker decides it continues track 1 and
    # from then on reports id 1.
    old = {i: person_box(100 + 5 * i, 300) for i in range(10)}
    old.update({i: person_box(100 + 5 * i, 300) for i in range(17, 30)})
    young = {i: person_box(100 + 5 * i, 300) for i in range(14, 17)}
    out = _run(TrackFinalizer(), _frames({1: old, 2: young}, 30), links={17: {2: 1}})
    ids = np.concatenate([d.track_id for d in out])
    assert set(ids.tolist()) == {1} and len(ids) == 30


def test_finite_latency_releases_in_time_and_forgets_old_tracks():
    fin = TrackFinalizer(FinalizerConfig(latency_s=1.0))
    released = 0
    for i in range(3000):
        d = make_detections([person_box(100, 300)], track_id=[i // 20], frame_index=i, fps=FPS)
        out = fin.push(d)
        released += len(out)
        assert i + 1 - released <= 11  # never more than latency + one frame held back
    assert len(fin._info) < 10  # noqa: SLF001 - bounded state is the point of this test


def test_default_latency_is_offline():
    assert math.isinf(FinalizerConfig().latency_s)
