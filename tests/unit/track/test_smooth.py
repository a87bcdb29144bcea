"""Box smoothing keeps frames, order and identities, and removes wobble."""

from __future__ import annotations

import numpy as np
from factories import make_detections, person_box

from storelens.track.smooth import BoxSmoother


def _smooth(frames):
    sm, out = BoxSmoother(), []
    for f in frames:
        out += sm.push(f)
    return out + sm.flush()


def test_still_person_is_unchanged_and_every_frame_comes_back_in_order():
    frames = [make_detections([person_box(200, 300)], track_id=[3], frame_index=i) for i in range(30)]
    out = _smooth(frames)
    assert [d.frame_index for d in out] == list(range(30))
    for d in out:
        np.testing.assert_allclose(d.xyxy_px[0], person_box(200, 300), atol=1e-3)
        assert d.track_id.tolist() == [3]


def test_jitter_shrinks_while_walking_motion_is_kept():
    rng = np.random.default_rng(1)
    truth = [person_box(100 + 4 * i, 300) for i in range(60)]
    noisy = [np.asarray(b) + rng.normal(0, 3, 4) for b in truth]
    frames = [make_detections([b], track_id=[1], frame_index=i) for i, b in enumerate(noisy)]
    out = _smooth(frames)
    err_before = np.abs(np.array(noisy) - truth)[5:-5].mean()
    err_after = np.abs(np.array([d.xyxy_px[0] for d in out]) - truth)[5:-5].mean()
    assert err_after < 0.6 * err_before


def test_two_tracks_are_smoothed_separately():
    frames = [
        make_detections([person_box(100, 300), person_box(400, 300)], track_id=[1, 2], frame_index=i)
        for i in range(20)
    ]
    out = _smooth(frames)
    np.testing.assert_allclose(out[10].xyxy_px, [person_box(100, 300), person_box(400, 300)], atol=1e-3)
